package bootstrap_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/adapters/persistence/persistencetest"
)

// Benchmarks of whole requests through the running service (real listener,
// fx graph, SQLite file or Postgres), e.g.
//
//	go test -run '^$' -bench . -benchtime 3s ./bootstrap/
//
// Results recorded in the README ("Performance").

func benchService(b *testing.B, d persistence.Dialect) (*service, map[string]any) {
	b.Helper()
	s := start(b, testConfig(persistencetest.NewDatabaseURL(b, d)))
	_, reg := s.call("POST", "/auth/register", map[string]any{"email": "bench@example.com", "password": "password123"}, "")
	return s, reg
}

func BenchmarkMe(b *testing.B) {
	for _, d := range persistencetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			s, reg := benchService(b, d)
			access := reg["access_token"].(string)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", s.base+"/auth/me", nil)
					req.Header.Set("Authorization", "Bearer "+access)
					resp, err := client.Do(req)
					if err != nil || resp.StatusCode != 200 {
						b.Errorf("me: %v %v", err, resp)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}

func BenchmarkRefreshRotation(b *testing.B) {
	for _, d := range persistencetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			s, reg := benchService(b, d)
			tok := reg["refresh_token"].(string)
			b.ResetTimer()
			for b.Loop() {
				body, _ := json.Marshal(map[string]string{"refresh_token": tok})
				resp, err := http.Post(s.base+"/auth/refresh", "application/json", bytes.NewReader(body))
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("refresh: %v %v", err, resp)
				}
				var out map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				tok = out["refresh_token"].(string)
			}
		})
	}
}
