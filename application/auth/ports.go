// Package auth holds the use cases of the service (Register, Login, Refresh,
// Me, Logout) and the ports they need. Adapters implement the ports; nothing
// here knows about HTTP, SQL, bcrypt or JWT.
package auth

import (
	"context"
	"errors"
	"time"

	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// Errors the use cases return besides the domain's own.
var (
	// ErrInvalidAccessToken covers every access token that must be refused:
	// bad signature or type, expired, unknown user, ended session.
	ErrInvalidAccessToken = errors.New("invalid access token")
	// ErrOverloaded means a bounded resource (the password-hashing pool) had
	// no room in time; the client should retry shortly.
	ErrOverloaded = errors.New("service overloaded")
	// ErrUnavailable means a dependency (the database) cannot be reached.
	ErrUnavailable = errors.New("service unavailable")
)

// Users stores accounts.
type Users interface {
	// Create stores u and returns it with its ID. It returns
	// user.ErrEmailTaken or user.ErrUsernameTaken when a unique index refuses it.
	Create(ctx context.Context, u user.User) (user.User, error)
	// ByEmail finds an account by (lower-cased) email, or user.ErrNotFound.
	ByEmail(ctx context.Context, email user.Email) (user.User, error)
	// ByID finds an account, or user.ErrNotFound.
	ByID(ctx context.Context, id user.ID) (user.User, error)
	// UpdatePasswordHash replaces the stored hash (re-hash at a higher cost).
	UpdatePasswordHash(ctx context.Context, id user.ID, hash string, at time.Time) error
}

// Sessions stores login sessions (refresh-token families).
type Sessions interface {
	// Create stores s and returns it with its ID.
	Create(ctx context.Context, s session.Session) (session.Session, error)
	// ByID finds a session, or session.ErrNotFound.
	ByID(ctx context.Context, id session.ID) (session.Session, error)
	// Revoke ends the session and marks all its refresh tokens revoked. It is
	// idempotent: revoking an ended session changes nothing.
	Revoke(ctx context.Context, id session.ID, at time.Time) error
}

// RefreshTokens stores refresh-token digests.
type RefreshTokens interface {
	// Insert stores t. It is idempotent on t.Hash: when a row with that hash
	// exists it is returned unchanged, which is what lets concurrent rotations
	// of one token agree on one successor row.
	Insert(ctx context.Context, t session.RefreshToken) (session.RefreshToken, error)
	// ByHash finds a token by its digest, or session.ErrNotFound.
	ByHash(ctx context.Context, hash string) (session.RefreshToken, error)
	// MarkUsed sets used_at when it is still unset (compare-and-set) and
	// reports whether this call was the one that set it.
	MarkUsed(ctx context.Context, id session.TokenID, at time.Time) (bool, error)
	// Latest returns the newest token of the session (the tip of its chain),
	// or session.ErrNotFound.
	Latest(ctx context.Context, id session.ID) (session.RefreshToken, error)
}

// Transactor runs fn in one database transaction; repositories called with
// the ctx given to fn take part in it. A write transaction takes the write
// lock up front, so concurrent callers serialise instead of failing.
type Transactor interface {
	WithinTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// PasswordHasher hashes and checks passwords on a bounded pool. Both methods
// return an error wrapping ErrOverloaded when no slot frees up in time.
type PasswordHasher interface {
	// Hash hashes a password that passed the domain rules.
	Hash(ctx context.Context, pw user.Password) (string, error)
	// Verify compares plain with hash. An empty hash is compared against a
	// dummy hash of the configured cost, so that an unknown account costs the
	// same as a wrong password. needsRehash reports a match whose hash used a
	// lower cost than configured.
	Verify(ctx context.Context, hash, plain string) (match, needsRehash bool, err error)
}

// AccessClaims is what an access token says.
type AccessClaims struct {
	UserID    user.ID
	Email     user.Email
	SessionID session.ID
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// AccessTokens issues and verifies signed access tokens.
type AccessTokens interface {
	// Issue signs a token for the user and session, valid from now.
	Issue(userID user.ID, email user.Email, sid session.ID, now time.Time) (token string, claims AccessClaims, err error)
	// Verify checks signature, algorithm, type, issuer and expiry at now, and
	// returns an error wrapping ErrInvalidAccessToken for any token it refuses.
	Verify(token string, now time.Time) (AccessClaims, error)
}

// RefreshTokenCodec makes opaque refresh tokens and their digests.
type RefreshTokenCodec interface {
	// New returns a fresh random token.
	New() (string, error)
	// Successor returns the token that follows parent in its session. It is a
	// keyed function of parent, so every replica computes the same successor.
	Successor(parent string) string
	// Digest returns the digest that is stored instead of the token.
	Digest(token string) string
	// WellFormed rejects garbage (wrong prefix, length or checksum) before
	// any database call.
	WellFormed(token string) bool
}

// Clock tells the time; tests use a fixed one.
type Clock interface {
	Now() time.Time
}

// Random is a source of non-secret random numbers (username suffixes).
type Random interface {
	// Uint64N returns a number in [0, n).
	Uint64N(n uint64) uint64
}

// Event is something operators want to see: a login, a refresh, a reuse.
type Event struct {
	Kind      string // "login", "refresh", "register", "logout", "access_token"
	Outcome   string // "success", "invalid_credentials", "reused", ...
	UserID    user.ID
	SessionID session.ID
}

// Observer receives events for logs and metrics. It must not block.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// NopObserver discards events.
type NopObserver struct{}

// Observe does nothing.
func (NopObserver) Observe(context.Context, Event) {}

// TokenPair is what a successful login, registration or refresh hands out.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}
