// Package httpapi is the Fiber HTTP adapter: routes, request decoding, the
// bearer middleware and the one table that maps errors to problem documents.
package httpapi

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/jarvis/jarvis-auth/adapters/http/docs"
)

// MaxBodyBytes is the largest request body accepted (API.md: 64 KiB).
const MaxBodyBytes = 64 * 1024

// Options configure the HTTP server.
type Options struct {
	Logger       *slog.Logger
	UseCases     UseCases
	Ready        Readiness
	CORSOrigins  []string
	Requests     RequestObserver // optional: request metrics
	Metrics      fiber.Handler   // optional: GET /metrics
	ReadTimeout  time.Duration   // 0: 10s
	WriteTimeout time.Duration   // 0: 15s
	IdleTimeout  time.Duration   // 0: 60s
}

// New builds the Fiber app with every route of API.md.
func New(o Options) *fiber.App {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	onError := ErrorHandler(o.Logger)
	app := fiber.New(fiber.Config{
		AppName:               "jarvis-auth",
		DisableStartupMessage: true,
		BodyLimit:             MaxBodyBytes,
		// Slow or hostile clients cannot hold connections or memory.
		ReadTimeout:    orDefault(o.ReadTimeout, 10*time.Second),
		WriteTimeout:   orDefault(o.WriteTimeout, 15*time.Second),
		IdleTimeout:    orDefault(o.IdleTimeout, 60*time.Second),
		ReadBufferSize: 8 * 1024, // also the request header size limit
		ErrorHandler:   onError,
		// Go's encoder escapes <, > and & in strings, which is safe for
		// anything that embeds the JSON in HTML.
	})

	app.Use(requestIDs)
	app.Use(accessLog(o.Logger, o.Requests, onError))
	app.Use(recover.New())
	if len(o.CORSOrigins) > 0 {
		app.Use(cors.New(cors.Config{
			AllowOrigins:  strings.Join(o.CORSOrigins, ","),
			AllowMethods:  "GET,POST,OPTIONS",
			AllowHeaders:  "Authorization,Content-Type,X-Request-ID",
			ExposeHeaders: "X-Request-ID,Retry-After,WWW-Authenticate",
			MaxAge:        600,
		}))
	}

	h := handlers{uc: o.UseCases}
	a := app.Group("/auth")
	a.Post("/register", requireJSON, h.register)
	a.Post("/login", requireJSON, h.login)
	a.Post("/refresh", requireJSON, h.refresh)
	a.Post("/logout", requireJSON, h.logout)
	a.Get("/me", bearer(o.UseCases.Me), h.me)

	app.Get("/health", health)
	if o.Ready != nil {
		app.Get("/ready", ready(o.Ready))
	}
	if o.Metrics != nil {
		app.Get("/metrics", o.Metrics)
	}
	docs.Mount(app)
	return app
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// allowedMethods lists the methods registered for the request's path, for
// the Allow header of a 405.
func allowedMethods(c *fiber.Ctx) string {
	path := c.Path()
	seen := map[string]bool{}
	var out []string
	for _, r := range c.App().GetRoutes(true) {
		if r.Path == path && !seen[r.Method] && r.Method != fiber.MethodHead && r.Method != "USE" {
			seen[r.Method] = true
			out = append(out, r.Method)
		}
	}
	return strings.Join(out, ", ")
}
