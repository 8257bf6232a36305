package authtest

import (
	"time"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
)

// Fixture wires every use case to in-memory fakes.
type Fixture struct {
	Store    *Store
	Clock    *Clock
	Hasher   *Hasher
	Access   AccessTokens
	Codec    *Codec
	Random   *Random
	Observer *Observer
	Policy   session.Policy

	Register *auth.Register
	Login    *auth.Login
	Refresh  *auth.Refresh
	Me       *auth.Me
	Logout   *auth.Logout
}

// DefaultPolicy mirrors the configuration defaults of API.md.
func DefaultPolicy() session.Policy {
	return session.Policy{TokenTTL: 7 * 24 * time.Hour, MaxAge: 30 * 24 * time.Hour, ReuseGrace: 10 * time.Second, RevokeOnReuse: true}
}

// NewFixture wires the use cases with policy p.
func NewFixture(p session.Policy) *Fixture {
	f := &Fixture{
		Store:    NewStore(),
		Clock:    NewClock(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)),
		Hasher:   &Hasher{Cost: 12},
		Access:   AccessTokens{TTL: 15 * time.Minute},
		Codec:    &Codec{},
		Random:   &Random{Seq: []uint64{42, 4242, 424242}},
		Observer: &Observer{},
		Policy:   p,
	}
	sessions, tokens := Sessions{f.Store}, Tokens{f.Store}
	issuer := auth.NewIssuer(f.Store, sessions, tokens, f.Codec, f.Access, p, f.Clock)
	f.Register = auth.NewRegister(f.Store, f.Store, f.Hasher, issuer, f.Clock, f.Random, f.Observer)
	f.Login = auth.NewLogin(f.Store, f.Hasher, issuer, f.Clock, f.Observer)
	f.Refresh = auth.NewRefresh(f.Store, f.Store, sessions, tokens, f.Codec, issuer, p, f.Clock, f.Observer)
	f.Me = auth.NewMe(f.Access, f.Store, sessions, f.Clock, f.Observer)
	f.Logout = auth.NewLogout(tokens, sessions, f.Codec, f.Clock, f.Observer)
	return f
}
