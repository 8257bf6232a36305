//go:build unix

package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets a test start this very test binary as the service: with
// JARVIS_AUTH_RUN_MAIN=1 it runs main instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("JARVIS_AUTH_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestServe_SIGTERMWithALoginInFlight_FinishesItAndExitsZero runs the real
// process, starts a slow login (bcrypt cost 11), waits until its password
// hash is running (the hashing-pool metric says so), sends SIGTERM, and
// checks that the login still succeeds and the process exits 0.
func TestServe_SIGTERMWithALoginInFlight_FinishesItAndExitsZero(t *testing.T) {
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"JARVIS_AUTH_RUN_MAIN=1",
		"PORT="+strconv.Itoa(port),
		"DATABASE_URL=sqlite:///"+filepath.Join(dir, "sig.db"),
		"BCRYPT_COST=11",
		"SHUTDOWN_TIMEOUT_SECONDS=20",
		"LOG_FORMAT=text",
	)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 60*time.Second, 20*time.Millisecond, "service did not become healthy:\n%s", &logs)

	post := func(path, body string) int {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	require.Equal(t, 200, post("/auth/register", `{"email":"sig@example.com","password":"password123"}`))

	login := make(chan int, 1)
	go func() { login <- post("/auth/login", `{"email":"sig@example.com","password":"password123"}`) }()
	// The register's hash was the first; the login's is the second.
	require.Eventually(t, func() bool { return hashesStarted(base) >= 2 }, 30*time.Second, 5*time.Millisecond)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 200, <-login, "the in-flight login completed")
	select {
	case err := <-exited:
		assert.NoError(t, err, "exit status 0\n%s", &logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("the service did not exit after SIGTERM:\n%s", &logs)
	}
	assert.Contains(t, logs.String(), "stopped")
}

// hashesStarted reads how many password hashes got a worker so far.
func hashesStarted(base string) int {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "jarvis_auth_password_hash_queue_wait_seconds_count "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
