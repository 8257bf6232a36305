package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/jarvis/jarvis-auth/domain/session"
)

func TestPolicy_Decide(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	p := session.Policy{TokenTTL: 7 * 24 * time.Hour, MaxAge: 30 * 24 * time.Hour, ReuseGrace: 10 * time.Second}
	open := session.Session{ID: 1, ExpiresAt: now.Add(time.Hour)}
	fresh := session.RefreshToken{ID: 1, ExpiresAt: now.Add(time.Hour)}
	used := func(ago time.Duration) session.RefreshToken { t := fresh; t.UsedAt = at(-ago); return t }
	unusedNext := &session.RefreshToken{ID: 2, ExpiresAt: now.Add(time.Hour)}
	usedNext := &session.RefreshToken{ID: 2, ExpiresAt: now.Add(time.Hour), UsedAt: at(-time.Second)}

	tests := []struct {
		name string
		p    session.Policy
		sess session.Session
		tok  session.RefreshToken
		next *session.RefreshToken
		want session.Outcome
	}{
		{"unused token rotates", p, open, fresh, nil, session.Rotate},
		{"expired unused token", p, open, session.RefreshToken{ExpiresAt: now}, nil, session.Invalid},
		{"revoked token", p, open, session.RefreshToken{ExpiresAt: now.Add(time.Hour), Revoked: true}, nil, session.Invalid},
		{"revoked session", p, session.Session{ExpiresAt: now.Add(time.Hour), RevokedAt: at(-time.Hour)}, fresh, nil, session.Invalid},
		{"session past max age", p, session.Session{ExpiresAt: now}, fresh, nil, session.Invalid},
		{"used, successor unused: replay successor", p, open, used(time.Hour), unusedNext, session.ReplaySuccessor},
		{"used, successor used, within grace", p, open, used(10 * time.Second), usedNext, session.ReplayCurrent},
		{"used, successor used, after grace", p, open, used(11 * time.Second), usedNext, session.Reuse},
		{"used, successor missing, after grace", p, open, used(time.Minute), nil, session.Reuse},
		{"used, successor expired, after grace", p, open, used(time.Minute), &session.RefreshToken{ExpiresAt: now}, session.Reuse},
		{"used, successor revoked, after grace", p, open, used(time.Minute), &session.RefreshToken{ExpiresAt: now.Add(time.Hour), Revoked: true}, session.Reuse},
		{"grace disabled", session.Policy{}, open, used(0), usedNext, session.Reuse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.p.Decide(tc.sess, tc.tok, tc.next, now))
		})
	}
}

func TestPolicy_IssueCapsExpiryAtSessionEnd(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	p := session.Policy{TokenTTL: 7 * 24 * time.Hour, MaxAge: 30 * 24 * time.Hour}
	s := p.Start(7, now)
	assert.Equal(t, now.Add(p.MaxAge), s.ExpiresAt)
	assert.Equal(t, now.Add(p.TokenTTL), p.Issue(s, "h", nil, now).ExpiresAt)
	late := now.Add(29 * 24 * time.Hour)
	assert.Equal(t, s.ExpiresAt, p.Issue(s, "h", nil, late).ExpiresAt)
}

func TestOutcome_String(t *testing.T) {
	for o, want := range map[session.Outcome]string{session.Invalid: "invalid", session.Rotate: "rotated", session.ReplaySuccessor: "replay_successor", session.ReplayCurrent: "replay_grace", session.Reuse: "reused"} {
		assert.Equal(t, want, o.String())
	}
}
