package httpapi

import (
	"bytes"
	"encoding/json"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/jarvis/jarvis-auth/domain/user"
)

// field describes one string field of a JSON request body.
type field struct {
	name     string
	required bool
	dst      **string // set to a copy of the value when present and not null
}

// decodeObject reads a JSON object and fills the given string fields. It
// reports problems the way FastAPI does (loc, msg, type), so clients written
// against the Python service keep working: malformed JSON, a non-object body,
// a missing required field and a wrong type are all 422. Unknown fields are
// ignored.
func decodeObject(body []byte, fields ...field) error {
	var v user.ValidationError
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return v.Add(user.FieldError{Field: "body", Message: "Request body is required: send a JSON object", Type: "missing"})
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		if trimmed[0] != '{' && json.Valid(trimmed) {
			return v.Add(user.FieldError{Field: "body", Message: "Input should be a JSON object", Type: "model_attributes_type"})
		}
		return v.Add(user.FieldError{Field: "body", Message: "JSON decode error: the body is not valid JSON", Type: "json_invalid"})
	}
	for _, f := range fields {
		msg, ok := raw[f.name]
		if !ok || string(bytes.TrimSpace(msg)) == "null" {
			if f.required {
				v.Add(user.FieldError{Field: f.name, Message: "Field required", Type: "missing"})
			}
			continue
		}
		var s string
		if err := json.Unmarshal(msg, &s); err != nil {
			v.Add(user.FieldError{Field: f.name, Message: "Input should be a valid string", Type: "string_type"})
			continue
		}
		*f.dst = &s
	}
	return v.Err()
}

// isJSON reports whether a Content-Type names JSON (application/json or any
// application/*+json), whatever its parameters.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// requireJSON refuses POST bodies that are not JSON with 415.
func requireJSON(c *fiber.Ctx) error {
	if !isJSON(c.Get(fiber.HeaderContentType)) {
		return fiber.ErrUnsupportedMediaType
	}
	return c.Next()
}
