package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// maxChainWalk bounds how far a replay within the grace window walks the
// successor chain to find the session's current token. Within a grace window
// of seconds a real client rotates a handful of times at most.
const maxChainWalk = 1000

// RefreshInput carries the presented refresh token.
type RefreshInput struct {
	RefreshToken string
}

// Refresh rotates a refresh token and answers harmless replays (API.md,
// "Replays that are not theft").
type Refresh struct {
	tx       Transactor
	users    Users
	sessions Sessions
	tokens   RefreshTokens
	codec    RefreshTokenCodec
	issuer   *Issuer
	policy   session.Policy
	clock    Clock
	observer Observer
}

// NewRefresh builds the Refresh use case.
func NewRefresh(tx Transactor, users Users, sessions Sessions, tokens RefreshTokens, codec RefreshTokenCodec, issuer *Issuer, policy session.Policy, clock Clock, observer Observer) *Refresh {
	return &Refresh{tx: tx, users: users, sessions: sessions, tokens: tokens, codec: codec, issuer: issuer, policy: policy, clock: clock, observer: observer}
}

// Execute returns a fresh access token and the refresh token the client
// should keep from now on.
//
// Successors are a keyed function of their parent, so every request and every
// replica computes the same successor for a presented token; together with
// the compare-and-set on used_at and the idempotent insert, concurrent
// presentations of one token agree on one successor without any cache.
func (r *Refresh) Execute(ctx context.Context, in RefreshInput) (TokenPair, error) {
	if err := requireToken(in.RefreshToken); err != nil {
		return TokenPair{}, err
	}
	presented := in.RefreshToken
	if !r.codec.WellFormed(presented) {
		return TokenPair{}, r.fail(ctx, 0, 0, "invalid", session.ErrInvalidToken)
	}
	now := r.clock.Now()
	successor := r.codec.Successor(presented)

	var (
		outcome session.Outcome
		handOut string
		owner   user.User
		sid     session.ID
	)
	err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
		// Two rounds suffice: a lost compare-and-set means another request
		// rotated the token, and the second round sees it as used.
		for round := 0; round < 2; round++ {
			tok, err := r.tokens.ByHash(ctx, r.codec.Digest(presented))
			if errors.Is(err, session.ErrNotFound) {
				return session.ErrInvalidToken
			} else if err != nil {
				return fmt.Errorf("find token: %w", err)
			}
			sess, err := r.sessions.ByID(ctx, tok.SessionID)
			if errors.Is(err, session.ErrNotFound) {
				return session.ErrInvalidToken
			} else if err != nil {
				return fmt.Errorf("find session: %w", err)
			}
			sid = sess.ID
			owner, err = r.users.ByID(ctx, sess.UserID)
			if errors.Is(err, user.ErrNotFound) || err == nil && !owner.IsActive {
				return session.ErrInvalidToken
			} else if err != nil {
				return fmt.Errorf("find user: %w", err)
			}

			var next *session.RefreshToken
			if tok.UsedAt != nil {
				found, err := r.tokens.ByHash(ctx, r.codec.Digest(successor))
				if err == nil {
					next = &found
				} else if !errors.Is(err, session.ErrNotFound) {
					return fmt.Errorf("find successor: %w", err)
				}
			}

			outcome = r.policy.Decide(sess, tok, next, now)
			switch outcome {
			case session.Rotate:
				won, err := r.tokens.MarkUsed(ctx, tok.ID, now)
				if err != nil {
					return fmt.Errorf("mark used: %w", err)
				}
				if !won {
					continue
				}
				if _, err := r.tokens.Insert(ctx, r.policy.Issue(sess, r.codec.Digest(successor), &tok.ID, now)); err != nil {
					return fmt.Errorf("insert successor: %w", err)
				}
				handOut = successor
			case session.ReplaySuccessor:
				handOut = successor
			case session.ReplayCurrent:
				current, err := r.current(ctx, sess, successor, now)
				if err != nil {
					return err
				}
				handOut = current
			case session.Reuse:
				if r.policy.RevokeOnReuse {
					if err := r.sessions.Revoke(ctx, sess.ID, now); err != nil {
						return fmt.Errorf("revoke session: %w", err)
					}
				}
				// Commit the revocation; the error is returned after it.
			default:
				return session.ErrInvalidToken
			}
			return nil
		}
		return fmt.Errorf("rotation did not settle")
	})
	if errors.Is(err, session.ErrInvalidToken) {
		return TokenPair{}, r.fail(ctx, owner.ID, sid, "invalid", err)
	}
	if err != nil {
		return TokenPair{}, r.fail(ctx, owner.ID, sid, "error", fmt.Errorf("refresh: %w", err))
	}
	if outcome == session.Reuse {
		return TokenPair{}, r.fail(ctx, owner.ID, sid, outcome.String(), session.ErrTokenReused)
	}

	pair, err := r.issuer.pair(owner, sid, handOut)
	if err != nil {
		return TokenPair{}, r.fail(ctx, owner.ID, sid, "error", fmt.Errorf("refresh: %w", err))
	}
	r.observer.Observe(ctx, Event{Kind: "refresh", Outcome: outcome.String(), UserID: owner.ID, SessionID: sid})
	return pair, nil
}

// current finds the session's current refresh token by walking the successor
// chain from the presented token's successor up to the newest stored token.
func (r *Refresh) current(ctx context.Context, sess session.Session, from string, now time.Time) (string, error) {
	tip, err := r.tokens.Latest(ctx, sess.ID)
	if errors.Is(err, session.ErrNotFound) {
		return "", session.ErrInvalidToken
	} else if err != nil {
		return "", fmt.Errorf("latest token: %w", err)
	}
	if tip.UsedAt != nil || tip.Revoked || !now.Before(tip.ExpiresAt) {
		return "", session.ErrInvalidToken
	}
	cur := from
	for i := 0; i < maxChainWalk; i++ {
		if r.codec.Digest(cur) == tip.Hash {
			return cur, nil
		}
		cur = r.codec.Successor(cur)
	}
	return "", session.ErrInvalidToken
}

func (r *Refresh) fail(ctx context.Context, uid user.ID, sid session.ID, outcome string, err error) error {
	r.observer.Observe(ctx, Event{Kind: "refresh", Outcome: outcome, UserID: uid, SessionID: sid})
	return err
}

// requireToken refuses an empty refresh_token as a validation error (422),
// not as an invalid token (401): the client sent no token at all.
func requireToken(tok string) error {
	if strings.TrimSpace(tok) == "" {
		return (&user.ValidationError{}).Add(user.FieldError{Field: "refresh_token", Message: "Field required", Type: "missing"}).Err()
	}
	return nil
}
