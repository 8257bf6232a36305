package persistence

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// ErrNotMigrated means the database schema lacks migrations this binary
// embeds: run Migrate (the serve and migrate commands do).
var ErrNotMigrated = errors.New("database migrations not applied")

// Embedded, not discovered at run time: a container has no source folders.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// migrationName is bun's file-name convention: <id>_<comment>.(up|down).sql.
var migrationName = regexp.MustCompile(`^(\d{1,14})_([0-9a-z_\-]+)\.(up|down)\.sql$`)

// pgMigrationLockKey is the pg_advisory_lock key that serialises migrations
// of all replicas sharing one Postgres database (arbitrary, fixed forever).
const pgMigrationLockKey int64 = 0x6a61727669735f61 // "jarvis_a"

// Migrate applies every pending migration, in order, as one group. It is safe
// when several replicas start at once: they take turns under a lock, and the
// ones that come later find nothing to do. It waits for the lock until ctx ends.
func Migrate(ctx context.Context, db *DB) error {
	return db.withMigrator(ctx, func(m *migrate.Migrator) error {
		if _, err := m.Migrate(ctx); err != nil {
			return wrapErr("migrate", err)
		}
		return nil
	})
}

// Rollback reverts the last applied group of migrations (for operators; the
// service never rolls back by itself).
func Rollback(ctx context.Context, db *DB) error {
	return db.withMigrator(ctx, func(m *migrate.Migrator) error {
		if _, err := m.Rollback(ctx); err != nil {
			return wrapErr("rollback", err)
		}
		return nil
	})
}

// MigrationStatus describes each embedded migration, one per line, as
// "applied <id>_<name> (group N)" or "pending <id>_<name>".
func MigrationStatus(ctx context.Context, db *DB) (string, error) {
	var b strings.Builder
	err := db.withMigrator(ctx, func(m *migrate.Migrator) error {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return wrapErr("migration status", err)
		}
		for _, mg := range ms {
			if mg.IsApplied() {
				fmt.Fprintf(&b, "applied %s (group %d)\n", mg.String(), mg.GroupID)
			} else {
				fmt.Fprintf(&b, "pending %s\n", mg.String())
			}
		}
		return nil
	})
	return b.String(), err
}

// pendingMigrations lists embedded migrations the database has not applied.
// Applied migrations this binary does not know (a newer replica migrated
// during a rolling deploy) do not count: the schema is ahead, not behind.
func (db *DB) pendingMigrations(ctx context.Context) (migrate.MigrationSlice, error) {
	m, err := db.migrator()
	if err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	return ms.Unapplied(), nil
}

func (db *DB) migrator() (*migrate.Migrator, error) {
	ms, err := loadMigrations(db.dialect)
	if err != nil {
		return nil, err
	}
	// Without WithMarkAppliedOnSuccess bun records a migration as applied
	// before running it, so a failed one would be skipped next time.
	return migrate.NewMigrator(db.bun, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// withMigrator runs fn under the migration lock, with bun's bookkeeping
// tables created.
func (db *DB) withMigrator(ctx context.Context, fn func(m *migrate.Migrator) error) error {
	m, err := db.migrator()
	if err != nil {
		return err
	}
	db.migrateMu.Lock()
	defer db.migrateMu.Unlock()
	if db.dialect == Postgres {
		return db.withAdvisoryLock(ctx, func() error {
			if err := m.Init(ctx); err != nil {
				return wrapErr("migrate: init", err)
			}
			return fn(m)
		})
	}
	if db.path == "" {
		// In memory: no other process can see the database, and migrateMu
		// already serialises this one.
		if err := m.Init(ctx); err != nil {
			return wrapErr("migrate: init", err)
		}
		return fn(m)
	}
	// A file database: an OS file lock next to it, which the kernel drops
	// if this process dies, so a crash mid-migration cannot leave a lock
	// that blocks every later start (bun's lock row would).
	unlock, err := lockFile(ctx, db.path+".migrate-lock")
	if err == nil {
		defer unlock()
		if err := m.Init(ctx); err != nil {
			return wrapErr("migrate: init", err)
		}
		return fn(m)
	}
	if !errors.Is(err, errNoFileLock) {
		return wrapErr("migrate: lock", err)
	}
	// No file locks on this platform: bun's lock table, retried.
	if err := m.Init(ctx); err != nil {
		return wrapErr("migrate: init", err)
	}
	if err := lockWithRetry(ctx, m); err != nil {
		return err
	}
	defer func() {
		// Unlock even when ctx ended, or every later start would wait forever.
		_ = m.Unlock(context.WithoutCancel(ctx))
	}()
	return fn(m)
}

// withAdvisoryLock holds a session-level advisory lock on one connection
// while fn runs on the pool. pg_advisory_lock waits rather than fails, and
// Postgres drops the lock if this process dies, so a crash cannot leave the
// database locked. (Concurrent CREATE TABLE IF NOT EXISTS is not safe in
// Postgres, which is why bun's Init runs under it too.)
func (db *DB) withAdvisoryLock(ctx context.Context, fn func() error) error {
	conn, err := db.bun.Conn(ctx)
	if err != nil {
		return wrapErr("migrate: lock", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", pgMigrationLockKey); err != nil {
		return wrapErr("migrate: lock", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", pgMigrationLockKey)
	}()
	return fn()
}

// lockWithRetry takes bun's table lock, which fails at once when another
// process holds it, retrying with capped exponential backoff until ctx ends.
func lockWithRetry(ctx context.Context, m *migrate.Migrator) error {
	const maxBackoff = time.Second
	backoff := 10 * time.Millisecond
	for {
		err := m.Lock(ctx)
		if err == nil {
			return nil
		}
		if _, dup := uniqueViolation(err); !dup {
			return wrapErr("migrate: lock", err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return wrapErr("migrate: wait for lock", ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// loadMigrations builds bun migrations from the embedded SQL files of d.
func loadMigrations(d Dialect) (*migrate.Migrations, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("persistence: migrations: %w", err)
	}
	byID := map[string]*migrate.Migration{}
	var order []string
	for _, e := range entries {
		parts := migrationName.FindStringSubmatch(e.Name())
		if parts == nil {
			return nil, fmt.Errorf("persistence: migrations: bad file name %q", e.Name())
		}
		id, comment, direction := parts[1], parts[2], parts[3]
		mg, ok := byID[id]
		if !ok {
			mg = &migrate.Migration{Name: id, Comment: comment}
			byID[id] = mg
			order = append(order, id)
		}
		run := sqlFileMigration(path.Join(dir, e.Name()))
		if direction == "up" {
			mg.Up = run
		} else {
			mg.Down = run
		}
	}
	ms := migrate.NewMigrations()
	for _, id := range order {
		mg := byID[id]
		if mg.Up == nil || mg.Down == nil {
			return nil, fmt.Errorf("persistence: migrations: %s needs both an up and a down file", id)
		}
		ms.Add(*mg)
	}
	return ms, nil
}

// sqlFileMigration runs one embedded SQL file in a transaction. It replaces
// bun's own SQL-file runner, which (v1.2.16) returns nil when a statement
// fails, so that a broken migration would be marked applied; here a failure
// rolls the whole file back and is reported.
func sqlFileMigration(name string) func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
	return func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return err
		}
		return m.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, stmt := range splitStatements(string(body)) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", path.Base(name), err)
				}
			}
			return nil
		})
	}
}

// splitStatements cuts a migration file at semicolons that end a line. Our
// files keep semicolons out of strings and comments, so this is enough, and
// each driver then gets exactly one statement per call.
func splitStatements(body string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(body) {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			if s := strings.TrimSpace(cur.String()); s != ";" {
				out = append(out, strings.TrimSuffix(s, ";"))
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
