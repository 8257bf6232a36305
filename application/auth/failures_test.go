package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/application/auth/authtest"
	"github.com/jarvis/jarvis-auth/domain/session"
)

var errDisk = errors.New("disk on fire")

// TestUseCases_StoreFailureAtEveryStep_IsReturned fails each repository
// call of each use case in turn: the failure must come back wrapped (so the
// HTTP layer answers 5xx), never be mistaken for a client error, and never
// panic.
func TestUseCases_StoreFailureAtEveryStep_IsReturned(t *testing.T) {
	type step func(f *authtest.Fixture, reg auth.RegisterOutput) error
	tests := []struct {
		name string
		run  step
	}{
		{"register", func(f *authtest.Fixture, _ auth.RegisterOutput) error {
			_, err := f.Register.Execute(context.Background(), auth.RegisterInput{Email: "new@example.com", Password: "password1"})
			return err
		}},
		{"login", func(f *authtest.Fixture, _ auth.RegisterOutput) error {
			_, err := f.Login.Execute(context.Background(), auth.LoginInput{Email: "base@example.com", Password: "password1"})
			return err
		}},
		{"refresh", func(f *authtest.Fixture, reg auth.RegisterOutput) error {
			_, err := refresh(f, reg.Tokens.RefreshToken)
			return err
		}},
		{"refresh replay", func(f *authtest.Fixture, reg auth.RegisterOutput) error {
			_, err := refresh(f, reg.Tokens.RefreshToken)
			return err
		}},
		{"me", func(f *authtest.Fixture, reg auth.RegisterOutput) error {
			_, err := f.Me.Execute(context.Background(), reg.Tokens.AccessToken)
			return err
		}},
		{"logout", func(f *authtest.Fixture, reg auth.RegisterOutput) error {
			return f.Logout.Execute(context.Background(), auth.LogoutInput{RefreshToken: reg.Tokens.RefreshToken})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setup := func() (*authtest.Fixture, auth.RegisterOutput) {
				f := authtest.NewFixture(authtest.DefaultPolicy())
				reg := registered(t, f, "base@example.com", "password1")
				if tc.name == "refresh replay" {
					_, err := refresh(f, reg.Tokens.RefreshToken)
					require.NoError(t, err)
				}
				return f, reg
			}
			// Count the calls of a successful run, then fail each one.
			f, reg := setup()
			before := f.Store.Calls
			require.NoError(t, tc.run(f, reg))
			calls := f.Store.Calls - before
			require.Positive(t, calls)
			for k := range calls {
				f, reg := setup()
				f.Store.FailAfter(k, errDisk)
				err := tc.run(f, reg)
				assert.ErrorIs(t, err, errDisk, "call %d of %d", k+1, calls)
			}
		})
	}
}

func TestRefresh_ReplayWithinGraceWhenCurrentTokenExpired_IsInvalid(t *testing.T) {
	p := authtest.DefaultPolicy()
	p.TokenTTL = 5 * time.Second
	f := authtest.NewFixture(p)
	reg := registered(t, f, "tip@example.com", "password1")
	second, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)
	f.Clock.Advance(time.Second)
	_, err = refresh(f, second.RefreshToken)
	require.NoError(t, err)

	f.Clock.Advance(6 * time.Second) // within the grace of the first use, after the tip expired
	_, err = refresh(f, reg.Tokens.RefreshToken)
	assert.ErrorIs(t, err, session.ErrInvalidToken)
}

func TestRefresh_ReplayWithinGraceWhenChainDoesNotLead_IsInvalid(t *testing.T) {
	f := authtest.NewFixture(authtest.DefaultPolicy())
	reg := registered(t, f, "fork@example.com", "password1")
	second, err := refresh(f, reg.Tokens.RefreshToken)
	require.NoError(t, err)
	_, err = refresh(f, second.RefreshToken)
	require.NoError(t, err)
	// A tip that is no successor of the presented token (say, the secret
	// changed between rotations): the walk must give up, not loop.
	sid := sidOf(t, f, reg.Tokens.AccessToken)
	_, err = authtest.Tokens{Store: f.Store}.Insert(context.Background(),
		f.Policy.Issue(f.Store.Session(sid), "foreign-digest", nil, f.Clock.Now()))
	require.NoError(t, err)

	_, err = refresh(f, reg.Tokens.RefreshToken)
	assert.ErrorIs(t, err, session.ErrInvalidToken)
}
