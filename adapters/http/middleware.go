package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/user"
)

const (
	localUser      = "jarvis.user"
	localRequestID = "jarvis.request_id"
	headerReqID    = "X-Request-ID"
	maxReqIDLength = 128
)

// bearer authenticates the caller with the Me use case and stores the user
// for the handler. A missing or malformed header is the same 401 as a bad
// token.
func bearer(me *auth.Me) fiber.Handler {
	return func(c *fiber.Ctx) error {
		scheme, token, ok := strings.Cut(strings.TrimSpace(c.Get(fiber.HeaderAuthorization)), " ")
		if !ok || !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(token) == "" {
			return auth.ErrInvalidAccessToken
		}
		u, err := me.Execute(c.UserContext(), utils.CopyString(strings.TrimSpace(token)))
		if err != nil {
			return err
		}
		c.Locals(localUser, u)
		return c.Next()
	}
}

func currentUser(c *fiber.Ctx) user.User {
	u, _ := c.Locals(localUser).(user.User)
	return u
}

// requestIDs keeps a sane incoming X-Request-ID or makes one, and echoes it.
func requestIDs(c *fiber.Ctx) error {
	id := c.Get(headerReqID)
	if !validRequestID(id) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	} else {
		id = utils.CopyString(id)
	}
	c.Locals(localRequestID, id)
	c.Set(headerReqID, id)
	return c.Next()
}

// validRequestID accepts only short printable ids, so a client cannot inject
// log lines or huge values through it.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxReqIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// routeOf returns the route template ("/auth/me"), never the raw path, so
// that metrics labels and logs stay bounded.
func routeOf(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" {
		return r.Path
	}
	return "unmatched"
}

// RequestObserver sees every finished request (metrics).
type RequestObserver interface {
	ObserveRequest(route, method string, status int, elapsed time.Duration)
}

// accessLog writes one line per request and reports it to the observer. It
// runs the error handler itself so that the status it logs is the one sent.
func accessLog(log *slog.Logger, obs RequestObserver, onError fiber.ErrorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := onError(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		elapsed := time.Since(start)
		status := c.Response().StatusCode()
		// Fiber reuses its buffers: copy before the strings leave the handler.
		route, method := utils.CopyString(routeOf(c)), utils.CopyString(c.Method())
		if obs != nil {
			obs.ObserveRequest(route, method, status, elapsed)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.UserContext(), level, "request",
			slog.String("request_id", requestID(c)),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000),
			slog.String("remote_ip", c.IP()),
		)
		return nil
	}
}
