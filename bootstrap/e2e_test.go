package bootstrap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/adapters/persistence/persistencetest"
	"github.com/jarvis/jarvis-auth/bootstrap"
)

const testSecret = "e2e-secret-key-that-is-long-enough-0123456789"

func testConfig(dbURL string) bootstrap.Config {
	cfg := bootstrap.DefaultConfig()
	cfg.SecretKey = bootstrap.Secret(testSecret)
	cfg.DatabaseURL = dbURL
	cfg.BcryptCost = 4
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

// service is one running replica of the whole service (fx graph, real
// adapters, real listener).
type service struct {
	t    testing.TB
	app  *fx.App
	base string
	logs *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs the service on 127.0.0.1:0, logging at debug into s.logs;
// extra options (fx.Decorate, VersionOption, ...) adjust the graph.
func start(t testing.TB, cfg bootstrap.Config, extra ...fx.Option) *service {
	t.Helper()
	logs := &syncBuffer{}
	log := bootstrap.NewLogger(logs, slog.LevelDebug, "json")
	var srv *bootstrap.Server
	app := fx.New(
		bootstrap.Options(cfg, log, extra...),
		fx.Replace(bootstrap.Listener{Addr: "127.0.0.1:0"}),
		fx.Populate(&srv),
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, app.Start(ctx))
	s := &service{t: t, app: app, base: "http://" + srv.Addr().String(), logs: logs}
	t.Cleanup(s.stop)
	return s
}

func (s *service) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.app.Stop(ctx)
}

func (s *service) call(method, path string, body any, bearer string) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	require.NoError(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(s.t, json.Unmarshal(raw, &out))
	}
	return resp.StatusCode, out
}

func eachDatabase(t *testing.T, fn func(t *testing.T, dbURL string)) {
	for _, d := range persistencetest.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, persistencetest.NewDatabaseURL(t, d)) })
	}
}

func TestE2E_FullFlow(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dbURL string) {
		s := start(t, testConfig(dbURL))

		status, reg := s.call("POST", "/auth/register", map[string]any{"email": "Flow@Example.com", "password": "password123"}, "")
		require.Equal(t, 200, status, reg)
		assert.Equal(t, "flow@example.com", reg["email"])
		assert.Equal(t, "flow", reg["username"])

		status, login := s.call("POST", "/auth/login", map[string]any{"email": "flow@example.com", "password": "password123"}, "")
		require.Equal(t, 200, status, login)
		at, rt := login["access_token"].(string), login["refresh_token"].(string)

		status, me := s.call("GET", "/auth/me", nil, at)
		require.Equal(t, 200, status)
		assert.Equal(t, reg["id"], me["id"])

		status, ref := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
		require.Equal(t, 200, status, ref)
		assert.NotEqual(t, rt, ref["refresh_token"])

		status, again := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
		require.Equal(t, 200, status, again)
		assert.Equal(t, ref["refresh_token"], again["refresh_token"], "an unreceived successor is handed out again")

		status, out := s.call("POST", "/auth/logout", map[string]any{"refresh_token": ref["refresh_token"]}, "")
		require.Equal(t, 200, status, out)
		status, _ = s.call("GET", "/auth/me", nil, ref["access_token"].(string))
		assert.Equal(t, 401, status, "logout ends the session's access tokens")
		status, _ = s.call("POST", "/auth/refresh", map[string]any{"refresh_token": ref["refresh_token"]}, "")
		assert.Equal(t, 401, status)

		status, ready := s.call("GET", "/ready", nil, "")
		assert.Equal(t, 200, status, ready)

		// No secret, password or token ever reaches the logs.
		logs := s.logs.String()
		for _, secret := range []string{"password123", testSecret, at, rt, ref["refresh_token"].(string), ref["access_token"].(string)} {
			assert.NotContains(t, logs, secret)
		}
		assert.Contains(t, logs, `"route":"/auth/login"`)
	})
}

func TestE2E_ConcurrentRegistrationsOfOneEmail_OneWinsOthersGet409(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dbURL string) {
		s := start(t, testConfig(dbURL))
		const n = 12
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				statuses[i], _ = s.call("POST", "/auth/register", map[string]any{"email": "race@example.com", "password": "password123"}, "")
			})
		}
		wg.Wait()
		counts := map[int]int{}
		for _, st := range statuses {
			counts[st]++
		}
		assert.Equal(t, map[int]int{200: 1, 409: n - 1}, counts)
	})
}

func TestE2E_ConcurrentDerivedUsernames_AllSucceed(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dbURL string) {
		s := start(t, testConfig(dbURL))
		const n = 8
		names := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				st, body := s.call("POST", "/auth/register", map[string]any{"email": "sam@d" + string(rune('a'+i)) + ".com", "password": "password123"}, "")
				if st == 200 {
					names[i], _ = body["username"].(string)
				}
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, n := range names {
			require.NotEmpty(t, n)
			assert.True(t, strings.HasPrefix(n, "sam"))
			assert.False(t, seen[strings.ToLower(n)], "unique")
			seen[strings.ToLower(n)] = true
		}
	})
}

func TestE2E_ConcurrentRefreshesOfOneToken_AllGetOneSuccessor(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dbURL string) {
		s := start(t, testConfig(dbURL))
		_, reg := s.call("POST", "/auth/register", map[string]any{"email": "rot@example.com", "password": "password123"}, "")
		rt := reg["refresh_token"].(string)
		const n = 16
		got := make([]string, n)
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				var body map[string]any
				statuses[i], body = s.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
				got[i], _ = body["refresh_token"].(string)
			})
		}
		wg.Wait()
		for i := range n {
			assert.Equal(t, 200, statuses[i])
			assert.Equal(t, got[0], got[i])
		}
		// The successor works exactly once more (then it is used).
		st, next := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": got[0]}, "")
		require.Equal(t, 200, st)
		assert.NotEqual(t, got[0], next["refresh_token"])
	})
}

// TestE2E_TwoReplicasAndARestart_ShareRotationState starts two replicas on
// one database at once (migration lock), rotates on one and replays on the
// other, then restarts and checks nothing was lost.
func TestE2E_TwoReplicasAndARestart_ShareRotationState(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dbURL string) {
		cfg := testConfig(dbURL)
		var a, b *service
		var wg sync.WaitGroup
		wg.Go(func() { a = start(t, cfg) })
		wg.Go(func() { b = start(t, cfg) })
		wg.Wait()
		require.NotNil(t, a)
		require.NotNil(t, b)

		_, reg := a.call("POST", "/auth/register", map[string]any{"email": "rep@example.com", "password": "password123"}, "")
		rt := reg["refresh_token"].(string)
		st, first := a.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
		require.Equal(t, 200, st)
		st, replay := b.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
		require.Equal(t, 200, st)
		assert.Equal(t, first["refresh_token"], replay["refresh_token"])

		st, _ = b.call("GET", "/auth/me", nil, first["access_token"].(string))
		assert.Equal(t, 200, st, "replicas share the secret")

		a.stop()
		b.stop()
		c := start(t, cfg)
		st, _ = c.call("POST", "/auth/login", map[string]any{"email": "rep@example.com", "password": "password123"}, "")
		assert.Equal(t, 200, st)
		st, again := c.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
		require.Equal(t, 200, st)
		assert.Equal(t, first["refresh_token"], again["refresh_token"], "rotation state survives a restart")
	})
}

func TestE2E_ReuseAfterGrace_RevokesSession(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dbURL string) {
		cfg := testConfig(dbURL)
		cfg.ReuseGrace = 0 // no window: any replay after the successor was used is reuse
		s := start(t, cfg)
		_, reg := s.call("POST", "/auth/register", map[string]any{"email": "thief@example.com", "password": "password123"}, "")
		rt := reg["refresh_token"].(string)
		_, second := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
		_, third := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": second["refresh_token"]}, "")

		st, body := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt}, "")
		assert.Equal(t, 401, st)
		assert.Equal(t, "refresh_token_reused", body["code"])
		st, _ = s.call("POST", "/auth/refresh", map[string]any{"refresh_token": third["refresh_token"]}, "")
		assert.Equal(t, 401, st, "the session was revoked")
		st, _ = s.call("GET", "/auth/me", nil, third["access_token"].(string))
		assert.Equal(t, 401, st)
		assert.Contains(t, s.logs.String(), "refresh token reused")
	})
}

func TestE2E_MigrationsRunBeforeTheListenerOpens(t *testing.T) {
	url := persistencetest.NewDatabaseURL(t, persistence.SQLite)
	s := start(t, testConfig(url))
	db, err := persistence.Open(context.Background(), url)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Ready(context.Background()), "started means migrated")
	st, _ := s.call("GET", "/health", nil, "")
	assert.Equal(t, 200, st)
}

func TestFxGraph_IsValid(t *testing.T) {
	cfg := testConfig("sqlite://")
	require.NoError(t, fx.ValidateApp(bootstrap.Options(cfg, slog.New(slog.DiscardHandler))))
}
