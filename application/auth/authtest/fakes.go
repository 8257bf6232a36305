package authtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC()} }

// Now implements auth.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Hasher is a fast, transparent password hasher: "fake$<cost>$<sha256>". It
// counts calls, so tests can check that an unknown email costs a comparison.
type Hasher struct {
	Cost     int
	Hashes   atomic.Int64
	Verifies atomic.Int64
	// Err, when set, is returned by every call (e.g. auth.ErrOverloaded).
	Err error
}

// HashAt returns the fake hash of plain at a cost.
func HashAt(cost int, plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return fmt.Sprintf("fake$%d$%s", cost, hex.EncodeToString(sum[:]))
}

// Hash implements auth.PasswordHasher.
func (h *Hasher) Hash(_ context.Context, pw user.Password) (string, error) {
	h.Hashes.Add(1)
	if h.Err != nil {
		return "", h.Err
	}
	return HashAt(h.Cost, pw.Reveal()), nil
}

// Verify implements auth.PasswordHasher, including the 72-byte refusal.
func (h *Hasher) Verify(_ context.Context, hash, plain string) (bool, bool, error) {
	h.Verifies.Add(1)
	if h.Err != nil {
		return false, false, h.Err
	}
	if hash == "" || len(plain) > user.MaxPasswordBytes {
		return false, false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 3 {
		return false, false, nil
	}
	cost, _ := strconv.Atoi(parts[1])
	if HashAt(cost, plain) != hash {
		return false, false, nil
	}
	return true, cost < h.Cost, nil
}

// AccessTokens signs nothing: a token is "at." + base64 of its JSON claims.
// Verify refuses anything else and expired tokens.
type AccessTokens struct {
	TTL time.Duration
}

// Issue implements auth.AccessTokens.
func (a AccessTokens) Issue(uid user.ID, email user.Email, sid session.ID, now time.Time) (string, auth.AccessClaims, error) {
	c := auth.AccessClaims{UserID: uid, Email: email, SessionID: sid, IssuedAt: now, ExpiresAt: now.Add(a.TTL)}
	b, err := json.Marshal(c)
	if err != nil {
		return "", auth.AccessClaims{}, err
	}
	return "at." + base64.RawURLEncoding.EncodeToString(b), c, nil
}

// Verify implements auth.AccessTokens.
func (a AccessTokens) Verify(token string, now time.Time) (auth.AccessClaims, error) {
	body, ok := strings.CutPrefix(token, "at.")
	if !ok {
		return auth.AccessClaims{}, auth.ErrInvalidAccessToken
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return auth.AccessClaims{}, auth.ErrInvalidAccessToken
	}
	var c auth.AccessClaims
	if err := json.Unmarshal(b, &c); err != nil || !now.Before(c.ExpiresAt) {
		return auth.AccessClaims{}, auth.ErrInvalidAccessToken
	}
	return c, nil
}

// Codec makes readable refresh tokens: "rt-<n>", successors "<parent>.s".
type Codec struct{ n atomic.Int64 }

// New implements auth.RefreshTokenCodec.
func (c *Codec) New() (string, error) { return fmt.Sprintf("rt-%d", c.n.Add(1)), nil }

// Successor implements auth.RefreshTokenCodec.
func (c *Codec) Successor(parent string) string { return parent + ".s" }

// Digest implements auth.RefreshTokenCodec.
func (c *Codec) Digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WellFormed implements auth.RefreshTokenCodec.
func (c *Codec) WellFormed(token string) bool { return strings.HasPrefix(token, "rt-") }

// Random returns numbers from a fixed sequence, cycling.
type Random struct {
	mu  sync.Mutex
	Seq []uint64
	i   int
}

// Uint64N implements auth.Random.
func (r *Random) Uint64N(n uint64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.Seq) == 0 {
		return 0
	}
	v := r.Seq[r.i%len(r.Seq)]
	r.i++
	return v % n
}

// Observer records events.
type Observer struct {
	mu     sync.Mutex
	events []auth.Event
}

// Observe implements auth.Observer.
func (o *Observer) Observe(_ context.Context, e auth.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, e)
}

// Events returns the events seen so far.
func (o *Observer) Events() []auth.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]auth.Event(nil), o.events...)
}

// Outcomes returns the outcomes of the events of one kind, in order.
func (o *Observer) Outcomes(kind string) []string {
	var out []string
	for _, e := range o.Events() {
		if e.Kind == kind {
			out = append(out, e.Outcome)
		}
	}
	return out
}

// Claims decodes a fake access token without checking its expiry.
func (a AccessTokens) Claims(token string) (auth.AccessClaims, error) {
	var c auth.AccessClaims
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, "at."))
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	return c, err
}
