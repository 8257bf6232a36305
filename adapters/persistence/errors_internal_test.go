package persistence

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/user"
)

func TestUnavailable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"connection refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"deadline while connecting", fmt.Errorf("connect: %w", context.DeadlineExceeded), true},
		{"closed pool", errors.New("sql: database is closed"), true},
		{"postgres admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"postgres too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"postgres connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"postgres unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"postgres syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"caller cancelled", context.Canceled, false},
		{"plain error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, unavailable(tt.err))
			assert.Equal(t, tt.want, errors.Is(wrapErr("op", tt.err), auth.ErrUnavailable))
			assert.ErrorIs(t, wrapErr("op", tt.err), tt.err, "the cause stays inspectable")
		})
	}
}

// SQLITE_BUSY reaches a caller only after busy_timeout ran out: the write
// queue is saturated, so it must read as "unavailable, retry" (503).
func TestWrapErr_SQLiteBusy_IsUnavailable(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "busy.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, Migrate(ctx, db))

	holder, err := db.bun.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	require.NoError(t, err)
	t.Cleanup(func() { _ = holder.Rollback() })
	conn, err := db.bun.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	// Give up at once instead of waiting the configured five seconds.
	_, err = conn.ExecContext(ctx, "PRAGMA busy_timeout = 0")
	require.NoError(t, err)

	_, err = conn.ExecContext(ctx, "INSERT INTO users (email, username, password_hash) VALUES ('a@b.co', 'abc', 'h')")
	require.Error(t, err)
	assert.ErrorIs(t, wrapErr("users: create", err), auth.ErrUnavailable)
}

func TestTakenError_MapsOurIndexesAndAdoptedOnes(t *testing.T) {
	assert.NoError(t, takenError("refresh_tokens_token_hash_key"))
	for name, want := range map[string]error{
		"users_email_lower_key": user.ErrEmailTaken,
		"UNIQUE constraint failed: index 'users_username_lower_key'": user.ErrUsernameTaken,
		"ix_users_email": user.ErrEmailTaken,
		"UNIQUE constraint failed: users.username": user.ErrUsernameTaken,
	} {
		assert.Equal(t, want, takenError(name), name)
	}
}
