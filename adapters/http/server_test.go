package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	httpapi "github.com/jarvis/jarvis-auth/adapters/http"
	"github.com/jarvis/jarvis-auth/adapters/http/docs"
	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/application/auth/authtest"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// validator checks every response the suite gets against the OpenAPI
// document, so the document cannot drift from the code.
var (
	validatorOnce sync.Once
	validator     *docs.ResponseValidator
	validatorErr  error
)

type harness struct {
	t     *testing.T
	f     *authtest.Fixture
	app   *fiber.App
	ready error
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	validatorOnce.Do(func() { validator, validatorErr = docs.NewResponseValidator() })
	require.NoError(t, validatorErr)
	h := &harness{t: t, f: authtest.NewFixture(authtest.DefaultPolicy())}
	h.app = httpapi.New(httpapi.Options{
		UseCases: useCasesOf(h.f),
		Ready:    func(context.Context) error { return h.ready },
		Metrics:  func(c *fiber.Ctx) error { return c.SendString("# metrics\n") },
	})
	return h
}

func useCasesOf(f *authtest.Fixture) httpapi.UseCases {
	return httpapi.UseCases{Register: f.Register, Login: f.Login, Refresh: f.Refresh, Me: f.Me, Logout: f.Logout}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (h *harness) do(method, path, body string, headers ...string) reply {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" && method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.app.Test(req, -1)
	require.NoError(h.t, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	require.NoError(h.t, validator.Validate(req, resp, raw), "response must match the OpenAPI document")
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		require.NoError(h.t, json.Unmarshal(raw, &r.body), string(raw))
	}
	return r
}

func (h *harness) post(path string, body any, headers ...string) reply {
	h.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(h.t, err)
	return h.do(http.MethodPost, path, string(b), headers...)
}

func (h *harness) register(email string) reply {
	h.t.Helper()
	r := h.post("/auth/register", map[string]any{"email": email, "password": "password123"})
	require.Equal(h.t, 200, r.status, string(r.raw))
	return r
}

func assertProblem(t *testing.T, r reply, status int, code string) {
	t.Helper()
	assert.Equal(t, status, r.status, string(r.raw))
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	assert.Equal(t, code, r.body["code"])
	assert.Equal(t, float64(status), r.body["status"])
	assert.Equal(t, "about:blank", r.body["type"])
	assert.NotEmpty(t, r.body["title"])
	detail, ok := r.body["detail"].(string)
	assert.True(t, ok && detail != "", "detail is a readable string")
}

// The brief's four tests.

func TestBrief_Register_Returns200WithUserInfo(t *testing.T) {
	h := newHarness(t)
	r := h.post("/auth/register", map[string]any{"email": "alice@example.com", "username": "alice", "password": "password123"})
	require.Equal(t, 200, r.status)
	assert.Equal(t, "alice@example.com", r.body["email"])
	assert.Equal(t, "alice", r.body["username"])
	assert.Equal(t, true, r.body["is_active"])
	assert.NotContains(t, string(r.raw), "password")
}

func TestBrief_Login_ReturnsAccessAndRefreshTokens(t *testing.T) {
	h := newHarness(t)
	h.register("bob@example.com")
	r := h.post("/auth/login", map[string]any{"email": "bob@example.com", "password": "password123"})
	require.Equal(t, 200, r.status)
	assert.NotEmpty(t, r.body["access_token"])
	assert.NotEmpty(t, r.body["refresh_token"])
	assert.Equal(t, "bearer", r.body["token_type"])
}

func TestBrief_Me_WithoutTokenIs401_WithTokenReturnsUser(t *testing.T) {
	h := newHarness(t)
	reg := h.register("carol@example.com")
	assertProblem(t, h.do(http.MethodGet, "/auth/me", ""), 401, "invalid_token")

	r := h.do(http.MethodGet, "/auth/me", "", "Authorization", "Bearer "+reg.body["access_token"].(string))
	require.Equal(t, 200, r.status)
	assert.Equal(t, "carol@example.com", r.body["email"])
}

func TestBrief_Refresh_ReturnsNewAccessToken(t *testing.T) {
	h := newHarness(t)
	h.register("dan@example.com")
	login := h.post("/auth/login", map[string]any{"email": "dan@example.com", "password": "password123"})
	h.f.Clock.Advance(1e9)
	r := h.post("/auth/refresh", map[string]any{"refresh_token": login.body["refresh_token"]})
	require.Equal(t, 200, r.status)
	assert.NotEmpty(t, r.body["access_token"])
	assert.NotEqual(t, login.body["access_token"], r.body["access_token"])
	assert.NotEqual(t, login.body["refresh_token"], r.body["refresh_token"], "rotated")
}

// The contract, row by row.

func TestRegister_ResponseHasUserFieldsTokensAndUser(t *testing.T) {
	h := newHarness(t)
	r := h.post("/auth/register", map[string]any{"email": "  Eve@Example.com ", "password": "password123", "unknown": 1})
	require.Equal(t, 200, r.status)
	keys := make([]string, 0, len(r.body))
	for k := range r.body {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"id", "email", "username", "is_active", "created_at", "updated_at",
		"access_token", "refresh_token", "token_type", "expires_in", "user"}, keys)
	assert.Equal(t, "eve@example.com", r.body["email"])
	assert.Equal(t, "eve", r.body["username"], "derived from the email")
	assert.Equal(t, float64(900), r.body["expires_in"])
	user := r.body["user"].(map[string]any)
	for _, k := range []string{"id", "email", "username", "is_active", "created_at", "updated_at"} {
		assert.Equal(t, r.body[k], user[k], k)
	}
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	assert.Equal(t, "no-cache", r.header.Get("Pragma"))
}

func TestErrors_ContractRows(t *testing.T) {
	long := strings.Repeat("p", 73)
	tests := []struct {
		name   string
		setup  func(h *harness) reply
		status int
		code   string
	}{
		{"register duplicate email any case", func(h *harness) reply {
			h.register("fay@example.com")
			return h.post("/auth/register", map[string]any{"email": "FAY@example.com", "password": "password123"})
		}, 409, "email_taken"},
		{"register duplicate username any case", func(h *harness) reply {
			h.post("/auth/register", map[string]any{"email": "a@example.com", "username": "chef", "password": "password123"})
			return h.post("/auth/register", map[string]any{"email": "b@example.com", "username": "CHEF", "password": "password123"})
		}, 409, "username_taken"},
		{"register password over 72 bytes", func(h *harness) reply {
			return h.post("/auth/register", map[string]any{"email": "g@example.com", "password": long})
		}, 422, "validation_failed"},
		{"register bad email", func(h *harness) reply {
			return h.post("/auth/register", map[string]any{"email": "Gil <g@example.com>", "password": "password123"})
		}, 422, "validation_failed"},
		{"register wrong type", func(h *harness) reply {
			return h.post("/auth/register", map[string]any{"email": "g@example.com", "password": 12345678})
		}, 422, "validation_failed"},
		{"register malformed JSON", func(h *harness) reply {
			return h.do(http.MethodPost, "/auth/register", `{"email":`)
		}, 422, "validation_failed"},
		{"register array body", func(h *harness) reply {
			return h.do(http.MethodPost, "/auth/register", `[1,2]`)
		}, 422, "validation_failed"},
		{"register not JSON", func(h *harness) reply {
			return h.do(http.MethodPost, "/auth/register", `email=a`, "Content-Type", "application/x-www-form-urlencoded")
		}, 415, "unsupported_media_type"},
		{"register no content type", func(h *harness) reply {
			return h.do(http.MethodPost, "/auth/register", `{}`, "Content-Type", "")
		}, 415, "unsupported_media_type"},
		{"register hashing pool saturated", func(h *harness) reply {
			h.f.Hasher.Err = auth.ErrOverloaded
			return h.post("/auth/register", map[string]any{"email": "h@example.com", "password": "password123"})
		}, 503, "unavailable"},
		{"login wrong password", func(h *harness) reply {
			h.register("ivy@example.com")
			return h.post("/auth/login", map[string]any{"email": "ivy@example.com", "password": "password124"})
		}, 401, "invalid_credentials"},
		{"login unknown email", func(h *harness) reply {
			return h.post("/auth/login", map[string]any{"email": "nobody@example.com", "password": "password123"})
		}, 401, "invalid_credentials"},
		{"login password over 72 bytes", func(h *harness) reply {
			h.register("jon@example.com")
			return h.post("/auth/login", map[string]any{"email": "jon@example.com", "password": "password123" + long})
		}, 401, "invalid_credentials"},
		{"login inactive user", func(h *harness) reply {
			reg := h.register("kay@example.com")
			h.f.Store.SetActive(idOf(reg), false)
			return h.post("/auth/login", map[string]any{"email": "kay@example.com", "password": "password123"})
		}, 403, "inactive_user"},
		{"login missing password", func(h *harness) reply {
			return h.post("/auth/login", map[string]any{"email": "kay@example.com"})
		}, 422, "validation_failed"},
		{"login database down", func(h *harness) reply {
			h.f.Store.FailNext = auth.ErrUnavailable
			return h.post("/auth/login", map[string]any{"email": "kay@example.com", "password": "password123"})
		}, 503, "unavailable"},
		{"refresh unknown token", func(h *harness) reply {
			return h.post("/auth/refresh", map[string]any{"refresh_token": "rt-404"})
		}, 401, "invalid_refresh_token"},
		{"refresh garbage token", func(h *harness) reply {
			return h.post("/auth/refresh", map[string]any{"refresh_token": "garbage"})
		}, 401, "invalid_refresh_token"},
		{"refresh reused token", func(h *harness) reply {
			reg := h.register("lou@example.com")
			rt := reg.body["refresh_token"]
			second := h.post("/auth/refresh", map[string]any{"refresh_token": rt})
			h.post("/auth/refresh", map[string]any{"refresh_token": second.body["refresh_token"]})
			h.f.Clock.Advance(h.f.Policy.ReuseGrace + 1e9)
			return h.post("/auth/refresh", map[string]any{"refresh_token": rt})
		}, 401, "refresh_token_reused"},
		{"refresh missing field", func(h *harness) reply {
			return h.post("/auth/refresh", map[string]any{})
		}, 422, "validation_failed"},
		{"refresh null field", func(h *harness) reply {
			return h.do(http.MethodPost, "/auth/refresh", `{"refresh_token": null}`)
		}, 422, "validation_failed"},
		{"me garbage token", func(h *harness) reply {
			return h.do(http.MethodGet, "/auth/me", "", "Authorization", "Bearer nope")
		}, 401, "invalid_token"},
		{"me wrong scheme", func(h *harness) reply {
			reg := h.register("max@example.com")
			return h.do(http.MethodGet, "/auth/me", "", "Authorization", "Basic "+reg.body["access_token"].(string))
		}, 401, "invalid_token"},
		{"me after logout", func(h *harness) reply {
			reg := h.register("ned@example.com")
			require.Equal(t, 200, h.post("/auth/logout", map[string]any{"refresh_token": reg.body["refresh_token"]}).status)
			return h.do(http.MethodGet, "/auth/me", "", "Authorization", "Bearer "+reg.body["access_token"].(string))
		}, 401, "invalid_token"},
		{"me inactive user", func(h *harness) reply {
			reg := h.register("oli@example.com")
			h.f.Store.SetActive(idOf(reg), false)
			return h.do(http.MethodGet, "/auth/me", "", "Authorization", "bearer "+reg.body["access_token"].(string))
		}, 403, "inactive_user"},
		{"logout missing field", func(h *harness) reply {
			return h.post("/auth/logout", map[string]any{"token": "x"})
		}, 422, "validation_failed"},
		{"logout not JSON", func(h *harness) reply {
			return h.do(http.MethodPost, "/auth/logout", "x", "Content-Type", "text/plain")
		}, 415, "unsupported_media_type"},
		{"unknown path", func(h *harness) reply { return h.do(http.MethodGet, "/nope", "") }, 404, "not_found"},
		{"wrong method", func(h *harness) reply { return h.do(http.MethodGet, "/auth/login", "") }, 405, "method_not_allowed"},
		{"unexpected failure is a bare 500", func(h *harness) reply {
			h.f.Store.FailNext = errors.New("pq: secret internal detail")
			return h.post("/auth/login", map[string]any{"email": "p@example.com", "password": "password123"})
		}, 500, "internal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			r := tc.setup(h)
			assertProblem(t, r, tc.status, tc.code)
			assert.NotContains(t, string(r.raw), "secret internal detail")
			switch tc.status {
			case 401:
				if tc.code == "invalid_token" {
					assert.Equal(t, "Bearer", r.header.Get("WWW-Authenticate"))
				}
			case 405:
				assert.Equal(t, "POST", r.header.Get("Allow"))
			case 422:
				errs, ok := r.body["errors"].([]any)
				require.True(t, ok && len(errs) > 0, "422 carries errors")
				first := errs[0].(map[string]any)
				assert.Equal(t, "body", first["loc"].([]any)[0])
				assert.NotEmpty(t, first["msg"])
				assert.NotEmpty(t, first["type"])
			case 503:
				assert.NotEmpty(t, r.header.Get("Retry-After"))
			}
		})
	}
}

func idOf(r reply) user.ID { return user.ID(r.body["id"].(float64)) }

func TestErrors_ValidationListsEveryField(t *testing.T) {
	h := newHarness(t)
	r := h.post("/auth/register", map[string]any{"email": "bad", "username": "x", "password": "short"})
	assertProblem(t, r, 422, "validation_failed")
	var locs []string
	for _, e := range r.body["errors"].([]any) {
		loc := e.(map[string]any)["loc"].([]any)
		locs = append(locs, loc[len(loc)-1].(string))
	}
	assert.Equal(t, []string{"email", "username", "password"}, locs)
	assert.Contains(t, r.body["detail"], "password")
}

func TestRefresh_ReplayOfUnreceivedSuccessor_ReturnsSameToken(t *testing.T) {
	h := newHarness(t)
	reg := h.register("quin@example.com")
	first := h.post("/auth/refresh", map[string]any{"refresh_token": reg.body["refresh_token"]})
	h.f.Clock.Advance(3600e9)
	again := h.post("/auth/refresh", map[string]any{"refresh_token": reg.body["refresh_token"]})
	require.Equal(t, 200, again.status)
	assert.Equal(t, first.body["refresh_token"], again.body["refresh_token"])
	assert.ElementsMatch(t, []string{"access_token", "refresh_token", "token_type", "expires_in"}, keysOf(again.body))
}

func TestLogout_UnknownTokenStill200(t *testing.T) {
	h := newHarness(t)
	r := h.post("/auth/logout", map[string]any{"refresh_token": "whatever"})
	require.Equal(t, 200, r.status)
	assert.Equal(t, map[string]any{"detail": "Logged out"}, r.body)
}

func TestHealthAndReady(t *testing.T) {
	h := newHarness(t)
	assert.Equal(t, map[string]any{"status": "ok"}, h.do(http.MethodGet, "/health", "").body)
	assert.Equal(t, map[string]any{"status": "ok"}, h.do(http.MethodGet, "/ready", "").body)
	h.ready = auth.ErrUnavailable
	r := h.do(http.MethodGet, "/ready", "")
	assert.Equal(t, 503, r.status)
	assert.Equal(t, map[string]any{"status": "unavailable"}, r.body)
	assert.NotEmpty(t, r.header.Get("Retry-After"))
}

func TestRequestID_EchoedOrMade(t *testing.T) {
	h := newHarness(t)
	assert.Equal(t, "abc-123", h.do(http.MethodGet, "/health", "", "X-Request-ID", "abc-123").header.Get("X-Request-ID"))
	made := h.do(http.MethodGet, "/health", "", "X-Request-ID", "bad id\twith spaces").header.Get("X-Request-ID")
	assert.Regexp(t, `^[0-9a-f]{24}$`, made)
}

func TestDocsAndOpenAPIAreServed(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/docs", "")
	assert.Equal(t, 200, r.status)
	assert.Contains(t, string(r.raw), "swagger")
	assert.Equal(t, 200, h.do(http.MethodGet, "/openapi.json", "").status)
}

// TestRoutes_MatchTheOpenAPIDocument fails when a route exists in the app
// but not in the document, or the other way round.
func TestRoutes_MatchTheOpenAPIDocument(t *testing.T) {
	h := newHarness(t)
	var app []string
	for _, r := range h.app.GetRoutes(true) {
		// /docs/ is the same page as /docs (a trailing-slash alias).
		if r.Method == fiber.MethodHead || r.Method == "USE" || r.Path == "/docs/" {
			continue
		}
		app = append(app, r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}"))
	}
	var doc []string
	for _, op := range docs.Operations() {
		doc = append(doc, op.Method+" "+op.Path)
	}
	assert.ElementsMatch(t, doc, app)
}

func TestConcurrentRefreshes_AllGetOneSuccessor(t *testing.T) {
	h := newHarness(t)
	reg := h.register("ray@example.com")
	body, _ := json.Marshal(map[string]any{"refresh_token": reg.body["refresh_token"]})
	const n = 16
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodPost, "/auth/refresh", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := h.app.Test(req, -1)
			if err != nil || resp.StatusCode != 200 {
				return
			}
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			got[i], _ = out["refresh_token"].(string)
		})
	}
	wg.Wait()
	for i := range n {
		assert.NotEmpty(t, got[i])
		assert.Equal(t, got[0], got[i])
	}
}

var fiberParam = regexp.MustCompile(`:(\w+)`)

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBodyOver64KiB_Is413 runs a real listener: fasthttp refuses the body
// while reading it, before any handler, which app.Test cannot show.
func TestBodyOver64KiB_Is413(t *testing.T) {
	h := newHarness(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = h.app.Listener(ln) }()
	t.Cleanup(func() { _ = h.app.Shutdown() })

	body := `{"email":"` + strings.Repeat("a", 70*1024) + `"}`
	req, err := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/auth/login", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, validator.Validate(req, resp, raw))
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	require.NoError(t, json.Unmarshal(raw, &r.body))
	assertProblem(t, r, 413, "payload_too_large")
}
