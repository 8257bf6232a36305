package httpapi

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// Problem is an RFC 9457 problem document. Detail is always a sentence a
// person can read (the mobile app shows it); Code is the stable name clients
// branch on.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Code   string       `json:"code"`
	Errors []FieldIssue `json:"errors,omitempty"`
}

// FieldIssue is one validation problem in FastAPI's entry shape.
type FieldIssue struct {
	Loc  []string `json:"loc"`
	Msg  string   `json:"msg"`
	Type string   `json:"type"`
}

// problemKind is one row of the error table.
type problemKind struct {
	status     int
	code       string
	detail     string
	retryAfter string // seconds, for 503
}

// errorTable maps domain and application errors to HTTP. It is the only place
// that knows both sides; order matters only for errors that wrap others.
var errorTable = []struct {
	err  error
	kind problemKind
}{
	{user.ErrEmailTaken, problemKind{fiber.StatusConflict, "email_taken", "Email already registered", ""}},
	{user.ErrUsernameTaken, problemKind{fiber.StatusConflict, "username_taken", "Username already taken", ""}},
	{user.ErrInvalidCredentials, problemKind{fiber.StatusUnauthorized, "invalid_credentials", "Invalid email or password", ""}},
	{user.ErrInactive, problemKind{fiber.StatusForbidden, "inactive_user", "Inactive user", ""}},
	{auth.ErrInvalidAccessToken, problemKind{fiber.StatusUnauthorized, "invalid_token", "Could not validate credentials", ""}},
	{session.ErrTokenReused, problemKind{fiber.StatusUnauthorized, "refresh_token_reused", "Refresh token has already been used; please sign in again", ""}},
	{session.ErrInvalidToken, problemKind{fiber.StatusUnauthorized, "invalid_refresh_token", "Invalid or expired refresh token", ""}},
	{auth.ErrOverloaded, problemKind{fiber.StatusServiceUnavailable, "unavailable", "The service is busy; please retry shortly", "1"}},
	{auth.ErrUnavailable, problemKind{fiber.StatusServiceUnavailable, "unavailable", "The service is temporarily unavailable; please retry shortly", "5"}},
}

// statusKinds covers errors raised by the HTTP layer itself (routing, limits).
var statusKinds = map[int]problemKind{
	fiber.StatusNotFound:                    {fiber.StatusNotFound, "not_found", "Not found", ""},
	fiber.StatusMethodNotAllowed:            {fiber.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed", ""},
	fiber.StatusRequestEntityTooLarge:       {fiber.StatusRequestEntityTooLarge, "payload_too_large", "Request body is larger than 64 KiB", ""},
	fiber.StatusUnsupportedMediaType:        {fiber.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json", ""},
	fiber.StatusRequestHeaderFieldsTooLarge: {fiber.StatusRequestHeaderFieldsTooLarge, "bad_request", "Request headers are too large", ""},
	fiber.StatusRequestTimeout:              {fiber.StatusRequestTimeout, "bad_request", "Request timed out", ""},
	fiber.StatusBadRequest:                  {fiber.StatusBadRequest, "bad_request", "Bad request", ""},
}

var internalKind = problemKind{fiber.StatusInternalServerError, "internal", "Internal server error", ""}

// ErrorHandler renders every error as a problem document. Unknown errors
// become a logged 500 whose body says nothing internal.
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p, kind := problemFor(err)
		if kind.status == fiber.StatusInternalServerError {
			log.ErrorContext(c.UserContext(), "internal error", "err", err, "route", routeOf(c), "request_id", requestID(c))
		}
		if kind.retryAfter != "" {
			c.Set(fiber.HeaderRetryAfter, kind.retryAfter)
		}
		if kind.code == "invalid_token" {
			c.Set(fiber.HeaderWWWAuthenticate, "Bearer")
		}
		if kind.status == fiber.StatusMethodNotAllowed {
			c.Set(fiber.HeaderAllow, allowedMethods(c))
		}
		return writeProblem(c, p)
	}
}

func writeProblem(c *fiber.Ctx, p Problem) error {
	c.Status(p.Status)
	if err := c.JSON(p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return nil
}

// problemFor finds the table row for err.
func problemFor(err error) (Problem, problemKind) {
	var v *user.ValidationError
	if errors.As(err, &v) {
		return validationProblem(v), problemKind{status: fiber.StatusUnprocessableEntity, code: "validation_failed"}
	}
	kind, ok := internalKind, false
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			kind, ok = row.kind, true
			break
		}
	}
	var fe *fiber.Error
	if !ok && errors.As(err, &fe) {
		if k, found := statusKinds[fe.Code]; found {
			kind = k
		} else if fe.Code >= 400 && fe.Code < 500 {
			kind = problemKind{fe.Code, "bad_request", fe.Message, ""}
		}
	}
	return Problem{Type: "about:blank", Title: statusTitle(kind.status), Status: kind.status, Detail: kind.detail, Code: kind.code}, kind
}

func validationProblem(v *user.ValidationError) Problem {
	issues := make([]FieldIssue, 0, len(v.Fields))
	parts := make([]string, 0, len(v.Fields))
	for _, f := range v.Fields {
		loc := []string{"body"}
		if f.Field != "" && f.Field != "body" {
			loc = append(loc, f.Field)
		}
		issues = append(issues, FieldIssue{Loc: loc, Msg: f.Message, Type: f.Type})
		if f.Field != "" && f.Field != "body" {
			parts = append(parts, f.Field+": "+f.Message)
		} else {
			parts = append(parts, f.Message)
		}
	}
	return Problem{
		Type: "about:blank", Title: statusTitle(fiber.StatusUnprocessableEntity), Status: fiber.StatusUnprocessableEntity,
		Detail: strings.Join(parts, "; "), Code: "validation_failed", Errors: issues,
	}
}

func statusTitle(status int) string {
	if status == fiber.StatusUnprocessableEntity {
		return "Unprocessable Content" // RFC 9110's name
	}
	return utils.StatusMessage(status)
}
