package deployments

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The smoke test stands in for `docker compose up` on a machine without a Docker engine:
// it compiles the binary with the Dockerfile's own go build line, starts it with
// .env.example (host db → the local Postgres, a scratch database), walks the auth flow of
// API.md, restarts the process and checks that the data and sessions survived.
//
//	JARVIS_AUTH_SMOKE=1 go test -run Smoke -v ./...
//
// JARVIS_AUTH_SMOKE_PG_HOST (default 127.0.0.1:5432) says where Postgres listens; the
// user and password are .env.example's (trust authentication accepts them as they are).
const (
	smokeEnvVar     = "JARVIS_AUTH_SMOKE"
	smokePGHostVar  = "JARVIS_AUTH_SMOKE_PG_HOST"
	startupDeadline = 90 * time.Second
	stopDeadline    = 30 * time.Second
)

func TestSmoke_ComposeEnvAgainstPostgres_AuthFlowSurvivesRestart(t *testing.T) {
	if os.Getenv(smokeEnvVar) != "1" {
		t.Skipf("set %s=1 to build the binary and run it against the local Postgres", smokeEnvVar)
	}
	bin, version := buildLikeDockerfile(t)
	env, secret := smokeEnv(t)
	workdir := t.TempDir() // no stray .env or SQLite file is picked up or left behind

	svc := startService(t, bin, workdir, env)
	checkHealthcheckSubcommand(t, bin, env, 0)
	svc.expectJSON(t, svc.call(t, "GET", readyPath, nil, ""), http.StatusOK, map[string]any{"status": "ok"})
	for _, path := range []string{"/docs", "/openapi.json"} {
		assert.Equal(t, http.StatusOK, svc.call(t, "GET", path, nil, "").status, "GET %s", path)
	}

	// Register: 200, the User at the top level plus the token fields.
	tag := randomHex(t, 4)
	email := "smoke." + tag + "@example.com"
	password := "correct horse battery staple"
	reg := svc.call(t, "POST", "/auth/register", map[string]any{"email": "  Smoke." + tag + "@Example.com ", "password": password}, "")
	require.Equal(t, http.StatusOK, reg.status, "register: %s", reg.raw)
	user := checkUser(t, reg.body, email)
	checkTokenPair(t, reg.body, secret, user)
	require.IsType(t, map[string]any{}, reg.body["user"])
	assert.Equal(t, user, checkUser(t, reg.body["user"].(map[string]any), email), "user mirrors the top-level fields")

	svc.expectProblem(t, svc.call(t, "POST", "/auth/register", map[string]any{"email": email, "password": password}, ""),
		http.StatusConflict, "email_taken")
	svc.expectProblem(t, svc.call(t, "POST", "/auth/register", map[string]any{"email": "not-an-email", "password": password}, ""),
		http.StatusUnprocessableEntity, "validation_failed")

	// Login: case-insensitive email; a wrong password gets the generic 401.
	svc.expectProblem(t, svc.call(t, "POST", "/auth/login", map[string]any{"email": email, "password": "wrong password!"}, ""),
		http.StatusUnauthorized, "invalid_credentials")
	login := svc.call(t, "POST", "/auth/login", map[string]any{"email": strings.ToUpper(email), "password": password}, "")
	require.Equal(t, http.StatusOK, login.status, "login: %s", login.raw)
	access, refresh := checkTokenPair(t, login.body, secret, user)
	assert.Equal(t, user, checkUser(t, login.body["user"].(map[string]any), email))

	// Me.
	me := svc.call(t, "GET", "/auth/me", nil, access)
	require.Equal(t, http.StatusOK, me.status, "me: %s", me.raw)
	assert.Equal(t, user, checkUser(t, me.body, email))
	unauth := svc.call(t, "GET", "/auth/me", nil, "not-a-token")
	svc.expectProblem(t, unauth, http.StatusUnauthorized, "invalid_token")
	assert.Contains(t, unauth.header.Get("WWW-Authenticate"), "Bearer")

	// Refresh rotates the refresh token.
	ref := svc.call(t, "POST", "/auth/refresh", map[string]any{"refresh_token": refresh}, "")
	require.Equal(t, http.StatusOK, ref.status, "refresh: %s", ref.raw)
	access2, refresh2 := checkTokenPair(t, ref.body, secret, user)
	assert.NotEqual(t, refresh, refresh2, "a new, rotated refresh token")
	assert.Equal(t, http.StatusOK, svc.call(t, "GET", "/auth/me", nil, access2).status)

	// Logout ends the whole session: its access tokens and refresh tokens stop working.
	svc.expectJSON(t, svc.call(t, "POST", "/auth/logout", map[string]any{"refresh_token": refresh2}, ""),
		http.StatusOK, map[string]any{"detail": "Logged out"})
	svc.expectProblem(t, svc.call(t, "GET", "/auth/me", nil, access2), http.StatusUnauthorized, "invalid_token")
	afterLogout := svc.call(t, "POST", "/auth/refresh", map[string]any{"refresh_token": refresh2}, "")
	assert.Equal(t, http.StatusUnauthorized, afterLogout.status, "refresh after logout: %s", afterLogout.raw)

	// A second session that must outlive the restart.
	keep := svc.call(t, "POST", "/auth/login", map[string]any{"email": email, "password": password}, "")
	require.Equal(t, http.StatusOK, keep.status)
	keepAccess, keepRefresh := checkTokenPair(t, keep.body, secret, user)

	// Restart: SIGTERM, a clean exit, then a second start that migrates again (a no-op).
	assert.Zero(t, svc.stop(t), "SIGTERM should end the service cleanly")
	checkHealthcheckSubcommand(t, bin, env, 1)
	svc = startService(t, bin, workdir, env)
	svc.expectJSON(t, svc.call(t, "GET", readyPath, nil, ""), http.StatusOK, map[string]any{"status": "ok"})

	relogin := svc.call(t, "POST", "/auth/login", map[string]any{"email": email, "password": password}, "")
	require.Equal(t, http.StatusOK, relogin.status, "login after restart: %s", relogin.raw)
	assert.Equal(t, user, checkUser(t, relogin.body["user"].(map[string]any), email), "same user after restart")
	me = svc.call(t, "GET", "/auth/me", nil, keepAccess)
	assert.Equal(t, http.StatusOK, me.status, "an access token from before the restart: %s", me.raw)
	ref = svc.call(t, "POST", "/auth/refresh", map[string]any{"refresh_token": keepRefresh}, "")
	require.Equal(t, http.StatusOK, ref.status, "a refresh token from before the restart: %s", ref.raw)
	checkTokenPair(t, ref.body, secret, user)

	assert.Zero(t, svc.stop(t))
	t.Logf("smoke passed against version %s", version)
}

// buildLikeDockerfile compiles ./cmd/jarvis-auth with the environment and flags of the
// Dockerfile's go build line, for this machine's GOOS/GOARCH, and checks the result is a
// static, trimmed binary carrying its version.
func buildLikeDockerfile(t *testing.T) (bin, version string) {
	t.Helper()
	root := repoRoot(t)
	version = "smoke-" + randomHex(t, 3)
	gb := parseGoBuild(t, loadDockerfile(t), map[string]string{
		"VERSION": version, "TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH,
	})
	bin = filepath.Join(t.TempDir(), "jarvis-auth")
	args := append(append([]string{"build"}, gb.flags...), "-o", bin, gb.pkg)
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = root
	cmd.Env = os.Environ()
	for k, v := range gb.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	t.Logf("building: %s go %s", envString(gb.env), strings.Join(args, " "))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build as in the Dockerfile:\n%s", out)

	info, err := os.Stat(bin)
	require.NoError(t, err)
	t.Logf("binary: %.1f MiB", float64(info.Size())/(1<<20))

	meta, err := exec.CommandContext(t.Context(), "go", "version", "-m", bin).Output()
	require.NoError(t, err)
	assert.Contains(t, string(meta), "build\tCGO_ENABLED=0")
	assert.Contains(t, string(meta), "build\t-trimpath=true")
	// go version -m leaves -ldflags out when -trimpath is set (go.dev/issue/52372):
	// the version subcommand below checks the -X stamp instead.

	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		require.NoError(t, err)
		defer f.Close()
		for _, p := range f.Progs {
			assert.NotEqual(t, elf.PT_INTERP, p.Type, "a dynamic loader would not exist on distroless/static")
		}
		libs, _ := f.ImportedLibraries()
		assert.Empty(t, libs, "no shared libraries")
	}

	v, err := exec.CommandContext(t.Context(), bin, "version").Output()
	require.NoError(t, err)
	assert.Equal(t, version, strings.TrimSpace(string(v)), "the -X main.version stamp")
	return bin, version
}

// smokeEnv is .env.example as compose hands it to the container, with the host db
// replaced by the local Postgres, a fresh database, and a free port.
func smokeEnv(t *testing.T) (env []string, secret string) {
	t.Helper()
	example := exampleEnv(t)
	dbURL, err := url.Parse(example["DATABASE_URL"])
	require.NoError(t, err)
	require.Equal(t, "db", dbURL.Hostname())
	dbURL.Host = os.Getenv(smokePGHostVar)
	if dbURL.Host == "" {
		dbURL.Host = "127.0.0.1:5432"
	}
	dbURL.Path = "/" + createScratchDatabase(t, *dbURL)

	example["DATABASE_URL"] = dbURL.String()
	example["PORT"] = strconv.Itoa(freePort(t))
	env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range example {
		if !strings.HasPrefix(k, "POSTGRES_") { // those are for the db container
			env = append(env, k+"="+v)
		}
	}
	return env, example["SECRET_KEY"]
}

// createScratchDatabase makes a database with a random name, dropped when the test ends,
// so that runs never collide or see each other's data.
func createScratchDatabase(t *testing.T, service url.URL) string {
	t.Helper()
	name := "jarvis_auth_smoke_" + randomHex(t, 6)
	admin := service
	admin.Scheme = "postgres"
	admin.Path = "/postgres"
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin.String())
	require.NoError(t, err, "connect to Postgres at %s (set %s)", admin.Host, smokePGHostVar)
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin.String())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return name
}

// checkHealthcheckSubcommand runs the image's HEALTHCHECK command against the service.
func checkHealthcheckSubcommand(t *testing.T, bin string, env []string, wantExit int) {
	t.Helper()
	hc := dockerfileHealthcheck(t)
	require.Equal(t, binaryPath, hc[1])
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, hc[2:]...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	assert.Equal(t, wantExit != 0, code != 0, "healthcheck exited %d: %s", code, out)
}

// process is one running jarvis-auth process.
type process struct {
	cmd     *exec.Cmd
	base    string
	out     *lockedBuffer
	done    chan struct{}
	waitErr error
	client  *http.Client
}

func startService(t *testing.T, bin, workdir string, env []string) *process {
	t.Helper()
	port := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PORT="); ok {
			port = v
		}
	}
	s := &process{
		cmd:    exec.Command(bin),
		base:   "http://127.0.0.1:" + port,
		out:    &lockedBuffer{},
		done:   make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second},
	}
	s.cmd.Dir = workdir
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	require.NoError(t, s.cmd.Start())
	go func() { s.waitErr = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("service output (pid %d):\n%s", s.cmd.Process.Pid, s.out.String())
		}
	})
	s.waitHealthy(t)
	return s
}

// waitHealthy polls /health until it answers 200, the process exits, or the deadline passes.
func (s *process) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.NewTimer(startupDeadline)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	probe := &http.Client{Timeout: time.Second}
	for {
		if resp, err := probe.Get(s.base + healthPath); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.done:
			require.FailNow(t, "the service exited before it was healthy", "%v\n%s", s.waitErr, s.out.String())
		case <-deadline.C:
			require.FailNow(t, "the service was not healthy in time", "%s\n%s", startupDeadline, s.out.String())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM and returns the exit code.
func (s *process) stop(t *testing.T) int {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-s.done:
	case <-time.After(stopDeadline):
		_ = s.cmd.Process.Kill()
		<-s.done
		require.FailNow(t, "the service ignored SIGTERM", "%s", s.out.String())
	}
	return s.cmd.ProcessState.ExitCode()
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (s *process) call(t *testing.T, method, path string, body any, bearer string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := s.client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		require.NoError(t, json.Unmarshal(raw, &r.body), "%s %s: %s", method, path, raw)
	}
	return r
}

func (s *process) expectJSON(t *testing.T, r response, status int, want map[string]any) {
	t.Helper()
	require.Equal(t, status, r.status, "%s", r.raw)
	assert.Equal(t, want, r.body)
}

// expectProblem checks an RFC 9457 error body of API.md.
func (s *process) expectProblem(t *testing.T, r response, status int, code string) {
	t.Helper()
	require.Equal(t, status, r.status, "%s", r.raw)
	assert.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json"), r.header.Get("Content-Type"))
	assert.Equal(t, code, r.body["code"], "%s", r.raw)
	assert.Equal(t, float64(status), r.body["status"])
	detail, _ := r.body["detail"].(string)
	assert.NotEmpty(t, detail, "detail is a readable string")
}

// checkUser checks a User object and returns its id.
func checkUser(t *testing.T, u map[string]any, email string) int64 {
	t.Helper()
	id, ok := u["id"].(float64)
	require.True(t, ok, "id is a number: %v", u["id"])
	require.Equal(t, float64(int64(id)), id, "id is an integer")
	assert.Positive(t, id)
	assert.Equal(t, email, u["email"], "trimmed and lower-cased")
	assert.Regexp(t, `^[A-Za-z0-9._-]{3,64}$`, u["username"], "derived from the email")
	assert.Equal(t, true, u["is_active"])
	for _, k := range []string{"created_at", "updated_at"} {
		s, _ := u[k].(string)
		_, err := time.Parse(time.RFC3339, s)
		assert.NoError(t, err, "%s is RFC 3339", k)
	}
	for k := range u {
		assert.NotContains(t, strings.ToLower(k), "password", "no password or hash leaves the service")
	}
	return int64(id)
}

// checkTokenPair checks a token answer and the access token as python-jose would see it.
func checkTokenPair(t *testing.T, body map[string]any, secret string, userID int64) (access, refresh string) {
	t.Helper()
	access, _ = body["access_token"].(string)
	refresh, _ = body["refresh_token"].(string)
	require.NotEmpty(t, access)
	require.NotEmpty(t, refresh)
	assert.Equal(t, "bearer", body["token_type"])
	assert.Equal(t, float64(15*60), body["expires_in"], "ACCESS_TOKEN_EXPIRE_MINUTES=15")

	parts := strings.Split(access, ".")
	require.Len(t, parts, 3, "a JWS compact token")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	assert.True(t, hmac.Equal(mac.Sum(nil), sig), "HS256 with SECRET_KEY")

	var header, claims map[string]any
	decodeSegment(t, parts[0], &header)
	decodeSegment(t, parts[1], &claims)
	assert.Equal(t, "HS256", header["alg"])
	assert.Equal(t, "at+jwt", header["typ"])
	assert.Equal(t, strconv.FormatInt(userID, 10), claims["sub"])
	assert.Equal(t, "jarvis-auth", claims["iss"])
	assert.NotContains(t, claims, "aud", "python-jose rejects an aud it was not told about")
	assert.NotEmpty(t, claims["sid"])
	assert.NotEmpty(t, claims["jti"])
	exp, _ := claims["exp"].(float64)
	iat, _ := claims["iat"].(float64)
	assert.Equal(t, float64(15*60), exp-iat)
	return access, refresh
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func envString(env map[string]string) string {
	var parts []string
	for _, k := range envMap(env).Keys() {
		parts = append(parts, fmt.Sprintf("%s=%s", k, env[k]))
	}
	return strings.Join(parts, " ")
}

// lockedBuffer collects the service's output from two pipes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
