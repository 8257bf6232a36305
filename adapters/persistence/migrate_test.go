package persistence_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/adapters/persistence/persistencetest"
	"github.com/jarvis/jarvis-auth/application/auth"
)

func eachDialect(t *testing.T, fn func(t *testing.T, d persistence.Dialect)) {
	for _, d := range persistencetest.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// Replicas starting at once each open their own pool on one fresh database.
func TestMigrate_ConcurrentReplicas_AllSucceedAndApplyOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, d persistence.Dialect) {
		ctx := context.Background()
		url := persistencetest.NewDatabaseURL(t, d)
		const n = 8
		dbs := make([]*persistence.DB, n)
		for i := range dbs {
			db, err := persistence.Open(ctx, url)
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			dbs[i] = db
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = persistence.Migrate(ctx, dbs[i])
			})
		}
		close(start)
		wg.Wait()

		for _, err := range errs {
			assert.NoError(t, err)
		}
		var applied int
		require.NoError(t, dbs[0].Bun().NewRaw("SELECT count(*) FROM bun_migrations").Scan(ctx, &applied))
		status, err := persistence.MigrationStatus(ctx, dbs[0])
		require.NoError(t, err)
		assert.Equal(t, strings.Count(status, "\n"), applied, "each migration recorded once")
		assert.NotContains(t, status, "pending")
		for _, db := range dbs {
			assert.NoError(t, db.Ready(ctx))
		}
	})
}

func TestMigrate_SameHandleConcurrently_AllSucceed(t *testing.T) {
	eachDialect(t, func(t *testing.T, d persistence.Dialect) {
		db := persistencetest.OpenUnmigrated(t, d)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = persistence.Migrate(context.Background(), db) })
		}
		wg.Wait()
		for _, err := range errs {
			assert.NoError(t, err)
		}
	})
}

func TestReady_BeforeMigrate_ReturnsErrNotMigrated_AfterMigrate_ReturnsNil(t *testing.T) {
	eachDialect(t, func(t *testing.T, d persistence.Dialect) {
		ctx := context.Background()
		db := persistencetest.OpenUnmigrated(t, d)

		err := db.Ready(ctx)
		assert.ErrorIs(t, err, persistence.ErrNotMigrated)
		assert.NotErrorIs(t, err, auth.ErrUnavailable)

		require.NoError(t, persistence.Migrate(ctx, db))
		assert.NoError(t, db.Ready(ctx))
	})
}

func TestRollback_ThenMigrate_RestoresSchema(t *testing.T) {
	eachDialect(t, func(t *testing.T, d persistence.Dialect) {
		ctx := context.Background()
		db := persistencetest.Open(t, d)

		require.NoError(t, persistence.Rollback(ctx, db))
		assert.ErrorIs(t, db.Ready(ctx), persistence.ErrNotMigrated)
		status, err := persistence.MigrationStatus(ctx, db)
		require.NoError(t, err)
		assert.Contains(t, status, "pending 20260101000001_initial_schema")

		require.NoError(t, persistence.Migrate(ctx, db))
		require.NoError(t, db.Ready(ctx))
		r := newRepos(db)
		r.createUser(t, "alice@example.com", "alice")
	})
}

func TestReady_ClosedPool_ReturnsErrUnavailable(t *testing.T) {
	eachDialect(t, func(t *testing.T, d persistence.Dialect) {
		db := persistencetest.Open(t, d)
		require.NoError(t, db.Close())

		assert.ErrorIs(t, db.Ready(context.Background()), auth.ErrUnavailable)
		_, err := newRepos(db).users.ByID(context.Background(), 1)
		assert.ErrorIs(t, err, auth.ErrUnavailable)
	})
}

func TestOpen_UnreachablePostgres_ReturnsErrUnavailable(t *testing.T) {
	// Port 1 on loopback refuses connections at once; no server runs there.
	_, err := persistence.Open(context.Background(), "postgres://u:hunter22@127.0.0.1:1/app?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	assert.ErrorIs(t, err, auth.ErrUnavailable)
	assert.NotContains(t, err.Error(), "hunter22")
}

func TestOpen_InMemorySQLite_AllCallersShareOneDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := persistence.Open(ctx, "sqlite://")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, persistence.Migrate(ctx, db))
	r := newRepos(db)
	u := r.createUser(t, "alice@example.com", "alice")

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := r.users.ByID(ctx, u.ID)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.NoError(t, db.Ready(ctx))
}

func TestOpen_SQLite_EnablesWALAndForeignKeysOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	db := persistencetest.Open(t, persistence.SQLite)
	// Connections are held until cleanup, so each iteration checks a new one.
	for range 3 {
		conn, err := db.Bun().Conn(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		var mode string
		var fk, busy int
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
		assert.Equal(t, "wal", mode)
		assert.Equal(t, 1, fk)
		assert.Equal(t, 5000, busy)
	}
	assert.Equal(t, 8, db.Stats().MaxOpenConnections)
}
