package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/jarvis/jarvis-auth/application/auth"
)

// wrapErr adds short context to a database error and marks the ones that
// mean "the database cannot be reached" with auth.ErrUnavailable, so that
// HTTP answers 503 (retry) rather than 500 for them.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return fmt.Errorf("persistence: %s: %w: %w", op, auth.ErrUnavailable, err)
	}
	return fmt.Errorf("persistence: %s: %w", op, err)
}

// unavailable reports whether err means the database is unreachable,
// overloaded or shutting down, rather than that the query was wrong.
func unavailable(err error) bool {
	switch {
	case errors.Is(err, auth.ErrUnavailable),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return true
	}
	// database/sql has no exported sentinel for a closed pool.
	if strings.Contains(err.Error(), "sql: database is closed") {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),  // insufficient resources (too many connections)
			strings.HasPrefix(pgErr.Code, "57P"): // admin shutdown, crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		// BUSY/LOCKED surface only after busy_timeout ran out: the writer
		// queue is saturated, which is an overload, not a bad request.
		switch sqliteErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// uniqueViolation returns the name of the constraint or index that refused
// a write as a duplicate, or "" when err is something else.
func uniqueViolation(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if pgErr.Code == "23505" {
			return pgErr.ConstraintName, true
		}
		return "", false
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) && sqliteErr.Code()&0xff == sqlite3.SQLITE_CONSTRAINT &&
		strings.Contains(sqliteErr.Error(), "UNIQUE constraint failed") {
		// SQLite reports the index only in the text, e.g.
		// "UNIQUE constraint failed: index 'users_email_lower_key'".
		return sqliteErr.Error(), true
	}
	return "", false
}
