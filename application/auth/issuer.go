package auth

import (
	"context"
	"fmt"

	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// Issuer starts sessions and mints token pairs. Register and Login share it,
// so a new kind of sign-in (say, an API key) reuses it too.
type Issuer struct {
	tx       Transactor
	sessions Sessions
	tokens   RefreshTokens
	codec    RefreshTokenCodec
	access   AccessTokens
	policy   session.Policy
	clock    Clock
}

// NewIssuer builds an Issuer.
func NewIssuer(tx Transactor, sessions Sessions, tokens RefreshTokens, codec RefreshTokenCodec, access AccessTokens, policy session.Policy, clock Clock) *Issuer {
	return &Issuer{tx: tx, sessions: sessions, tokens: tokens, codec: codec, access: access, policy: policy, clock: clock}
}

// Start opens a new session for u and returns its first token pair. The
// session and its first refresh token are stored in one transaction.
func (i *Issuer) Start(ctx context.Context, u user.User) (TokenPair, session.ID, error) {
	now := i.clock.Now()
	raw, err := i.codec.New()
	if err != nil {
		return TokenPair{}, 0, fmt.Errorf("start session: new refresh token: %w", err)
	}
	var sess session.Session
	err = i.tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		if sess, err = i.sessions.Create(ctx, i.policy.Start(u.ID, now)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if _, err = i.tokens.Insert(ctx, i.policy.Issue(sess, i.codec.Digest(raw), nil, now)); err != nil {
			return fmt.Errorf("insert refresh token: %w", err)
		}
		return nil
	})
	if err != nil {
		return TokenPair{}, 0, fmt.Errorf("start session: %w", err)
	}
	pair, err := i.pair(u, sess.ID, raw)
	return pair, sess.ID, err
}

// pair signs an access token and bundles it with the refresh token.
func (i *Issuer) pair(u user.User, sid session.ID, refresh string) (TokenPair, error) {
	now := i.clock.Now()
	at, claims, err := i.access.Issue(u.ID, u.Email, sid, now)
	if err != nil {
		return TokenPair{}, fmt.Errorf("issue access token: %w", err)
	}
	return TokenPair{AccessToken: at, RefreshToken: refresh, ExpiresIn: claims.ExpiresAt.Sub(claims.IssuedAt)}, nil
}
