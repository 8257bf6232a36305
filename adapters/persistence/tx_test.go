package persistence_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/adapters/persistence/persistencetest"
	"github.com/jarvis/jarvis-auth/domain/user"
)

func TestWithinTx_FnSucceeds_Commits(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		var created user.User
		err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
			var err error
			created, err = r.users.Create(ctx, user.New("alice@example.com", "alice", "h", now))
			if err != nil {
				return err
			}
			// Reads in the transaction see its own writes.
			_, err = r.users.ByID(ctx, created.ID)
			return err
		})
		require.NoError(t, err)

		_, err = r.users.ByID(ctx, created.ID)
		assert.NoError(t, err)
	})
}

func TestWithinTx_FnFails_RollsBackAndReturnsFnError(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		errBoom := errors.New("boom")
		err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
			_, err := r.users.Create(ctx, user.New("alice@example.com", "alice", "h", now))
			require.NoError(t, err)
			return errBoom
		})
		assert.Same(t, errBoom, err)

		_, err = r.users.ByEmail(ctx, "alice@example.com")
		assert.ErrorIs(t, err, user.ErrNotFound)
	})
}

func TestWithinTx_FnPanics_RollsBack(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		assert.Panics(t, func() {
			_ = r.tx.WithinTx(ctx, func(ctx context.Context) error {
				_, err := r.users.Create(ctx, user.New("alice@example.com", "alice", "h", now))
				require.NoError(t, err)
				panic("boom")
			})
		})

		_, err := r.users.ByEmail(ctx, "alice@example.com")
		assert.ErrorIs(t, err, user.ErrNotFound)
	})
}

func TestWithinTx_Nested_JoinsOuterTransaction(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		errOuter := errors.New("outer fails")
		err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
			require.NoError(t, r.tx.WithinTx(ctx, func(ctx context.Context) error {
				_, err := r.users.Create(ctx, user.New("alice@example.com", "alice", "h", now))
				return err
			}))
			return errOuter
		})
		require.ErrorIs(t, err, errOuter)

		_, err = r.users.ByEmail(ctx, "alice@example.com")
		assert.ErrorIs(t, err, user.ErrNotFound, "the outer rollback undoes the inner work")
	})
}

// A read followed by a write in one transaction is the shape that fails with
// SQLITE_BUSY on lock upgrade unless transactions take the write lock up front.
func TestWithinTx_ConcurrentReadModifyWrite_NeitherFailsNorLosesUpdates(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		u := r.createUser(t, "alice@example.com", "alice")
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = r.tx.WithinTx(ctx, func(ctx context.Context) error {
					got, err := r.users.ByID(ctx, u.ID)
					if err != nil {
						return err
					}
					return r.users.UpdatePasswordHash(ctx, u.ID, fmt.Sprintf("%s+%d", got.PasswordHash, i), now)
				})
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		if db.Dialect() == persistence.SQLite {
			// BEGIN IMMEDIATE serialises whole transactions, so every append survives.
			got, err := r.users.ByID(ctx, u.ID)
			require.NoError(t, err)
			assert.Len(t, got.PasswordHash, len("$2b$12$hash")+n*2+countTwoDigit(n))
		}
	})
}

// countTwoDigit is how many of 0..n-1 take two digits.
func countTwoDigit(n int) int { return max(0, n-10) }
