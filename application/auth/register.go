package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// RegisterInput is a sign-up request as the client sent it. Username is nil
// when the client left it out.
type RegisterInput struct {
	Email    string
	Username *string
	Password string
}

// RegisterOutput is the new account and its first token pair.
type RegisterOutput struct {
	User   user.User
	Tokens TokenPair
}

// derivedNameAttempts bounds the retries for a derived username. Suffixes grow
// by a digit per attempt, so collisions become vanishingly rare quickly.
const derivedNameAttempts = 12

// Register creates an account and signs it in.
type Register struct {
	tx       Transactor
	users    Users
	hasher   PasswordHasher
	issuer   *Issuer
	clock    Clock
	random   Random
	observer Observer
}

// NewRegister builds the Register use case.
func NewRegister(tx Transactor, users Users, hasher PasswordHasher, issuer *Issuer, clock Clock, random Random, observer Observer) *Register {
	return &Register{tx: tx, users: users, hasher: hasher, issuer: issuer, clock: clock, random: random, observer: observer}
}

// Execute validates the input, hashes the password (before touching the
// database, so no connection is held during bcrypt), then stores the account
// and starts its first session in one transaction: a failure leaves no
// account behind that the client would then find "taken" on retry.
func (r *Register) Execute(ctx context.Context, in RegisterInput) (RegisterOutput, error) {
	var v user.ValidationError
	email, err := user.ParseEmail(in.Email)
	if err = v.Collect(err); err != nil {
		return RegisterOutput{}, err
	}
	var chosen user.Username
	if in.Username != nil {
		chosen, err = user.ParseUsername(*in.Username)
		if err = v.Collect(err); err != nil {
			return RegisterOutput{}, err
		}
	}
	pw, err := user.NewPassword(in.Password)
	if err = v.Collect(err); err != nil {
		return RegisterOutput{}, err
	}
	if err := v.Err(); err != nil {
		return RegisterOutput{}, err
	}

	hash, err := r.hasher.Hash(ctx, pw)
	if err != nil {
		return RegisterOutput{}, fmt.Errorf("register: hash password: %w", err)
	}

	var (
		u    user.User
		pair TokenPair
		sid  session.ID
	)
	err = r.tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		if in.Username != nil {
			u, err = r.users.Create(ctx, user.New(email, chosen, hash, r.clock.Now()))
		} else {
			u, err = r.createWithDerivedName(ctx, email, hash)
		}
		if err != nil {
			return err
		}
		pair, sid, err = r.issuer.Start(ctx, u)
		return err
	})
	if err != nil {
		r.observer.Observe(ctx, Event{Kind: "register", Outcome: outcomeOf(err)})
		return RegisterOutput{}, fmt.Errorf("register: %w", err)
	}
	r.observer.Observe(ctx, Event{Kind: "register", Outcome: "success", UserID: u.ID, SessionID: sid})
	return RegisterOutput{User: u, Tokens: pair}, nil
}

// createWithDerivedName stores the account under a name derived from the
// email, appending digits while the name is taken: a derived name must never
// make registration fail (API.md). The unique index decides, so concurrent
// registrations cannot both get one name.
func (r *Register) createWithDerivedName(ctx context.Context, email user.Email, hash string) (user.User, error) {
	base := user.DeriveUsername(email)
	name := base
	limit := uint64(100)
	for attempt := 0; ; attempt++ {
		u, err := r.users.Create(ctx, user.New(email, name, hash, r.clock.Now()))
		if !errors.Is(err, user.ErrUsernameTaken) || attempt == derivedNameAttempts {
			return u, err
		}
		name = base.WithSuffix(limit/10 + r.random.Uint64N(limit-limit/10))
		if limit < 1e15 {
			limit *= 10
		}
	}
}

// outcomeOf names an error for events and metrics labels.
func outcomeOf(err error) string {
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, user.ErrEmailTaken):
		return "email_taken"
	case errors.Is(err, user.ErrUsernameTaken):
		return "username_taken"
	case errors.Is(err, user.ErrInvalidCredentials):
		return "invalid_credentials"
	case errors.Is(err, user.ErrInactive):
		return "inactive_user"
	case errors.Is(err, ErrOverloaded):
		return "overloaded"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	default:
		var v *user.ValidationError
		if errors.As(err, &v) {
			return "validation_failed"
		}
		return "error"
	}
}
