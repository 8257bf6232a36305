package bootstrap

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLogger_Format(t *testing.T) {
	tests := []struct {
		name     string
		format   string
		wantJSON bool
	}{
		{"json", LogFormatJSON, true},
		{"text", LogFormatText, false},
		{"text any case", "TEXT", false},
		{"unknown falls back to json", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			NewLogger(&buf, slog.LevelInfo, tt.format).Info("hello", "k", "v")
			var m map[string]any
			err := json.Unmarshal(buf.Bytes(), &m)
			if tt.wantJSON {
				require.NoError(t, err)
				assert.Equal(t, "hello", m["msg"])
				assert.Equal(t, "v", m["k"])
			} else {
				assert.Error(t, err)
				assert.Contains(t, buf.String(), "msg=hello k=v")
			}
		})
	}
}

func TestNewLogger_Level_FiltersBelow(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, slog.LevelWarn, LogFormatJSON)
	log.Info("dropped")
	log.Warn("kept")
	assert.NotContains(t, buf.String(), "dropped")
	assert.Contains(t, buf.String(), "kept")
}

func TestNewLogger_SensitiveKeys_AreMasked(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf, slog.LevelInfo, LogFormatJSON).Info("oops",
		"password", "pw-LEAK", "Authorization", "Bearer tok-LEAK", "refresh_token", "rt-LEAK", "user_id", 7)
	out := buf.String()
	assert.NotContains(t, out, "LEAK")
	assert.Equal(t, 3, strings.Count(out, "[REDACTED]"))
	assert.Contains(t, out, `"user_id":7`)
}

func TestNewLogger_ConfigAndSecret_AreMasked(t *testing.T) {
	c := DefaultConfig()
	c.SecretKey = Secret(goodSecret)
	c.DatabaseURL = "postgres://u:DBPASSLEAK@h/db"
	for _, format := range []string{LogFormatJSON, LogFormatText} {
		var buf bytes.Buffer
		NewLogger(&buf, slog.LevelInfo, format).Info("starting", "config", c, "key", c.SecretKey)
		assert.NotContains(t, buf.String(), "LEAKCHECK", format)
		assert.NotContains(t, buf.String(), "DBPASSLEAK", format)
		assert.Contains(t, buf.String(), "[REDACTED]", format)
	}
}
