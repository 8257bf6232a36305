package docs

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

//go:embed swaggerui/index.html swaggerui/index.css swaggerui/swagger-initializer.js
//go:embed swaggerui/swagger-ui-bundle.js swaggerui/swagger-ui.css
//go:embed swaggerui/favicon-16x16.png swaggerui/favicon-32x32.png
//go:embed swaggerui/LICENSE swaggerui/NOTICE swaggerui/swagger-ui-bundle.js.LICENSE.txt
var swaggerUI embed.FS

const (
	// The page and the document change with the binary: always revalidate.
	noCacheControl = "no-cache"
	// Asset URLs are not versioned, so keep them for an hour only; the ETag
	// makes revalidation cheap.
	assetCacheControl = "public, max-age=3600"
)

type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets maps a file name under /docs/ to its content. index.html is served
// at /docs itself.
var assets = sync.OnceValue(func() map[string]asset {
	entries, err := fs.ReadDir(swaggerUI, "swaggerui")
	if err != nil {
		panic("docs: embedded swaggerui: " + err.Error())
	}
	m := make(map[string]asset, len(entries))
	for _, e := range entries {
		body, err := fs.ReadFile(swaggerUI, "swaggerui/"+e.Name())
		if err != nil {
			panic("docs: embedded swaggerui: " + err.Error())
		}
		sum := sha256.Sum256(body)
		m[e.Name()] = asset{
			body:        body,
			contentType: contentTypeOf(e.Name()),
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
	}
	return m
})

func contentTypeOf(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8" // RFC 9239
	case ".css":
		return "text/css; charset=utf-8"
	case ".png":
		return "image/png"
	default: // LICENSE, NOTICE, *.txt
		return "text/plain; charset=utf-8"
	}
}

// Mount registers, on the root of the app:
//
//	GET /openapi.json    the OpenAPI document (application/json)
//	GET /docs, /docs/    Swagger UI (text/html); /docs/ is an alias, not an operation of the document
//	GET /docs/:asset     the UI's scripts, style sheets, icons and licences, with ETag and Cache-Control
//
// The page refers to its assets and to the document by absolute paths, so r
// must be the app itself or a group without a prefix. An unknown asset
// answers fiber.ErrNotFound, which the app's error handler turns into its
// usual 404 body.
func Mount(r fiber.Router) {
	r.Get("/openapi.json", serveSpec)
	r.Get("/docs", serveIndex)
	r.Get("/docs/", serveIndex)
	r.Get("/docs/:asset", serveAsset)
}

func serveSpec(c *fiber.Ctx) error {
	b, err := specJSON()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, noCacheControl)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

func serveIndex(c *fiber.Ctx) error {
	a := assets()["index.html"]
	c.Set(fiber.HeaderCacheControl, noCacheControl)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentType, a.contentType)
	return c.Send(a.body)
}

func serveAsset(c *fiber.Ctx) error {
	name := c.Params("asset")
	if name == "index.html" {
		return serveIndex(c)
	}
	a, ok := assets()[name]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, assetCacheControl)
	c.Set(fiber.HeaderETag, a.etag)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), a.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	return c.Send(a.body)
}

// etagMatches reports whether an If-None-Match header lists etag (RFC 9110
// §13.1.2: weak comparison, "*" matches any).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
