package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jarvis/jarvis-auth/domain/session"
)

// LogoutInput carries the refresh token of the session to end.
type LogoutInput struct {
	RefreshToken string
}

// Logout ends the session of a refresh token.
type Logout struct {
	tokens   RefreshTokens
	sessions Sessions
	codec    RefreshTokenCodec
	clock    Clock
	observer Observer
}

// NewLogout builds the Logout use case.
func NewLogout(tokens RefreshTokens, sessions Sessions, codec RefreshTokenCodec, clock Clock, observer Observer) *Logout {
	return &Logout{tokens: tokens, sessions: sessions, codec: codec, clock: clock, observer: observer}
}

// Execute revokes the whole session of the presented token, so its access
// tokens stop working at /auth/me too. It succeeds whatever the token's state
// (unknown, expired, already revoked): the answer must reveal nothing.
func (l *Logout) Execute(ctx context.Context, in LogoutInput) error {
	if err := requireToken(in.RefreshToken); err != nil {
		return err
	}
	if !l.codec.WellFormed(in.RefreshToken) {
		return nil
	}
	tok, err := l.tokens.ByHash(ctx, l.codec.Digest(in.RefreshToken))
	if errors.Is(err, session.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("logout: find token: %w", err)
	}
	if err := l.sessions.Revoke(ctx, tok.SessionID, l.clock.Now()); err != nil {
		return fmt.Errorf("logout: revoke session: %w", err)
	}
	l.observer.Observe(ctx, Event{Kind: "logout", Outcome: "success", UserID: tok.UserID, SessionID: tok.SessionID})
	return nil
}
