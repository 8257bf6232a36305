package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// Me resolves an access token to its account. It is also the authenticator
// for any future endpoint that needs the caller.
type Me struct {
	access   AccessTokens
	users    Users
	sessions Sessions
	clock    Clock
	observer Observer
}

// NewMe builds the Me use case.
func NewMe(access AccessTokens, users Users, sessions Sessions, clock Clock, observer Observer) *Me {
	return &Me{access: access, users: users, sessions: sessions, clock: clock, observer: observer}
}

// Execute verifies the token, then checks that its user still exists and its
// session is still open: a logout ends the session's access tokens here even
// though their signature stays valid until they expire.
func (m *Me) Execute(ctx context.Context, accessToken string) (user.User, error) {
	now := m.clock.Now()
	claims, err := m.access.Verify(accessToken, now)
	if err != nil {
		return user.User{}, m.refuse(ctx, 0, 0, fmt.Errorf("me: %w", err))
	}
	u, err := m.users.ByID(ctx, claims.UserID)
	if errors.Is(err, user.ErrNotFound) {
		return user.User{}, m.refuse(ctx, claims.UserID, claims.SessionID, ErrInvalidAccessToken)
	} else if err != nil {
		return user.User{}, fmt.Errorf("me: find user: %w", err)
	}
	sess, err := m.sessions.ByID(ctx, claims.SessionID)
	if errors.Is(err, session.ErrNotFound) {
		return user.User{}, m.refuse(ctx, u.ID, claims.SessionID, ErrInvalidAccessToken)
	} else if err != nil {
		return user.User{}, fmt.Errorf("me: find session: %w", err)
	}
	if sess.UserID != u.ID || !sess.Active(now) {
		return user.User{}, m.refuse(ctx, u.ID, sess.ID, ErrInvalidAccessToken)
	}
	if err := u.CanSignIn(); err != nil {
		return user.User{}, m.refuse(ctx, u.ID, sess.ID, err)
	}
	return u, nil
}

func (m *Me) refuse(ctx context.Context, uid user.ID, sid session.ID, err error) error {
	outcome := "invalid_token"
	if errors.Is(err, user.ErrInactive) {
		outcome = "inactive_user"
	}
	m.observer.Observe(ctx, Event{Kind: "access_token", Outcome: outcome, UserID: uid, SessionID: sid})
	return err
}
