package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/application/auth/authtest"
	"github.com/jarvis/jarvis-auth/domain/user"
)

func TestMe_ValidToken_ReturnsUser(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "ida@example.com", "password1")
	u, err := f.Me.Execute(context.Background(), reg.Tokens.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, reg.User, u)
}

func TestMe_Refusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *authtest.Fixture, reg auth.RegisterOutput) string
		want  error
	}{
		{"garbage token", func(*authtest.Fixture, auth.RegisterOutput) string { return "nope" }, auth.ErrInvalidAccessToken},
		{"expired token", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Clock.Advance(f.Access.TTL)
			return reg.Tokens.AccessToken
		}, auth.ErrInvalidAccessToken},
		{"deleted user", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Store.DeleteUser(reg.User.ID)
			return reg.Tokens.AccessToken
		}, auth.ErrInvalidAccessToken},
		{"logged out session", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			require.NoError(t, f.Logout.Execute(context.Background(), auth.LogoutInput{RefreshToken: reg.Tokens.RefreshToken}))
			return reg.Tokens.AccessToken
		}, auth.ErrInvalidAccessToken},
		{"session past its absolute age", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Clock.Advance(f.Policy.MaxAge)
			tok, _, err := f.Access.Issue(reg.User.ID, reg.User.Email, sidOf(t, f, reg.Tokens.AccessToken), f.Clock.Now())
			require.NoError(t, err)
			return tok
		}, auth.ErrInvalidAccessToken},
		{"session of another user", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			other := registered(t, f, "other@example.com", "password1")
			tok, _, err := f.Access.Issue(reg.User.ID, reg.User.Email, sidOf(t, f, other.Tokens.AccessToken), f.Clock.Now())
			require.NoError(t, err)
			return tok
		}, auth.ErrInvalidAccessToken},
		{"inactive user", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Store.SetActive(reg.User.ID, false)
			return reg.Tokens.AccessToken
		}, user.ErrInactive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := authtest.NewFixture(authtest.DefaultPolicy())
			reg := registered(t, f, "jan@example.com", "password1")
			_, err := f.Me.Execute(context.Background(), tc.setup(f, reg))
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestLogout_RevokesWholeSessionOnly(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "kim@example.com", "password1")
	other, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: "kim@example.com", Password: "password1"})
	require.NoError(t, err)
	rotated, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)

	// Logging out with an older token of the chain ends the session too.
	require.NoError(t, f.Logout.Execute(context.Background(), auth.LogoutInput{RefreshToken: reg.Tokens.RefreshToken}))
	_, err = refresh(f, rotated.RefreshToken)
	assert.Error(t, err)
	_, err = f.Me.Execute(context.Background(), rotated.AccessToken)
	assert.ErrorIs(t, err, auth.ErrInvalidAccessToken)
	for _, tok := range f.Store.Tokens(sidOf(t, f, rotated.AccessToken)) {
		assert.True(t, tok.Revoked)
	}

	_, err = f.Me.Execute(context.Background(), other.Tokens.AccessToken)
	assert.NoError(t, err, "another session of the same user stays signed in")
}

func TestLogout_AnyWellFormedBody_Succeeds(t *testing.T) {
	tests := []struct {
		name  string
		token func(f *authtest.Fixture, reg auth.RegisterOutput) string
	}{
		{"garbage", func(*authtest.Fixture, auth.RegisterOutput) string { return "garbage" }},
		{"unknown", func(*authtest.Fixture, auth.RegisterOutput) string { return "rt-12345" }},
		{"expired", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			f.Clock.Advance(365 * 24 * time.Hour)
			return reg.Tokens.RefreshToken
		}},
		{"already revoked", func(f *authtest.Fixture, reg auth.RegisterOutput) string {
			require.NoError(t, f.Logout.Execute(context.Background(), auth.LogoutInput{RefreshToken: reg.Tokens.RefreshToken}))
			return reg.Tokens.RefreshToken
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := authtest.NewFixture(authtest.DefaultPolicy())
			reg := registered(t, f, "lee@example.com", "password1")
			assert.NoError(t, f.Logout.Execute(context.Background(), auth.LogoutInput{RefreshToken: tc.token(f, reg)}))
		})
	}
}

func TestLogout_EmptyToken_IsValidationError(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	err := f.Logout.Execute(context.Background(), auth.LogoutInput{})
	assert.Equal(t, []string{"refresh_token"}, fieldsOf(t, err))
}

func TestLogout_StoreError_IsReturned(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "mo@example.com", "password1")
	f.Store.FailNext = auth.ErrUnavailable
	err := f.Logout.Execute(context.Background(), auth.LogoutInput{RefreshToken: reg.Tokens.RefreshToken})
	assert.ErrorIs(t, err, auth.ErrUnavailable)
}
