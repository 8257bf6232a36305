package docs

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	userJSON = `{"id":1,"email":"alice@example.com","username":"alice","is_active":true,` +
		`"created_at":"2025-01-01T12:00:00Z","updated_at":"2025-01-01T12:00:01.5+00:00"}`
	tokensJSON = `"access_token":"eyJ.a.b","refresh_token":"jrt_x","token_type":"bearer","expires_in":900`
	userFields = `"id":1,"email":"alice@example.com","username":"alice","is_active":true,` +
		`"created_at":"2025-01-01T12:00:00Z","updated_at":"2025-01-01T12:00:00Z"`
)

var (
	jsonCT    = map[string]string{"Content-Type": "application/json"}
	problemCT = map[string]string{"Content-Type": "application/problem+json"}
	tokenHdrs = map[string]string{
		"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "Pragma": "no-cache",
	}
)

func problem(status int, code string, extra string) string {
	return fmt.Sprintf(`{"type":"about:blank","title":%q,"status":%d,"detail":"something","code":%q%s}`,
		http.StatusText(status), status, code, extra)
}

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

type exchange struct {
	name    string
	method  string
	path    string
	status  int
	headers map[string]string
	body    string
}

func (x exchange) run(t *testing.T, v *ResponseValidator) error {
	t.Helper()
	// A request body that the document would refuse: only responses are checked.
	req := httptest.NewRequest(x.method, x.path, strings.NewReader(`{"email": 5`))
	resp := &http.Response{StatusCode: x.status, Header: http.Header{}}
	for k, val := range x.headers {
		resp.Header.Set(k, val)
	}
	return v.Validate(req, resp, []byte(x.body))
}

func newValidator(t *testing.T) *ResponseValidator {
	t.Helper()
	v, err := NewResponseValidator()
	require.NoError(t, err)
	return v
}

func TestResponseValidator_AcceptsConformingResponses(t *testing.T) {
	tests := []exchange{
		{"register 200", "POST", "/auth/register", 200, tokenHdrs, `{` + userFields + `,` + tokensJSON + `,"user":` + userJSON + `}`},
		{"register 409", "POST", "/auth/register", 409, problemCT, problem(409, "username_taken", "")},
		{"login 200", "POST", "/auth/login", 200, tokenHdrs, `{` + tokensJSON + `,"user":` + userJSON + `}`},
		{"login 401", "POST", "/auth/login", 401, problemCT, problem(401, "invalid_credentials", "")},
		{"login 422 with errors", "POST", "/auth/login", 422, with(problemCT, "Content-Type", "application/problem+json; charset=utf-8"),
			problem(422, "validation_failed", `,"errors":[{"loc":["body","email"],"msg":"field required","type":"missing"},{"loc":["body",0],"msg":"x","type":"y","input":null}]`)},
		{"refresh 200", "POST", "/auth/refresh", 200, with(tokenHdrs, "Cache-Control", "no-cache, no-store"), `{` + tokensJSON + `}`},
		{"refresh 401 reused", "POST", "/auth/refresh", 401, problemCT, problem(401, "refresh_token_reused", "")},
		{"me 200", "GET", "/auth/me", 200, jsonCT, userJSON},
		{"me 401", "GET", "/auth/me", 401, with(problemCT, "WWW-Authenticate", `Bearer error="invalid_token"`), problem(401, "invalid_token", "")},
		{"me 503", "GET", "/auth/me", 503, with(problemCT, "Retry-After", "1"), problem(503, "unavailable", "")},
		{"logout 200", "POST", "/auth/logout", 200, jsonCT, `{"detail":"Logged out"}`},
		{"logout 415", "POST", "/auth/logout", 415, problemCT, problem(415, "unsupported_media_type", "")},
		{"health 200", "GET", "/health", 200, jsonCT, `{"status":"ok"}`},
		{"health with trailing slash", "GET", "/health/", 200, jsonCT, `{"status":"ok"}`},
		{"health HEAD has no body", "HEAD", "/health", 200, jsonCT, ``},
		{"ready 503", "GET", "/ready", 503, jsonCT, `{"status":"unavailable"}`},
		{"metrics", "GET", "/metrics", 200, map[string]string{"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}, "# HELP x\nx 1\n"},
		{"docs", "GET", "/docs/", 200, map[string]string{"Content-Type": "text/html; charset=utf-8"}, "<html>"},
		{"docs asset", "GET", "/docs/swagger-ui.css", 200, map[string]string{"Content-Type": "text/css", "Cache-Control": "public", "ETag": `"x"`}, "a{}"},
		{"docs asset 304", "GET", "/docs/swagger-ui.css", 304, nil, ""},
		{"unknown path 404", "GET", "/nope", 404, problemCT, problem(404, "not_found", "")},
		{"wrong method 405", "DELETE", "/auth/me", 405, problemCT, problem(405, "method_not_allowed", "")},
		{"wrong method answered 404", "GET", "/auth/login", 404, problemCT, problem(404, "not_found", "")},
		{"CORS preflight is skipped", "OPTIONS", "/auth/login", 204, nil, ""},
	}
	v := newValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NoError(t, tt.run(t, v))
		})
	}
}

func TestResponseValidator_RejectsDrift(t *testing.T) {
	tests := []struct {
		exchange
		want string
	}{
		{exchange{"user missing a field", "GET", "/auth/me", 200, jsonCT,
			`{"id":1,"email":"alice@example.com","username":"alice","is_active":true,"created_at":"2025-01-01T12:00:00Z"}`},
			`property "updated_at" is missing`},
		{exchange{"id of the wrong type", "GET", "/auth/me", 200, jsonCT, strings.Replace(userJSON, `"id":1`, `"id":"1"`, 1)},
			`/id`},
		{exchange{"a password hash leaks", "GET", "/auth/me", 200, jsonCT, strings.Replace(userJSON, `{`, `{"password_hash":"$2b$",`, 1)},
			`password_hash`},
		{exchange{"bad timestamp", "GET", "/auth/me", 200, jsonCT, strings.Replace(userJSON, `2025-01-01T12:00:00Z`, `yesterday`, 1)},
			`/created_at`},
		{exchange{"bad email", "GET", "/auth/me", 200, jsonCT, strings.Replace(userJSON, `alice@example.com`, `Alice <a@b>`, 1)},
			`/email`},
		{exchange{"undeclared status", "POST", "/auth/register", 201, tokenHdrs, `{}`},
			`status 201 is not declared for POST /auth/register`},
		{exchange{"error as plain JSON", "POST", "/auth/login", 401, jsonCT, problem(401, "invalid_credentials", "")},
			`Content-Type "application/json" is not declared`},
		{exchange{"no content type", "GET", "/health", 200, nil, `{"status":"ok"}`},
			`Content-Type "" is not declared`},
		{exchange{"wrong code for the operation", "POST", "/auth/login", 401, problemCT, problem(401, "invalid_token", "")},
			`/code`},
		{exchange{"body status differs from HTTP status", "POST", "/auth/login", 403, problemCT, problem(401, "inactive_user", "")},
			`/status`},
		{exchange{"422 without errors", "POST", "/auth/register", 422, problemCT, problem(422, "validation_failed", "")},
			`errors`},
		{exchange{"422 entry without loc", "POST", "/auth/register", 422, problemCT, problem(422, "validation_failed", `,"errors":[{"msg":"x","type":"y"}]`)},
			`loc`},
		{exchange{"missing WWW-Authenticate", "GET", "/auth/me", 401, problemCT, problem(401, "invalid_token", "")},
			`"WWW-Authenticate" missing`},
		{exchange{"503 without Retry-After", "POST", "/auth/login", 503, problemCT, problem(503, "unavailable", "")},
			`"Retry-After" missing`},
		{exchange{"token response without no-store", "POST", "/auth/refresh", 200, with(tokenHdrs, "Cache-Control", ""), `{` + tokensJSON + `}`},
			`"Cache-Control" missing`},
		{exchange{"token type not bearer", "POST", "/auth/refresh", 200, tokenHdrs, `{` + strings.Replace(tokensJSON, `"bearer"`, `"Bearer"`, 1) + `}`},
			`/token_type`},
		{exchange{"expires_in as a string", "POST", "/auth/refresh", 200, tokenHdrs, `{` + strings.Replace(tokensJSON, `900`, `"900"`, 1) + `}`},
			`/expires_in`},
		{exchange{"login without user", "POST", "/auth/login", 200, tokenHdrs, `{` + tokensJSON + `}`},
			`property "user" is missing`},
		{exchange{"register without top-level user fields", "POST", "/auth/register", 200, tokenHdrs, `{` + tokensJSON + `,"user":` + userJSON + `}`},
			`property "id" is missing`},
		{exchange{"empty JSON body", "GET", "/health", 200, jsonCT, ``},
			`failed to decode response body`},
		{exchange{"logout detail changed", "POST", "/auth/logout", 200, jsonCT, `{"detail":"bye"}`},
			`/detail`},
		{exchange{"undocumented route answers 200", "GET", "/admin", 200, jsonCT, `{}`},
			`the document declares no operation GET /admin`},
		{exchange{"404 that is not a problem document", "GET", "/nope", 404, map[string]string{"Content-Type": "text/plain"}, `Cannot GET /nope`},
			`Content-Type "text/plain" is not declared`},
		{exchange{"405 with the wrong code", "PUT", "/health", 405, problemCT, problem(405, "not_found", "")},
			`/code`},
	}
	v := newValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t, v)

			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var verr *ValidationError
			require.True(t, errors.As(err, &verr))
			assert.Equal(t, tt.method, verr.Method)
			assert.Equal(t, tt.path, verr.Path)
			assert.Equal(t, tt.status, verr.Status)
			assert.Contains(t, err.Error(), fmt.Sprintf("%s %s answered %d", tt.method, tt.path, tt.status))
		})
	}
}

func TestResponseValidator_ErrorIsOneReadableLine(t *testing.T) {
	v := newValidator(t)
	err := exchange{"", "GET", "/auth/me", 200, jsonCT, `{"id":"x"}`}.run(t, v)

	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n")
	assert.NotContains(t, err.Error(), "Schema:", "schema dumps drown the reason")
	assert.Contains(t, err.Error(), `body: {"id":"x"}`)
}

func TestResponseValidator_NilArguments_Error(t *testing.T) {
	v := newValidator(t)

	assert.Error(t, v.Validate(nil, &http.Response{}, nil))
	assert.Error(t, v.Validate(httptest.NewRequest("GET", "/health", nil), nil, nil))
}

func TestResponseValidator_IsSafeForConcurrentUse(t *testing.T) {
	v := newValidator(t)
	good := exchange{"", "POST", "/auth/login", 200, tokenHdrs, `{` + tokensJSON + `,"user":` + userJSON + `}`}
	bad := exchange{"", "POST", "/auth/login", 422, problemCT, problem(422, "validation_failed", "")}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				assert.NoError(t, good.run(t, v))
				assert.Error(t, bad.run(t, v))
			}
		})
	}
	wg.Wait()
}
