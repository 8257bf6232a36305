package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jarvis/jarvis-auth/domain/user"
)

// LoginInput is a sign-in request as the client sent it.
type LoginInput struct {
	Email    string
	Password string
}

// LoginOutput is the signed-in account and its new token pair.
type LoginOutput struct {
	User   user.User
	Tokens TokenPair
}

// Login checks a password and starts a session.
type Login struct {
	users    Users
	hasher   PasswordHasher
	issuer   *Issuer
	clock    Clock
	observer Observer
}

// NewLogin builds the Login use case.
func NewLogin(users Users, hasher PasswordHasher, issuer *Issuer, clock Clock, observer Observer) *Login {
	return &Login{users: users, hasher: hasher, issuer: issuer, clock: clock, observer: observer}
}

// Execute signs the user in. An unknown email and a wrong password cost the
// same bcrypt work and give the same error, so neither timing nor answer
// tells which accounts exist.
func (l *Login) Execute(ctx context.Context, in LoginInput) (LoginOutput, error) {
	email, err := user.ParseEmail(in.Email)
	if err != nil {
		return LoginOutput{}, (&user.ValidationError{}).Add(asFieldError(err)).Err()
	}
	if in.Password == "" {
		return LoginOutput{}, (&user.ValidationError{}).Add(user.FieldError{Field: "password", Message: "Password must not be empty", Type: "string_too_short"}).Err()
	}

	u, err := l.users.ByEmail(ctx, email)
	switch {
	case errors.Is(err, user.ErrNotFound):
		// Same work as a real comparison: the hasher uses its dummy hash.
		if _, _, err := l.hasher.Verify(ctx, "", in.Password); err != nil {
			return LoginOutput{}, l.fail(ctx, 0, fmt.Errorf("login: verify: %w", err))
		}
		return LoginOutput{}, l.fail(ctx, 0, user.ErrInvalidCredentials)
	case err != nil:
		return LoginOutput{}, l.fail(ctx, 0, fmt.Errorf("login: find user: %w", err))
	}

	// The hasher refuses passwords over 72 bytes instead of truncating them.
	match, rehash, err := l.hasher.Verify(ctx, u.PasswordHash, in.Password)
	if err != nil {
		return LoginOutput{}, l.fail(ctx, u.ID, fmt.Errorf("login: verify: %w", err))
	}
	if !match {
		return LoginOutput{}, l.fail(ctx, u.ID, user.ErrInvalidCredentials)
	}
	// Checked only after the password, so an inactive account is revealed
	// only to someone who knows its password.
	if err := u.CanSignIn(); err != nil {
		return LoginOutput{}, l.fail(ctx, u.ID, err)
	}
	if rehash {
		l.rehash(ctx, u, in.Password)
	}

	pair, sid, err := l.issuer.Start(ctx, u)
	if err != nil {
		return LoginOutput{}, l.fail(ctx, u.ID, fmt.Errorf("login: %w", err))
	}
	l.observer.Observe(ctx, Event{Kind: "login", Outcome: "success", UserID: u.ID, SessionID: sid})
	return LoginOutput{User: u, Tokens: pair}, nil
}

// rehash upgrades a hash made with a lower cost than configured. It is best
// effort: the login already succeeded and must not fail over it.
func (l *Login) rehash(ctx context.Context, u user.User, plain string) {
	pw, err := user.NewPassword(plain)
	if err != nil {
		// A legacy password that breaks today's rules cannot be re-hashed
		// through the domain type; keep the old hash.
		return
	}
	hash, err := l.hasher.Hash(ctx, pw)
	if err == nil {
		err = l.users.UpdatePasswordHash(ctx, u.ID, hash, l.clock.Now())
	}
	outcome := "success"
	if err != nil {
		outcome = "error"
	}
	l.observer.Observe(ctx, Event{Kind: "rehash", Outcome: outcome, UserID: u.ID})
}

func (l *Login) fail(ctx context.Context, id user.ID, err error) error {
	l.observer.Observe(ctx, Event{Kind: "login", Outcome: outcomeOf(err), UserID: id})
	return err
}

func asFieldError(err error) user.FieldError {
	var fe user.FieldError
	if errors.As(err, &fe) {
		return fe
	}
	return user.FieldError{Field: "body", Message: err.Error(), Type: "value_error"}
}
