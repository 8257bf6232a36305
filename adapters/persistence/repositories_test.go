package persistence_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/adapters/persistence/persistencetest"
	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// now is a fixed instant with sub-second precision, to check that times
// survive a round trip (microseconds: Postgres keeps no more).
var now = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

var policy = session.Policy{TokenTTL: 7 * 24 * time.Hour, MaxAge: 30 * 24 * time.Hour}

type repos struct {
	db       *persistence.DB
	users    *persistence.UserRepository
	sessions *persistence.SessionRepository
	tokens   *persistence.RefreshTokenRepository
	tx       *persistence.Transactor
}

func newRepos(db *persistence.DB) repos {
	return repos{
		db:       db,
		users:    persistence.NewUserRepository(db),
		sessions: persistence.NewSessionRepository(db),
		tokens:   persistence.NewRefreshTokenRepository(db),
		tx:       persistence.NewTransactor(db),
	}
}

func (r repos) createUser(t *testing.T, email, username string) user.User {
	t.Helper()
	u, err := r.users.Create(context.Background(), user.New(user.Email(email), user.Username(username), "$2b$12$hash", now))
	require.NoError(t, err)
	return u
}

func (r repos) createSession(t *testing.T, u user.User) session.Session {
	t.Helper()
	s, err := r.sessions.Create(context.Background(), policy.Start(u.ID, now))
	require.NoError(t, err)
	return s
}

func (r repos) insertToken(t *testing.T, s session.Session, hash string, parent *session.TokenID) session.RefreshToken {
	t.Helper()
	tok, err := r.tokens.Insert(context.Background(), policy.Issue(s, hash, parent, now))
	require.NoError(t, err)
	return tok
}

func hashOf(n int) string { return fmt.Sprintf("%064x", n) }

func TestUsers_Create_ThenByIDAndByEmail_ReturnTheStoredUser(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		created := r.createUser(t, "alice@example.com", "Alice")
		require.NotZero(t, created.ID)

		byID, err := r.users.ByID(ctx, created.ID)
		require.NoError(t, err)
		byEmail, err := r.users.ByEmail(ctx, "alice@example.com")
		require.NoError(t, err)

		want := user.User{ID: created.ID, Email: "alice@example.com", Username: "Alice", PasswordHash: "$2b$12$hash", IsActive: true, CreatedAt: now, UpdatedAt: now}
		assert.Equal(t, want, created)
		assert.Equal(t, want, byID)
		assert.Equal(t, want, byEmail)
		assert.Equal(t, time.UTC, byID.CreatedAt.Location())
	})
}

func TestUsers_Create_AssignsIncreasingIDs(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		a := r.createUser(t, "a@example.com", "aaa")
		b := r.createUser(t, "b@example.com", "bbb")
		assert.Greater(t, b.ID, a.ID)
	})
}

func TestUsers_Create_Duplicates_ReturnDomainErrors(t *testing.T) {
	tests := []struct {
		name     string
		email    string
		username string
		want     error
	}{
		{"same email", "alice@example.com", "other", user.ErrEmailTaken},
		{"duplicate email different case", "ALICE@Example.com", "other", user.ErrEmailTaken},
		{"same username", "other@example.com", "Alice", user.ErrUsernameTaken},
		{"duplicate username different case", "other@example.com", "aLiCe", user.ErrUsernameTaken},
	}
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		r.createUser(t, "alice@example.com", "Alice")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := r.users.Create(context.Background(), user.New(user.Email(tt.email), user.Username(tt.username), "h", now))
				assert.ErrorIs(t, err, tt.want)
				assert.NotContains(t, err.Error(), tt.email, "an error message must not carry an email")
			})
		}
	})
}

func TestUsers_ByEmail_ComparesCaseInsensitively(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		// A row adopted from the Python service may hold mixed case.
		_, err := db.Bun().NewRaw("INSERT INTO users (email, username, password_hash, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			"Bob@Example.COM", "bob", "h", true, now, now).Exec(context.Background())
		require.NoError(t, err)

		got, err := r.users.ByEmail(context.Background(), "bob@example.com")
		require.NoError(t, err)
		assert.Equal(t, user.Username("bob"), got.Username)
	})
}

func TestUsers_Lookups_Unknown_ReturnErrNotFound(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		_, err := r.users.ByID(ctx, 999)
		assert.ErrorIs(t, err, user.ErrNotFound)
		_, err = r.users.ByEmail(ctx, "nobody@example.com")
		assert.ErrorIs(t, err, user.ErrNotFound)
		assert.ErrorIs(t, r.users.UpdatePasswordHash(ctx, 999, "h", now), user.ErrNotFound)
	})
}

func TestUsers_UpdatePasswordHash_ReplacesHashAndUpdatedAt(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		u := r.createUser(t, "alice@example.com", "alice")
		later := now.Add(time.Hour)

		require.NoError(t, r.users.UpdatePasswordHash(ctx, u.ID, "$2b$14$new", later))

		got, err := r.users.ByID(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "$2b$14$new", got.PasswordHash)
		assert.Equal(t, later, got.UpdatedAt)
		assert.Equal(t, now, got.CreatedAt)
	})
}

func TestUsers_Create_SameEmailConcurrently_ExactlyOneSucceeds(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = r.users.Create(context.Background(),
					user.New("race@example.com", user.Username(fmt.Sprintf("racer%d", i)), "h", now))
			})
		}
		close(start)
		wg.Wait()

		ok, taken := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case assert.ErrorIs(t, err, user.ErrEmailTaken):
				taken++
			}
		}
		assert.Equal(t, 1, ok)
		assert.Equal(t, n-1, taken)
	})
}

func TestUsers_Create_InTransactionAfterDuplicate_TransactionStaysUsable(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		r.createUser(t, "taken@example.com", "taken")
		var created user.User
		err := r.tx.WithinTx(context.Background(), func(ctx context.Context) error {
			_, err := r.users.Create(ctx, user.New("new@example.com", "taken", "h", now))
			require.ErrorIs(t, err, user.ErrUsernameTaken)
			// A registration retries a derived username in the same transaction.
			created, err = r.users.Create(ctx, user.New("new@example.com", "taken1", "h", now))
			return err
		})
		require.NoError(t, err)

		got, err := r.users.ByEmail(context.Background(), "new@example.com")
		require.NoError(t, err)
		assert.Equal(t, created.ID, got.ID)
	})
}

func TestSessions_CreateAndByID_RoundTrip(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		u := r.createUser(t, "alice@example.com", "alice")
		s := r.createSession(t, u)
		require.NotZero(t, s.ID)

		got, err := r.sessions.ByID(context.Background(), s.ID)
		require.NoError(t, err)
		assert.Equal(t, session.Session{ID: s.ID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(policy.MaxAge)}, got)
	})
}

func TestSessions_ByID_Unknown_ReturnsErrNotFound(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		_, err := newRepos(db).sessions.ByID(context.Background(), 12345)
		assert.ErrorIs(t, err, session.ErrNotFound)
	})
}

func TestSessions_Revoke_EndsSessionAndRevokesItsTokensOnly(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		u := r.createUser(t, "alice@example.com", "alice")
		s := r.createSession(t, u)
		other := r.createSession(t, u)
		first := r.insertToken(t, s, hashOf(1), nil)
		r.insertToken(t, s, hashOf(2), &first.ID)
		r.insertToken(t, other, hashOf(3), nil)
		at := now.Add(time.Minute)

		require.NoError(t, r.sessions.Revoke(ctx, s.ID, at))

		got, err := r.sessions.ByID(ctx, s.ID)
		require.NoError(t, err)
		require.NotNil(t, got.RevokedAt)
		assert.Equal(t, at, *got.RevokedAt)
		assert.False(t, got.Active(at))
		for _, h := range []string{hashOf(1), hashOf(2)} {
			tok, err := r.tokens.ByHash(ctx, h)
			require.NoError(t, err)
			assert.True(t, tok.Revoked)
		}
		untouched, err := r.tokens.ByHash(ctx, hashOf(3))
		require.NoError(t, err)
		assert.False(t, untouched.Revoked)
		o, err := r.sessions.ByID(ctx, other.ID)
		require.NoError(t, err)
		assert.Nil(t, o.RevokedAt)
	})
}

func TestSessions_Revoke_Twice_KeepsFirstRevocationTime(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		s := r.createSession(t, r.createUser(t, "alice@example.com", "alice"))
		first := now.Add(time.Minute)

		require.NoError(t, r.sessions.Revoke(ctx, s.ID, first))
		require.NoError(t, r.sessions.Revoke(ctx, s.ID, first.Add(time.Hour)))

		got, err := r.sessions.ByID(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, first, *got.RevokedAt)
	})
}

func TestSessions_Revoke_Unknown_ReturnsErrNotFound(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		err := newRepos(db).sessions.Revoke(context.Background(), 777, now)
		assert.ErrorIs(t, err, session.ErrNotFound)
	})
}

func TestSessions_Revoke_InsideRolledBackTransaction_IsUndone(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		s := r.createSession(t, r.createUser(t, "alice@example.com", "alice"))
		r.insertToken(t, s, hashOf(1), nil)
		errAbort := fmt.Errorf("abort")

		err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
			require.NoError(t, r.sessions.Revoke(ctx, s.ID, now))
			return errAbort
		})
		require.ErrorIs(t, err, errAbort)

		got, err := r.sessions.ByID(ctx, s.ID)
		require.NoError(t, err)
		assert.Nil(t, got.RevokedAt)
		tok, err := r.tokens.ByHash(ctx, hashOf(1))
		require.NoError(t, err)
		assert.False(t, tok.Revoked)
	})
}

func TestRefreshTokens_Insert_ThenByHash_RoundTrip(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		u := r.createUser(t, "alice@example.com", "alice")
		s := r.createSession(t, u)
		parent := r.insertToken(t, s, hashOf(1), nil)
		child := r.insertToken(t, s, hashOf(2), &parent.ID)

		got, err := r.tokens.ByHash(context.Background(), hashOf(2))
		require.NoError(t, err)
		want := session.RefreshToken{
			ID: child.ID, SessionID: s.ID, UserID: u.ID, ParentID: &parent.ID, Hash: hashOf(2),
			CreatedAt: now, ExpiresAt: now.Add(policy.TokenTTL),
		}
		assert.Equal(t, want, got)
		assert.Equal(t, want, child)
		assert.Nil(t, parent.ParentID)
	})
}

func TestRefreshTokens_Insert_ExistingHash_ReturnsStoredRowUnchanged(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		s := r.createSession(t, r.createUser(t, "alice@example.com", "alice"))
		first := r.insertToken(t, s, hashOf(1), nil)

		again, err := r.tokens.Insert(context.Background(), policy.Issue(s, hashOf(1), nil, now.Add(time.Hour)))
		require.NoError(t, err)
		assert.Equal(t, first, again)
	})
}

func TestRefreshTokens_Insert_SameHashConcurrently_OneRowSameID(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		s := r.createSession(t, r.createUser(t, "alice@example.com", "alice"))
		const n = 16
		ids := make([]session.TokenID, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				tok, err := r.tokens.Insert(context.Background(), policy.Issue(s, hashOf(42), nil, now))
				ids[i], errs[i] = tok.ID, err
			})
		}
		close(start)
		wg.Wait()

		for i := range n {
			require.NoError(t, errs[i])
			assert.Equal(t, ids[0], ids[i])
		}
		var count int
		require.NoError(t, db.Bun().NewRaw("SELECT count(*) FROM refresh_tokens WHERE token_hash = ?", hashOf(42)).Scan(context.Background(), &count))
		assert.Equal(t, 1, count)
	})
}

func TestRefreshTokens_MarkUsed_OnlyFirstCallWins(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		s := r.createSession(t, r.createUser(t, "alice@example.com", "alice"))
		tok := r.insertToken(t, s, hashOf(1), nil)
		usedAt := now.Add(time.Second)

		won, err := r.tokens.MarkUsed(ctx, tok.ID, usedAt)
		require.NoError(t, err)
		assert.True(t, won)
		won, err = r.tokens.MarkUsed(ctx, tok.ID, usedAt.Add(time.Second))
		require.NoError(t, err)
		assert.False(t, won)

		got, err := r.tokens.ByHash(ctx, hashOf(1))
		require.NoError(t, err)
		require.NotNil(t, got.UsedAt)
		assert.Equal(t, usedAt, *got.UsedAt)
	})
}

func TestRefreshTokens_MarkUsed_Concurrently_ExactlyOneWins(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		s := r.createSession(t, r.createUser(t, "alice@example.com", "alice"))
		tok := r.insertToken(t, s, hashOf(1), nil)
		const n = 16
		won := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				won[i], errs[i] = r.tokens.MarkUsed(context.Background(), tok.ID, now)
			})
		}
		close(start)
		wg.Wait()

		winners := 0
		for i := range n {
			require.NoError(t, errs[i])
			if won[i] {
				winners++
			}
		}
		assert.Equal(t, 1, winners)
	})
}

func TestRefreshTokens_Latest_ReturnsNewestTokenOfTheSession(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		u := r.createUser(t, "alice@example.com", "alice")
		s := r.createSession(t, u)
		other := r.createSession(t, u)
		first := r.insertToken(t, s, hashOf(1), nil)
		second := r.insertToken(t, s, hashOf(2), &first.ID)
		r.insertToken(t, other, hashOf(3), nil)

		got, err := r.tokens.Latest(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, second.ID, got.ID)

		_, err = r.tokens.Latest(ctx, 999)
		assert.ErrorIs(t, err, session.ErrNotFound)
	})
}

func TestRefreshTokens_Lookups_Unknown_ReturnErrNotFound(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		_, err := r.tokens.ByHash(context.Background(), hashOf(404))
		assert.ErrorIs(t, err, session.ErrNotFound)
		won, err := r.tokens.MarkUsed(context.Background(), 404, now)
		require.NoError(t, err)
		assert.False(t, won)
	})
}

func TestDeleteUser_CascadesToSessionsAndTokens(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		u := r.createUser(t, "alice@example.com", "alice")
		s := r.createSession(t, u)
		first := r.insertToken(t, s, hashOf(1), nil)
		r.insertToken(t, s, hashOf(2), &first.ID)

		_, err := db.Bun().NewRaw("DELETE FROM users WHERE id = ?", int64(u.ID)).Exec(ctx)
		require.NoError(t, err)

		_, err = r.sessions.ByID(ctx, s.ID)
		assert.ErrorIs(t, err, session.ErrNotFound)
		_, err = r.tokens.ByHash(ctx, hashOf(2))
		assert.ErrorIs(t, err, session.ErrNotFound)
	})
}

func TestRefreshTokens_Insert_UnknownSession_IsRefusedByForeignKey(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		u := r.createUser(t, "alice@example.com", "alice")
		_, err := r.tokens.Insert(context.Background(), policy.Issue(session.Session{ID: 999, UserID: u.ID, ExpiresAt: now.Add(time.Hour)}, hashOf(1), nil, now))
		assert.Error(t, err)
	})
}

func TestRepositories_NanosecondTimes_CreateResultEqualsLaterRead(t *testing.T) {
	persistencetest.Each(t, func(t *testing.T, db *persistence.DB) {
		r := newRepos(db)
		ctx := context.Background()
		nano := time.Date(2026, 3, 14, 15, 9, 26, 123456789, time.FixedZone("CET", 3600))
		created, err := r.users.Create(ctx, user.New("nano@example.com", "nano", "h", nano))
		require.NoError(t, err)
		read, err := r.users.ByID(ctx, created.ID)
		require.NoError(t, err)
		assert.Equal(t, created, read)

		s, err := r.sessions.Create(ctx, policy.Start(created.ID, nano))
		require.NoError(t, err)
		readS, err := r.sessions.ByID(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, s, readS)

		tok, err := r.tokens.Insert(ctx, policy.Issue(s, hashOf(7), nil, nano))
		require.NoError(t, err)
		readT, err := r.tokens.ByHash(ctx, hashOf(7))
		require.NoError(t, err)
		assert.Equal(t, tok, readT)
	})
}
