package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRun_Commands(t *testing.T) {
	t.Chdir(t.TempDir()) // no stray .env
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"version", []string{"version"}, 0, "dev"},
		{"help", []string{"help"}, 0, "usage"},
		{"unknown command", []string{"frobnicate"}, 2, ""},
		{"migrate without action", []string{"migrate"}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runCmd(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, out, tc.out)
		})
	}
}

func TestServe_BadConfiguration_ExitsNonZeroNamingTheVariable(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("BCRYPT_COST", "99")
	t.Setenv("SECRET_KEY", "a-very-secret-value-that-must-not-print")
	code, _, errOut := runCmd(t, "serve")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "BCRYPT_COST")
	assert.NotContains(t, errOut, "a-very-secret-value")
}

func TestMigrate_UpThenStatus(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("DATABASE_URL", "sqlite:///"+filepath.Join(t.TempDir(), "m.db"))
	code, _, errOut := runCmd(t, "migrate", "up")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := runCmd(t, "migrate", "status")
	require.Equal(t, 0, code, errOut)
	assert.NotEmpty(t, strings.TrimSpace(out))
}

func TestHealthcheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			_, _ = w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer ok.Close()
	_, port, err := net.SplitHostPort(ok.Listener.Addr().String())
	require.NoError(t, err)
	t.Setenv("PORT", port)
	code, _, _ := runCmd(t, "healthcheck")
	assert.Equal(t, 0, code)

	ok.Close()
	code, _, errOut := runCmd(t, "healthcheck")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "unhealthy")
}
