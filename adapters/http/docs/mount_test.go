package docs

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newApp mounts the docs on an app whose error handler answers problem
// documents, as the service's does, so every answer can be checked against
// the document.
func newApp() *fiber.App {
	app := fiber.New(fiber.Config{
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			status := fiber.StatusInternalServerError
			var fe *fiber.Error
			if errors.As(err, &fe) {
				status = fe.Code
			}
			code := map[int]string{404: "not_found", 405: "method_not_allowed"}[status]
			c.Set(fiber.HeaderContentType, "application/problem+json")
			return c.Status(status).JSON(fiber.Map{
				"type": "about:blank", "title": http.StatusText(status), "status": status,
				"detail": http.StatusText(status), "code": code,
			}, "application/problem+json")
		},
	})
	Mount(app)
	return app
}

// serve sends req to app and checks the answer against the document.
func serve(t *testing.T, app *fiber.App, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := app.Test(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	v, err := NewResponseValidator()
	require.NoError(t, err)
	assert.NoError(t, v.Validate(req, resp, body))
	return resp, body
}

func TestMount_DocsServesSwaggerUIPointingAtTheDocument(t *testing.T) {
	app := newApp()
	for _, path := range []string{"/docs", "/docs/"} {
		t.Run(path, func(t *testing.T) {
			resp, body := serve(t, app, httptest.NewRequest("GET", path, nil))

			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
			html := string(body)
			assert.Contains(t, html, "swagger-ui")
			assert.Contains(t, html, "/openapi.json")
			assert.Contains(t, html, `src="/docs/swagger-ui-bundle.js"`)
			assert.NotContains(t, html, "https://", "the page must load nothing from the network")
		})
	}
}

func TestMount_EveryAssetThePageLoadsIsServed(t *testing.T) {
	app := newApp()
	_, page := serve(t, app, httptest.NewRequest("GET", "/docs", nil))
	tests := map[string]string{
		"/docs/swagger-ui-bundle.js":             "text/javascript; charset=utf-8",
		"/docs/swagger-initializer.js":           "text/javascript; charset=utf-8",
		"/docs/swagger-ui.css":                   "text/css; charset=utf-8",
		"/docs/index.css":                        "text/css; charset=utf-8",
		"/docs/favicon-32x32.png":                "image/png",
		"/docs/favicon-16x16.png":                "image/png",
		"/docs/LICENSE":                          "text/plain; charset=utf-8",
		"/docs/swagger-ui-bundle.js.LICENSE.txt": "text/plain; charset=utf-8",
	}
	for path, ct := range tests {
		t.Run(path, func(t *testing.T) {
			resp, body := serve(t, app, httptest.NewRequest("GET", path, nil))

			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, ct, resp.Header.Get("Content-Type"))
			assert.Equal(t, "public, max-age=3600", resp.Header.Get("Cache-Control"))
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			assert.NotEmpty(t, resp.Header.Get("ETag"))
			assert.NotEmpty(t, body)
			if !strings.Contains(path, "LICENSE") && !strings.HasSuffix(path, "16x16.png") {
				assert.Contains(t, string(page), `"`+path+`"`, "the page should load %s", path)
			}
		})
	}
}

func TestMount_AssetWithMatchingETag_Answers304(t *testing.T) {
	app := newApp()
	first, _ := serve(t, app, httptest.NewRequest("GET", "/docs/swagger-ui.css", nil))
	req := httptest.NewRequest("GET", "/docs/swagger-ui.css", nil)
	req.Header.Set("If-None-Match", `"other", W/`+first.Header.Get("ETag"))

	resp, body := serve(t, app, req)

	assert.Equal(t, 304, resp.StatusCode)
	assert.Empty(t, body)
}

func TestMount_UnknownAsset_IsTheAppsNotFound(t *testing.T) {
	resp, _ := serve(t, newApp(), httptest.NewRequest("GET", "/docs/secret.txt", nil))

	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
}

func TestMount_OpenAPIJSONIsTheSpec(t *testing.T) {
	resp, body := serve(t, newApp(), httptest.NewRequest("GET", "/openapi.json", nil))

	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(body, &doc))
	assert.Equal(t, "3.0.3", doc["openapi"])
	assert.Equal(t, Spec(), body)
}

func TestMount_HeadRequestsAnswerWithoutBody(t *testing.T) {
	resp, body := serve(t, newApp(), httptest.NewRequest("HEAD", "/docs", nil))

	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Empty(t, body)
}
