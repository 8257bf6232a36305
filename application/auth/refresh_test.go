package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/application/auth/authtest"
	"github.com/jarvis/jarvis-auth/domain/session"
)

func refresh(f *authtest.Fixture, tok string) (auth.TokenPair, error) {
	return f.Refresh.Execute(context.Background(), auth.RefreshInput{RefreshToken: tok})
}

func sidOf(t *testing.T, f *authtest.Fixture, access string) session.ID {
	t.Helper()
	c, err := f.Access.Claims(access)
	require.NoError(t, err)
	return c.SessionID
}

func TestRefresh_UnusedToken_RotatesWithinSession(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "ann@example.com", "password1")
	f.Clock.Advance(time.Hour)

	out, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)
	assert.NotEqual(t, reg.Tokens.RefreshToken, out.RefreshToken)
	assert.NotEqual(t, reg.Tokens.AccessToken, out.AccessToken)
	sid := sidOf(t, f, out.AccessToken)
	assert.Equal(t, sidOf(t, f, reg.Tokens.AccessToken), sid, "same session")

	toks := f.Store.Tokens(sid)
	require.Len(t, toks, 2)
	assert.NotNil(t, toks[0].UsedAt, "the presented token is marked used")
	assert.Equal(t, &toks[0].ID, toks[1].ParentID)
	assert.Equal(t, f.Clock.Now().Add(f.Policy.TokenTTL), toks[1].ExpiresAt, "expiry slides with each rotation")
	assert.Equal(t, []string{"rotated"}, f.Observer.Outcomes("refresh"))
}

func TestRefresh_ReplayOfUnreceivedSuccessor_ReturnsSameToken(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "ben@example.com", "password1")
	first, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)

	// Long after the grace window: the successor was never used, so the
	// client evidently never got it.
	f.Clock.Advance(time.Hour)
	again, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, first.RefreshToken, again.RefreshToken)
	assert.Len(t, f.Store.Tokens(sidOf(t, f, again.AccessToken)), 2, "no new row")
	assert.Equal(t, []string{"rotated", "replay_successor"}, f.Observer.Outcomes("refresh"))
}

func TestRefresh_ReplayWithinGrace_ReturnsSessionsCurrentToken(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "cat@example.com", "password1")
	second, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)
	third, err := refresh(f, second.RefreshToken)
	require.NoError(t, err)

	f.Clock.Advance(f.Policy.ReuseGrace)
	again, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, third.RefreshToken, again.RefreshToken)
	assert.Equal(t, []string{"rotated", "rotated", "replay_grace"}, f.Observer.Outcomes("refresh"))
}

func TestRefresh_ReuseAfterGrace_RevokesSession(t *testing.T) {
	tests := []struct {
		name          string
		revokeOnReuse bool
		grace         time.Duration
		advance       time.Duration
	}{
		{"after the grace window", true, 10 * time.Second, 11 * time.Second},
		{"grace disabled", true, 0, 0},
		{"revocation turned off", false, 10 * time.Second, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := authtest.DefaultPolicy()
			p.ReuseGrace, p.RevokeOnReuse = tc.grace, tc.revokeOnReuse
			f := authtest.NewFixture(p)
			reg := registered(t, f, "dan@example.com", "password1")
			second, err := refresh(f, reg.Tokens.RefreshToken)
			require.NoError(t, err)
			third, err := refresh(f, second.RefreshToken)
			require.NoError(t, err)

			f.Clock.Advance(tc.advance)
			_, err = refresh(f, reg.Tokens.RefreshToken)
			assert.ErrorIs(t, err, session.ErrTokenReused)
			assert.Contains(t, f.Observer.Outcomes("refresh"), "reused")

			_, err = refresh(f, third.RefreshToken)
			if tc.revokeOnReuse {
				assert.ErrorIs(t, err, session.ErrInvalidToken, "the whole session is revoked")
				_, err = f.Me.Execute(context.Background(), third.AccessToken)
				assert.ErrorIs(t, err, auth.ErrInvalidAccessToken)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

func TestRefresh_InvalidTokens_ReturnErrInvalidToken(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *authtest.Fixture, reg auth.RegisterOutput) string
	}{
		{"malformed", func(*authtest.Fixture, auth.RegisterOutput) string { return "garbage" }},
		{"unknown", func(*authtest.Fixture, auth.RegisterOutput) string { return "rt-999" }},
		{"expired per token", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Clock.Advance(f.Policy.TokenTTL)
			return reg.Tokens.RefreshToken
		}},
		{"session past its absolute age", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			tok := reg.Tokens.RefreshToken
			for f.Clock.Now().Before(f.Store.Session(sidOf(t, f, reg.Tokens.AccessToken)).ExpiresAt) {
				f.Clock.Advance(6 * 24 * time.Hour)
				out, err := refresh(f, tok)
				if err != nil {
					break
				}
				tok = out.RefreshToken
			}
			return tok
		}},
		{"logged out", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			require.NoError(t, f.Logout.Execute(context.Background(), auth.LogoutInput{RefreshToken: reg.Tokens.RefreshToken}))
			return reg.Tokens.RefreshToken
		}},
		{"inactive user", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Store.SetActive(reg.User.ID, false)
			return reg.Tokens.RefreshToken
		}},
		{"deleted user", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Store.DeleteUser(reg.User.ID)
			return reg.Tokens.RefreshToken
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := authtest.NewFixture(authtest.DefaultPolicy())
			reg := registered(t, f, "eve@example.com", "password1")
			_, err := refresh(f, tc.setup(f, reg))
			assert.ErrorIs(t, err, session.ErrInvalidToken)
		})
	}
}

func TestRefresh_SuccessorNeverOutlivesSession(t *testing.T) {
	p := authtest.DefaultPolicy()
	p.MaxAge = 8 * 24 * time.Hour
	f := authtest.NewFixture(p)
	reg := registered(t, f, "fay@example.com", "password1")
	f.Clock.Advance(5 * 24 * time.Hour)
	out, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)
	sid := sidOf(t, f, out.AccessToken)
	toks := f.Store.Tokens(sid)
	assert.Equal(t, f.Store.Session(sid).ExpiresAt, toks[1].ExpiresAt)
}

func TestRefresh_EmptyToken_IsValidationError(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	_, err := refresh(f, "  ")
	assert.Equal(t, []string{"refresh_token"}, fieldsOf(t, err))
}

func TestRefresh_ConcurrentPresentations_AllGetOneSuccessor(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "gil@example.com", "password1")

	const n = 32
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := refresh(f, reg.Tokens.RefreshToken)
			got[i], errs[i] = out.RefreshToken, err
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, got[0], got[i])
	}
	assert.Len(t, f.Store.Tokens(sidOf(t, f, reg.Tokens.AccessToken)), 2)
}

func TestRefresh_StoreError_IsWrappedNotInvalid(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "hil@example.com", "password1")
	f.Store.FailNext = auth.ErrUnavailable
	_, err := refresh(f, reg.Tokens.RefreshToken)
	assert.ErrorIs(t, err, auth.ErrUnavailable)
	assert.NotErrorIs(t, err, session.ErrInvalidToken)
}
