package bootstrap

import (
	"context"
	"log/slog"

	"github.com/jarvis/jarvis-auth/application/auth"
)

// EventLog writes the use cases' events to the log: security events (failed
// logins, refresh-token reuse, refused tokens) at warn with the user id where
// known, the rest at debug. It never sees a password or token.
type EventLog struct{ log *slog.Logger }

// NewEventLog builds an EventLog.
func NewEventLog(log *slog.Logger) *EventLog { return &EventLog{log: log.With("component", "auth")} }

// Observe implements auth.Observer.
func (e *EventLog) Observe(ctx context.Context, ev auth.Event) {
	level := slog.LevelDebug
	msg := ev.Kind
	switch {
	case ev.Outcome == "reused":
		level, msg = slog.LevelWarn, "security: refresh token reused"
	case ev.Outcome == "error" || ev.Outcome == "unavailable" || ev.Outcome == "overloaded":
		level = slog.LevelWarn
	case ev.Kind == "register":
		// A taken email or a bad password rule is the client's business,
		// not a security event.
		level = slog.LevelInfo
	case ev.Outcome != "success" && ev.Outcome != "rotated" && ev.Outcome != "replay_successor" && ev.Outcome != "replay_grace":
		level, msg = slog.LevelWarn, "security: "+ev.Kind+" refused"
	}
	if !e.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("event", ev.Kind), slog.String("outcome", ev.Outcome)}
	if ev.UserID != 0 {
		attrs = append(attrs, slog.Int64("user_id", int64(ev.UserID)))
	}
	if ev.SessionID != 0 {
		attrs = append(attrs, slog.Int64("session_id", int64(ev.SessionID)))
	}
	e.log.LogAttrs(ctx, level, msg, attrs...)
}
