// Package session models a login session (a refresh-token family) and decides
// what a presented refresh token means: rotate it, answer a harmless replay,
// or treat it as reuse. It is pure Go: storage and token encoding live in adapters.
package session

import (
	"errors"
	"time"

	"github.com/jarvis/jarvis-auth/domain/user"
)

// Sentinel errors of the session domain.
var (
	// ErrNotFound means no session or refresh token matches the lookup.
	ErrNotFound = errors.New("session not found")
	// ErrInvalidToken covers unknown, malformed, expired and revoked refresh
	// tokens, and tokens of inactive or deleted users: one answer for all, so
	// that the caller learns nothing about which.
	ErrInvalidToken = errors.New("invalid refresh token")
	// ErrTokenReused means a refresh token was presented again after it was
	// rotated, outside the cases that are answered as harmless replays.
	ErrTokenReused = errors.New("refresh token reused")
)

// ID identifies a session. Access tokens carry it as their sid claim.
type ID int64

// TokenID identifies one refresh token row.
type TokenID int64

// Session is the chain of refresh tokens that grows from one login. It ends
// for good at ExpiresAt (absolute) or when revoked (logout, reuse).
type Session struct {
	ID        ID
	UserID    user.ID
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Active reports whether the session can still mint tokens at now.
func (s Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// RefreshToken is the stored form of one refresh token: only its digest.
type RefreshToken struct {
	ID        TokenID
	SessionID ID
	UserID    user.ID
	ParentID  *TokenID
	Hash      string // SHA-256 hex of the token; the token itself is never stored
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time // set once, when the token is rotated
	Revoked   bool
}

// Policy holds the lifetimes and reuse rules from configuration.
type Policy struct {
	TokenTTL      time.Duration // sliding, per token
	MaxAge        time.Duration // absolute, per login
	ReuseGrace    time.Duration // 0 disables the grace window
	RevokeOnReuse bool
}

// Start opens a session for a fresh login.
func (p Policy) Start(userID user.ID, now time.Time) Session {
	now = now.UTC()
	return Session{UserID: userID, CreatedAt: now, ExpiresAt: now.Add(p.MaxAge)}
}

// Issue describes a new refresh token of the session, issued at now. Its
// expiry slides with each rotation but never outlives the session.
func (p Policy) Issue(s Session, hash string, parent *TokenID, now time.Time) RefreshToken {
	now = now.UTC()
	exp := now.Add(p.TokenTTL)
	if s.ExpiresAt.Before(exp) {
		exp = s.ExpiresAt
	}
	return RefreshToken{SessionID: s.ID, UserID: s.UserID, ParentID: parent, Hash: hash, CreatedAt: now, ExpiresAt: exp}
}

// Outcome is what a presented refresh token means.
type Outcome int

// The possible outcomes of presenting a refresh token.
const (
	// Invalid: refuse with ErrInvalidToken.
	Invalid Outcome = iota
	// Rotate: mark the token used and hand out its successor.
	Rotate
	// ReplaySuccessor: the token was rotated but its successor was never used,
	// so the client evidently never received it; hand out the same successor.
	ReplaySuccessor
	// ReplayCurrent: the token was rotated moments ago (two refresh paths of
	// one app racing); hand out the session's current token.
	ReplayCurrent
	// Reuse: anything else; refuse with ErrTokenReused and, per policy,
	// revoke the session (OWASP ASVS 10.4.5, RFC 9700 §4.14.2).
	Reuse
)

func (o Outcome) String() string {
	switch o {
	case Rotate:
		return "rotated"
	case ReplaySuccessor:
		return "replay_successor"
	case ReplayCurrent:
		return "replay_grace"
	case Reuse:
		return "reused"
	default:
		return "invalid"
	}
}

// Decide says what presenting tok means at now. successor is the stored
// successor of tok, or nil when there is none.
func (p Policy) Decide(s Session, tok RefreshToken, successor *RefreshToken, now time.Time) Outcome {
	if !s.Active(now) || tok.Revoked {
		return Invalid
	}
	if tok.UsedAt == nil {
		if !now.Before(tok.ExpiresAt) {
			return Invalid
		}
		return Rotate
	}
	// A used token is checked for reuse whatever its own expiry: a stolen old
	// token is exactly what reuse detection is for.
	if successor != nil && successor.UsedAt == nil && !successor.Revoked && now.Before(successor.ExpiresAt) {
		return ReplaySuccessor
	}
	if p.ReuseGrace > 0 && now.Sub(*tok.UsedAt) <= p.ReuseGrace {
		return ReplayCurrent
	}
	return Reuse
}
