// Package persistencetest gives tests real, migrated databases: a fresh
// SQLite file always, and a fresh Postgres database when one is configured.
// It is how repository, use-case and HTTP tests run one suite against every
// database without mocks.
//
// Environment:
//
//	JARVIS_AUTH_TEST_POSTGRES_URL  admin URL of a Postgres server, e.g.
//	                               postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable;
//	                               each test gets its own database there, dropped afterwards.
//	JARVIS_AUTH_REQUIRE_POSTGRES=1 fail instead of skip when the URL is unset (CI sets it).
package persistencetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/jarvis/jarvis-auth/adapters/persistence"
)

// Environment variables read by this package.
const (
	EnvPostgresURL     = "JARVIS_AUTH_TEST_POSTGRES_URL"
	EnvRequirePostgres = "JARVIS_AUTH_REQUIRE_POSTGRES"
)

// Dialects lists the dialects Each runs, in order.
var Dialects = []persistence.Dialect{persistence.SQLite, persistence.Postgres}

// Each runs fn as one subtest per dialect, named "sqlite" and "postgres",
// each with its own freshly migrated database. The postgres subtest is
// skipped when EnvPostgresURL is unset, unless EnvRequirePostgres is "1".
func Each(t *testing.T, fn func(t *testing.T, db *persistence.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a freshly migrated database of dialect d, closed (and, for
// Postgres, dropped) when the test ends.
func Open(t testing.TB, d persistence.Dialect) *persistence.DB {
	t.Helper()
	db := OpenUnmigrated(t, d)
	if err := persistence.Migrate(context.Background(), db); err != nil {
		t.Fatalf("persistencetest: migrate %s: %v", d, err)
	}
	return db
}

// OpenUnmigrated is Open without the migrations, for tests of migrating.
func OpenUnmigrated(t testing.TB, d persistence.Dialect) *persistence.DB {
	t.Helper()
	db, err := persistence.Open(context.Background(), NewDatabaseURL(t, d))
	if err != nil {
		t.Fatalf("persistencetest: open %s: %v", d, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// NewDatabaseURL creates an empty database of dialect d and returns its
// DATABASE_URL; several Opens of it act like replicas sharing a database.
// It is removed when the test ends: cleanups run last-in first-out, so
// handles opened after this call are closed before the database is dropped.
func NewDatabaseURL(t testing.TB, d persistence.Dialect) string {
	t.Helper()
	switch d {
	case persistence.SQLite:
		// t.TempDir is absolute, so the URL takes the four-slash form.
		return "sqlite:///" + filepath.Join(t.TempDir(), "jarvis_auth_test.db")
	case persistence.Postgres:
		return newPostgresDatabase(t)
	default:
		t.Fatalf("persistencetest: unknown dialect %q", d)
		return ""
	}
}

func newPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgresURL)
	if admin == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("persistencetest: %s=1 but %s is unset", EnvRequirePostgres, EnvPostgresURL)
		}
		t.Skipf("persistencetest: set %s (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) to run against Postgres", EnvPostgresURL)
	}
	target, err := persistence.ParseDatabaseURL(admin)
	if err != nil || target.Dialect != persistence.Postgres {
		t.Fatalf("persistencetest: %s is not a postgres URL", EnvPostgresURL)
	}
	adminDB, err := sql.Open("pgx", target.DSN)
	if err != nil {
		t.Fatalf("persistencetest: open admin connection: %v", err)
	}
	defer adminDB.Close()

	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "jarvis_auth_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("persistencetest: create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", target.DSN)
		if err != nil {
			t.Errorf("persistencetest: drop database: %v", err)
			return
		}
		defer db.Close()
		// FORCE ends connections a failed test may have left open.
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("persistencetest: drop database %s: %v", name, err)
		}
	})

	u, err := url.Parse(target.DSN)
	if err != nil {
		t.Fatalf("persistencetest: %s: malformed URL", EnvPostgresURL)
	}
	u.Path = "/" + name
	return u.String()
}
