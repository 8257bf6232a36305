package httpapi_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	httpapi "github.com/jarvis/jarvis-auth/adapters/http"
	"github.com/jarvis/jarvis-auth/application/auth/authtest"
)

func appWith(t *testing.T, o httpapi.Options) (*authtest.Fixture, string) {
	t.Helper()
	f := authtest.NewFixture(authtest.DefaultPolicy())
	o.UseCases = useCasesOf(f)
	o.Ready = func(context.Context) error { return nil }
	app := httpapi.New(o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return f, ln.Addr().String()
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name    string
		origins []string
		origin  string
		allowed bool
	}{
		{"off by default", nil, "https://app.example", false},
		{"listed origin", []string{"https://app.example"}, "https://app.example", true},
		{"unlisted origin", []string{"https://app.example"}, "https://evil.example", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := appWith(t, httpapi.Options{CORSOrigins: tc.origins})
			req, err := http.NewRequest(http.MethodOptions, "http://"+addr+"/auth/login", nil)
			require.NoError(t, err)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			if tc.allowed {
				assert.Equal(t, tc.origin, resp.Header.Get("Access-Control-Allow-Origin"))
				assert.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "POST")
			} else {
				assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

func TestOversizedHeaders_AreRefusedWithAProblem(t *testing.T) {
	_, addr := appWith(t, httpapi.Options{})
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/health", nil)
	require.NoError(t, err)
	req.Header.Set("X-Filler", strings.Repeat("x", 16*1024))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), `"code":"bad_request"`)
}

// TestSlowClient_IsDisconnected: a client that never finishes its request
// cannot hold the connection past the read timeout.
func TestSlowClient_IsDisconnected(t *testing.T) {
	_, addr := appWith(t, httpapi.Options{ReadTimeout: 100 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST /auth/login HTTP/1.1\r\nHost: x\r\n")) // headers never end
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = io.ReadAll(bufio.NewReader(conn)) // returns when the server closes
	var ne net.Error
	if err != nil && assert.ErrorAs(t, err, &ne) {
		assert.False(t, ne.Timeout(), "the server closed the connection before our own deadline")
	}
}

func TestTokenResponses_AreNotCached(t *testing.T) {
	h := newHarness(t)
	reg := h.register("cache@example.com")
	login := h.post("/auth/login", map[string]any{"email": "cache@example.com", "password": "password123"})
	ref := h.post("/auth/refresh", map[string]any{"refresh_token": reg.body["refresh_token"]})
	for name, r := range map[string]reply{"register": reg, "login": login, "refresh": ref} {
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"), name)
		assert.Equal(t, "no-cache", r.header.Get("Pragma"), name)
	}
}
