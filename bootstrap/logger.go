package bootstrap

import (
	"io"
	"log/slog"
	"strings"
)

// sensitiveKeys are attribute keys whose values are never written, whatever
// type they hold. Domain types already redact themselves; this catches a
// plain string logged under an obvious name by mistake.
var sensitiveKeys = map[string]bool{
	"password":      true,
	"secret":        true,
	"secret_key":    true,
	"authorization": true,
	"access_token":  true,
	"refresh_token": true,
	"token":         true,
}

// NewLogger returns a structured logger writing to w at the given minimum
// level. format "text" selects the human-readable handler; anything else,
// including the default "json", selects JSON, because log collectors parse
// JSON and an unexpected value should not produce unparseable lines.
func NewLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if sensitiveKeys[strings.ToLower(a.Key)] {
				return slog.String(a.Key, redacted)
			}
			return a
		},
	}
	var h slog.Handler
	if strings.EqualFold(format, LogFormatText) {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h)
}
