package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/application/auth/authtest"
	"github.com/jarvis/jarvis-auth/domain/user"
)

func registered(t *testing.T, f *authtest.Fixture, email, password string) auth.RegisterOutput {
	t.Helper()
	out, err := f.Register.Execute(context.Background(), auth.RegisterInput{Email: email, Password: password})
	require.NoError(t, err)
	return out
}

func TestLogin_CorrectPasswordAnyEmailCase_ReturnsTokensAndNewSession(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "carol@example.com", "password1")

	out, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: " CAROL@example.com", Password: "password1"})
	require.NoError(t, err)
	assert.Equal(t, reg.User.ID, out.User.ID)
	assert.NotEqual(t, reg.Tokens.RefreshToken, out.Tokens.RefreshToken)
	c1, _ := f.Access.Verify(reg.Tokens.AccessToken, f.Clock.Now())
	c2, _ := f.Access.Verify(out.Tokens.AccessToken, f.Clock.Now())
	assert.NotEqual(t, c1.SessionID, c2.SessionID, "each login starts its own session")
	assert.Equal(t, []string{"success"}, f.Observer.Outcomes("login"))
}

func TestLogin_Refusals(t *testing.T) {
	tests := []struct {
		name     string
		email    string
		password string
		want     error
		verifies int64
	}{
		{"wrong password", "dave@example.com", "password2", user.ErrInvalidCredentials, 1},
		{"unknown email costs one comparison", "nobody@example.com", "password1", user.ErrInvalidCredentials, 1},
		{"password over 72 bytes is never truncated", "dave@example.com", "password1" + strings.Repeat("x", 70), user.ErrInvalidCredentials, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := authtest.NewFixture(authtest.DefaultPolicy())
			registered(t, f, "dave@example.com", "password1")
			_, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: tc.email, Password: tc.password})
			assert.ErrorIs(t, err, tc.want)
			assert.Equal(t, tc.verifies, f.Hasher.Verifies.Load())
			assert.Equal(t, []string{"invalid_credentials"}, f.Observer.Outcomes("login"))
		})
	}
}

func TestLogin_InvalidInput_ReturnsValidationError(t *testing.T) {
	tests := []struct {
		name  string
		in    auth.LoginInput
		field string
	}{
		{"malformed email", auth.LoginInput{Email: "not-an-email", Password: "password1"}, "email"},
		{"empty password", auth.LoginInput{Email: "a@b.co", Password: ""}, "password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := authtest.NewFixture(authtest.DefaultPolicy())
			_, err := f.Login.Execute(context.Background(), tc.in)
			assert.Equal(t, []string{tc.field}, fieldsOf(t, err))
		})
	}
}

func TestLogin_InactiveUserWithRightPassword_ReturnsErrInactive(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "erin@example.com", "password1")
	f.Store.SetActive(reg.User.ID, false)

	_, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: "erin@example.com", Password: "password1"})
	assert.ErrorIs(t, err, user.ErrInactive)

	_, err = f.Login.Execute(context.Background(), auth.LoginInput{Email: "erin@example.com", Password: "wrong-password"})
	assert.ErrorIs(t, err, user.ErrInvalidCredentials, "a wrong password never reveals that the account is inactive")
}

func TestLogin_HashBelowConfiguredCost_IsRehashed(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "finn@example.com", "password1")
	require.NoError(t, f.Store.UpdatePasswordHash(context.Background(), reg.User.ID, authtest.HashAt(10, "password1"), f.Clock.Now()))

	_, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: "finn@example.com", Password: "password1"})
	require.NoError(t, err)
	assert.Equal(t, authtest.HashAt(12, "password1"), f.Store.User(reg.User.ID).PasswordHash)
	assert.Equal(t, []string{"success"}, f.Observer.Outcomes("rehash"))
}

func TestLogin_LegacyShortPasswordBelowCost_LogsInWithoutRehash(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "gus@example.com", "password1")
	legacy := authtest.HashAt(10, "short")
	require.NoError(t, f.Store.UpdatePasswordHash(context.Background(), reg.User.ID, legacy, f.Clock.Now()))

	_, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: "gus@example.com", Password: "short"})
	require.NoError(t, err)
	assert.Equal(t, legacy, f.Store.User(reg.User.ID).PasswordHash)
}

func TestLogin_HasherOverloaded_ReturnsErrOverloaded(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	registered(t, f, "hal@example.com", "password1")
	f.Hasher.Err = auth.ErrOverloaded
	for _, email := range []string{"hal@example.com", "ghost@example.com"} {
		_, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: email, Password: "password1"})
		assert.ErrorIs(t, err, auth.ErrOverloaded, email)
	}
}
