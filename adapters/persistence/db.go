// Package persistence stores accounts, sessions and refresh-token digests in
// PostgreSQL or SQLite through bun. It implements the storage ports of
// application/auth; bun models stay private and are mapped to domain types.
// The two databases differ only where they must: the driver, the DSN
// settings, the migration lock and the SQL files of the migrations.
package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Pool bounds. database/sql pools are unbounded by default; measured with 64
// clients on 2 cores, bounding the pool to 8 connections doubled throughput
// on both databases.
const (
	maxOpenConns    = 8
	connMaxIdleTime = 5 * time.Minute
)

// sqliteBusyTimeout is how long a SQLite connection waits for the write lock
// before it gives up with SQLITE_BUSY (reported as auth.ErrUnavailable).
const sqliteBusyTimeout = 5 * time.Second

// DB is an open, pooled database handle of one dialect.
type DB struct {
	bun     *bun.DB
	dialect Dialect
	// migrateMu keeps this process's Migrate calls from each holding a pool
	// connection for the migration lock while the holder needs another one.
	migrateMu sync.Mutex
	// writers, for SQLite only, lets one write of this process at a time
	// hold the database's single write lock. The others queue here, in Go,
	// instead of polling in SQLite's busy handler (which sleeps up to 100 ms
	// between tries); busy_timeout still covers other processes.
	writers chan struct{}
	// path is the SQLite database file ("" for Postgres and in-memory).
	path string
}

// exclusive runs fn holding this process's SQLite write slot (a no-op on
// Postgres, whose row locks need no help). ctx ending while waiting is an
// error wrapping auth.ErrUnavailable.
func (db *DB) exclusive(ctx context.Context, fn func() error) error {
	if db.writers == nil {
		return fn()
	}
	select {
	case db.writers <- struct{}{}:
	case <-ctx.Done():
		return wrapErr("wait for write slot", ctx.Err())
	}
	defer func() { <-db.writers }()
	return fn()
}

// Open parses raw (see ParseDatabaseURL), opens a bounded pool with the
// right dialect and checks that the database answers. An unreachable
// database yields an error wrapping auth.ErrUnavailable.
func Open(ctx context.Context, raw string) (*DB, error) {
	t, err := ParseDatabaseURL(raw)
	if err != nil {
		return nil, err
	}
	return OpenTarget(ctx, t)
}

// OpenTarget opens an already parsed Target; see Open.
func OpenTarget(ctx context.Context, t Target) (*DB, error) {
	var (
		sqldb *sql.DB
		bdb   *bun.DB
		err   error
	)
	switch t.Dialect {
	case Postgres:
		sqldb, err = sql.Open("pgx", t.DSN)
		if err != nil {
			return nil, fmt.Errorf("persistence: open postgres: %w", err)
		}
		sqldb.SetMaxOpenConns(maxOpenConns)
		sqldb.SetMaxIdleConns(maxOpenConns)
		sqldb.SetConnMaxIdleTime(connMaxIdleTime)
		bdb = bun.NewDB(sqldb, pgdialect.New())
	case SQLite:
		sqldb, err = sql.Open("sqlite", sqliteDSN(t.DSN))
		if err != nil {
			return nil, fmt.Errorf("persistence: open sqlite: %w", err)
		}
		if t.Memory() {
			// An in-memory database lives in its connection: a pool of one
			// that is never closed while idle keeps every caller on the same
			// database (shared cache would trade SQLITE_BUSY for
			// SQLITE_LOCKED, which busy_timeout does not cover).
			sqldb.SetMaxOpenConns(1)
			sqldb.SetMaxIdleConns(1)
			sqldb.SetConnMaxIdleTime(0)
			sqldb.SetConnMaxLifetime(0)
		} else {
			sqldb.SetMaxOpenConns(maxOpenConns)
			sqldb.SetMaxIdleConns(maxOpenConns)
			sqldb.SetConnMaxIdleTime(connMaxIdleTime)
		}
		bdb = bun.NewDB(sqldb, sqlitedialect.New())
	default:
		return nil, fmt.Errorf("persistence: open: unknown dialect %q", t.Dialect)
	}
	db := &DB{bun: bdb, dialect: t.Dialect}
	if t.Dialect == SQLite {
		db.writers = make(chan struct{}, 1)
		if !t.Memory() {
			db.path = t.DSN
		}
	}
	if err := bdb.PingContext(ctx); err != nil {
		_ = bdb.Close()
		return nil, wrapErr("open: ping "+string(t.Dialect), err)
	}
	return db, nil
}

// sqliteDSN adds the per-connection settings modernc applies to every new
// connection of the pool: WAL so readers do not block the writer, a busy
// timeout so writers queue instead of failing, foreign keys (off by default
// in SQLite, and the schema relies on ON DELETE CASCADE), and BEGIN IMMEDIATE
// so a write transaction takes the write lock up front instead of failing
// with SQLITE_BUSY when it upgrades from a read.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if path != memoryDSN {
		q.Add("_pragma", "journal_mode(WAL)")
		// NORMAL is durable across application crashes in WAL mode; only an
		// OS crash can lose the last commits.
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// Bun returns the underlying bun handle, for callers that need a query this
// package does not offer.
func (db *DB) Bun() *bun.DB { return db.bun }

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Stats returns connection-pool statistics, for metrics.
func (db *DB) Stats() sql.DBStats { return db.bun.Stats() }

// Close closes the pool; an in-memory SQLite database is gone afterwards.
func (db *DB) Close() error { return db.bun.Close() }

// Ready reports whether the database answers and every embedded migration
// has been applied; GET /ready uses it. An unreachable database yields an
// error wrapping auth.ErrUnavailable, a schema behind the binary one
// wrapping ErrNotMigrated.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.bun.PingContext(ctx); err != nil {
		return wrapErr("ready: ping", err)
	}
	pending, err := db.pendingMigrations(ctx)
	if err != nil {
		if unavailable(err) {
			return wrapErr("ready", err)
		}
		return fmt.Errorf("persistence: ready: %w: %w", ErrNotMigrated, err)
	}
	if len(pending) > 0 {
		return fmt.Errorf("persistence: ready: %w: %d pending", ErrNotMigrated, len(pending))
	}
	return nil
}
