package bootstrap_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/adapters/persistence/persistencetest"
	"github.com/jarvis/jarvis-auth/bootstrap"
)

// TestShutdown_InFlightRequestFinishes stops the service while a login is
// hashing its password: the login still gets its 200, and the listener is
// closed afterwards.
func TestShutdown_InFlightRequestFinishes(t *testing.T) {
	cfg := testConfig(persistencetest.NewDatabaseURL(t, persistence.SQLite))
	cfg.BcryptCost = 10 // ~0.1 s per hash: long enough to be in flight

	hashing := make(chan struct{}, 16)
	s := start(t, cfg,
		fx.Decorate(func(h bootstrap.HasherHooks) bootstrap.HasherHooks {
			next := h.OnWait
			h.OnWait = func(d time.Duration) {
				if next != nil {
					next(d)
				}
				hashing <- struct{}{} // a hash is about to run inside a request
			}
			return h
		}),
	)
	base := s.base

	post := func(path, body string) (int, error) {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return resp.StatusCode, nil
	}
	status, err := post("/auth/register", `{"email":"sd@example.com","password":"password123"}`)
	require.NoError(t, err)
	require.Equal(t, 200, status)
	<-hashing // the registration's hash

	done := make(chan int, 1)
	go func() {
		st, err := post("/auth/login", `{"email":"sd@example.com","password":"password123"}`)
		if err != nil {
			st = -1
		}
		done <- st
	}()
	<-hashing // the login is inside its handler now

	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.app.Stop(stopCtx))
	assert.Equal(t, 200, <-done, "the in-flight login completed")

	_, err = http.Get(base + "/health")
	assert.Error(t, err, "the listener is closed after stop")
}
