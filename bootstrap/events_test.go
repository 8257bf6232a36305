package bootstrap_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/bootstrap"
)

func TestEventLog_Levels(t *testing.T) {
	tests := []struct {
		ev    auth.Event
		level string
		msg   string
	}{
		{auth.Event{Kind: "refresh", Outcome: "reused", UserID: 7, SessionID: 9}, "WARN", "security: refresh token reused"},
		{auth.Event{Kind: "login", Outcome: "invalid_credentials", UserID: 7}, "WARN", "security: login refused"},
		{auth.Event{Kind: "access_token", Outcome: "invalid_token"}, "WARN", "security: access_token refused"},
		{auth.Event{Kind: "login", Outcome: "unavailable"}, "WARN", "login"},
		{auth.Event{Kind: "register", Outcome: "email_taken"}, "INFO", "register"},
		{auth.Event{Kind: "refresh", Outcome: "rotated", UserID: 7}, "DEBUG", "refresh"},
		{auth.Event{Kind: "login", Outcome: "success", UserID: 7}, "DEBUG", "login"},
	}
	for _, tc := range tests {
		t.Run(tc.ev.Kind+"/"+tc.ev.Outcome, func(t *testing.T) {
			var buf bytes.Buffer
			bootstrap.NewEventLog(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))).Observe(context.Background(), tc.ev)
			assert.Contains(t, buf.String(), `"level":"`+tc.level+`"`)
			assert.Contains(t, buf.String(), `"msg":"`+tc.msg+`"`)
			if tc.ev.UserID != 0 {
				assert.Contains(t, buf.String(), `"user_id":7`)
			}
		})
	}
}
