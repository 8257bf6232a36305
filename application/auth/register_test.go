package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/application/auth/authtest"
	"github.com/jarvis/jarvis-auth/domain/user"
)

func ptr(s string) *string { return &s }

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var v *user.ValidationError
	require.ErrorAs(t, err, &v)
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestRegister_ValidInput_CreatesActiveUserAndSession(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	out, err := f.Register.Execute(context.Background(), auth.RegisterInput{Email: "  Alice@Example.COM ", Username: ptr("Alice"), Password: "correct horse"})
	require.NoError(t, err)

	assert.Equal(t, user.Email("alice@example.com"), out.User.Email)
	assert.Equal(t, user.Username("Alice"), out.User.Username)
	assert.True(t, out.User.IsActive)
	assert.NotZero(t, out.User.ID)
	assert.NotEqual(t, "correct horse", out.User.PasswordHash)
	assert.NotEmpty(t, out.Tokens.AccessToken)
	assert.NotEmpty(t, out.Tokens.RefreshToken)
	assert.Equal(t, f.Access.TTL, out.Tokens.ExpiresIn)

	claims, err := f.Access.Verify(out.Tokens.AccessToken, f.Clock.Now())
	require.NoError(t, err)
	assert.Equal(t, out.User.ID, claims.UserID)
	sess := f.Store.Session(claims.SessionID)
	assert.Equal(t, out.User.ID, sess.UserID)
	assert.Equal(t, f.Clock.Now().Add(f.Policy.MaxAge), sess.ExpiresAt)
	toks := f.Store.Tokens(claims.SessionID)
	require.Len(t, toks, 1)
	assert.Equal(t, f.Codec.Digest(out.Tokens.RefreshToken), toks[0].Hash, "only the digest is stored")
	assert.Equal(t, []string{"success"}, f.Observer.Outcomes("register"))
}

func TestRegister_InvalidInput_ReportsEveryField(t *testing.T) {
	tests := []struct {
		name   string
		in     auth.RegisterInput
		fields []string
	}{
		{"bad email", auth.RegisterInput{Email: "nope", Password: "longenough"}, []string{"email"}},
		{"display name email", auth.RegisterInput{Email: "Alice <a@b.co>", Password: "longenough"}, []string{"email"}},
		{"domain without dot", auth.RegisterInput{Email: "a@localhost", Password: "longenough"}, []string{"email"}},
		{"short password", auth.RegisterInput{Email: "a@b.co", Password: "short"}, []string{"password"}},
		{"password over 72 bytes", auth.RegisterInput{Email: "a@b.co", Password: strings.Repeat("é", 37)}, []string{"password"}},
		{"short username", auth.RegisterInput{Email: "a@b.co", Username: ptr("ab"), Password: "longenough"}, []string{"username"}},
		{"username with space", auth.RegisterInput{Email: "a@b.co", Username: ptr("a b c"), Password: "longenough"}, []string{"username"}},
		{"all three", auth.RegisterInput{Email: "", Username: ptr("!"), Password: ""}, []string{"email", "username", "password"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := authtest.NewFixture(authtest.DefaultPolicy())
			_, err := f.Register.Execute(context.Background(), tc.in)
			assert.Equal(t, tc.fields, fieldsOf(t, err))
			assert.Zero(t, f.Hasher.Hashes.Load(), "no hashing for invalid input")
		})
	}
}

func TestRegister_DuplicateEmailAnyCase_ReturnsErrEmailTaken(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	ctx := context.Background()
	_, err := f.Register.Execute(ctx, auth.RegisterInput{Email: "bob@example.com", Password: "password1"})
	require.NoError(t, err)
	_, err = f.Register.Execute(ctx, auth.RegisterInput{Email: "BOB@example.com", Password: "password2"})
	assert.ErrorIs(t, err, user.ErrEmailTaken)
}

func TestRegister_ChosenUsernameTakenAnyCase_ReturnsErrUsernameTaken(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	ctx := context.Background()
	_, err := f.Register.Execute(ctx, auth.RegisterInput{Email: "one@example.com", Username: ptr("chef"), Password: "password1"})
	require.NoError(t, err)
	_, err = f.Register.Execute(ctx, auth.RegisterInput{Email: "two@example.com", Username: ptr("CHEF"), Password: "password1"})
	assert.ErrorIs(t, err, user.ErrUsernameTaken)
}

func TestRegister_NoUsername_DerivesFromEmailAndAppendsDigitsWhenTaken(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	ctx := context.Background()
	first, err := f.Register.Execute(ctx, auth.RegisterInput{Email: "jo+hn@a.co", Password: "password1"})
	require.NoError(t, err)
	assert.Equal(t, user.Username("john"), first.User.Username)

	second, err := f.Register.Execute(ctx, auth.RegisterInput{Email: "john@b.co", Password: "password1"})
	require.NoError(t, err)
	assert.Regexp(t, `^john\d{2}$`, second.User.Username)

	short, err := f.Register.Execute(ctx, auth.RegisterInput{Email: "x@c.co", Password: "password1"})
	require.NoError(t, err)
	assert.Equal(t, user.Username("x00"), short.User.Username)
}

func TestRegister_DerivedNameCollidesRepeatedly_StillSucceeds(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	f.Random.Seq = []uint64{0} // every suffix attempt picks the smallest number of its width
	ctx := context.Background()
	for i, domain := range []string{"a.co", "b.co", "c.co", "d.co"} {
		out, err := f.Register.Execute(ctx, auth.RegisterInput{Email: "sam@" + domain, Password: "password1"})
		require.NoError(t, err, "registration %d", i)
		assert.True(t, strings.HasPrefix(string(out.User.Username), "sam"))
	}
}

func TestRegister_HasherOverloaded_ReturnsErrOverloadedAndStoresNothing(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	f.Hasher.Err = auth.ErrOverloaded
	_, err := f.Register.Execute(context.Background(), auth.RegisterInput{Email: "a@b.co", Password: "password1"})
	assert.ErrorIs(t, err, auth.ErrOverloaded)
	_, err = f.Store.ByEmail(context.Background(), "a@b.co")
	assert.ErrorIs(t, err, user.ErrNotFound)
}

func TestRegister_StoreFailsWhileStartingSession_ReturnsWrappedError(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	boom := errors.New("disk on fire")
	ctx := context.Background()
	_, err := f.Register.Execute(ctx, auth.RegisterInput{Email: "a@b.co", Password: "password1"})
	require.NoError(t, err)
	f.Store.FailNext = boom // the next repository call: user creation
	_, err = f.Register.Execute(ctx, auth.RegisterInput{Email: "c@d.co", Password: "password1"})
	assert.ErrorIs(t, err, boom)
}

func TestRegister_SessionCannotStart_LeavesNoAccount(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	f.Store.FailAfter(1, errors.New("disk full")) // user insert succeeds, session insert fails
	_, err := f.Register.Execute(context.Background(), auth.RegisterInput{Email: "atomic@example.com", Password: "password1"})
	require.Error(t, err)
	_, err = f.Store.ByEmail(context.Background(), "atomic@example.com")
	assert.ErrorIs(t, err, user.ErrNotFound, "the account was rolled back with its session")

	_, err = f.Register.Execute(context.Background(), auth.RegisterInput{Email: "atomic@example.com", Password: "password1"})
	assert.NoError(t, err, "a retry succeeds instead of finding the email taken")
}
