package security

import (
	"context"
	"crypto/rand"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// DefaultMaxWait is how long a hashing call waits for a pool slot when
// BcryptConfig.MaxWait is zero. It is short on purpose: a login that cannot
// start hashing within it gets 503 with Retry-After, which is better for the
// client than a request that hangs until its own timeout.
const DefaultMaxWait = 2 * time.Second

// bcryptMaxPasswordBytes is bcrypt's input limit. CompareHashAndPassword
// ignores every byte past it, so we check the length ourselves.
const bcryptMaxPasswordBytes = 72

// BcryptConfig configures NewBcryptHasher.
type BcryptConfig struct {
	// Cost is the bcrypt work factor for new hashes and the dummy hash (4–31).
	Cost int
	// Workers bounds how many hashes run at once; 0 means runtime.GOMAXPROCS(0).
	// bcrypt is pure CPU, so more workers than CPUs only adds latency to every
	// call and starves cheap requests.
	Workers int
	// MaxWait bounds how long a call waits for a free worker before it fails
	// with auth.ErrOverloaded; 0 means DefaultMaxWait.
	MaxWait time.Duration
	// OnWait, when set, is called once per Hash or Verify with the time spent
	// waiting for a worker, whether or not one was obtained (a queue-wait
	// histogram). It runs on the caller's goroutine and must not block.
	OnWait func(time.Duration)
	// OnMalformedHash, when set, is called when Verify meets a stored hash it
	// cannot read. Verify then answers "no match" (see Verify), so this hook
	// is how operators learn about broken rows; it must not block.
	OnMalformedHash func()
}

// BcryptHasher implements auth.PasswordHasher with bcrypt on a bounded pool.
// It is safe for concurrent use.
type BcryptHasher struct {
	cost      int
	slots     chan struct{}
	maxWait   time.Duration
	onWait    func(time.Duration)
	onBadHash func()
	dummy     []byte
	inSlot    func() // test hook: runs after a slot is taken
}

var _ auth.PasswordHasher = (*BcryptHasher)(nil)

// NewBcryptHasher validates cfg and makes the dummy hash that Verify compares
// against for unknown accounts. It costs one bcrypt hash at cfg.Cost.
func NewBcryptHasher(cfg BcryptConfig) (*BcryptHasher, error) {
	if cfg.Cost < bcrypt.MinCost || cfg.Cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt hasher: cost %d is outside %d–%d", cfg.Cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("bcrypt hasher: workers %d is negative", cfg.Workers)
	}
	if cfg.MaxWait < 0 {
		return nil, fmt.Errorf("bcrypt hasher: max wait %s is negative", cfg.MaxWait)
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxWait := cfg.MaxWait
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}
	// The dummy's password is random and thrown away, so no input can match
	// it; Verify forces match=false on this path anyway.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("bcrypt hasher: dummy password: %w", err)
	}
	dummy, err := bcrypt.GenerateFromPassword(secret, cfg.Cost)
	if err != nil {
		return nil, fmt.Errorf("bcrypt hasher: dummy hash: %w", err)
	}
	return &BcryptHasher{
		cost:      cfg.Cost,
		slots:     make(chan struct{}, workers),
		maxWait:   maxWait,
		onWait:    cfg.OnWait,
		onBadHash: cfg.OnMalformedHash,
		dummy:     dummy,
	}, nil
}

// Hash hashes pw at the configured cost once a worker is free. The domain
// has already refused passwords over 72 bytes; bcrypt refuses them again.
func (h *BcryptHasher) Hash(ctx context.Context, pw user.Password) (string, error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	defer release()
	h.testHook()
	out, err := bcrypt.GenerateFromPassword([]byte(pw.Reveal()), h.cost)
	if err != nil {
		// Only a bad cost or an over-long input gets here; neither is quoted.
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(out), nil
}

// Verify compares plain with hash once a worker is free. It does one bcrypt
// comparison on every path, so that the answer time does not tell an unknown
// account (empty hash), an unreadable hash or an over-long password apart
// from a wrong password:
//   - hash == "": compared against the dummy hash; match is false.
//   - hash is not a well-formed $2a$/$2b$/$2y$ bcrypt hash: compared against
//     the dummy, match is false, err is nil and OnMalformedHash is called. A
//     broken row is not the client's fault and must not turn into a 5xx that
//     also reveals the account exists; the login answers 401 like any miss.
//   - plain longer than 72 bytes: compared, then refused (ASVS 6.2.8: never
//     truncate), even when its first 72 bytes are the password.
//
// err is non-nil only when no worker was free in time (wrapping
// auth.ErrOverloaded) or ctx ended (wrapping ctx.Err()).
func (h *BcryptHasher) Verify(ctx context.Context, hash, plain string) (match, needsRehash bool, err error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	defer release()
	h.testHook()

	target, cost, ok := []byte(hash), 0, hash != ""
	if ok {
		cost, ok = parseBcrypt(hash)
		if !ok && h.onBadHash != nil {
			h.onBadHash()
		}
	}
	if !ok {
		target = h.dummy
	}
	cmpErr := bcrypt.CompareHashAndPassword(target, []byte(plain))
	if !ok || len(plain) > bcryptMaxPasswordBytes || cmpErr != nil {
		return false, false, nil
	}
	return true, cost < h.cost, nil
}

// acquire takes a worker slot, waiting at most maxWait or until ctx ends.
// The returned func gives the slot back.
func (h *BcryptHasher) acquire(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	release := func() { <-h.slots }
	start := time.Now()
	select {
	case h.slots <- struct{}{}:
		h.observeWait(0)
		return release, nil
	default:
	}
	timer := time.NewTimer(h.maxWait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		h.observeWait(time.Since(start))
		return release, nil
	case <-ctx.Done():
		h.observeWait(time.Since(start))
		return nil, ctx.Err()
	case <-timer.C:
		h.observeWait(time.Since(start))
		return nil, fmt.Errorf("no hashing worker free within %s: %w", h.maxWait, auth.ErrOverloaded)
	}
}

func (h *BcryptHasher) testHook() {
	if h.inSlot != nil {
		h.inSlot()
	}
}

func (h *BcryptHasher) observeWait(d time.Duration) {
	if h.onWait != nil {
		h.onWait(d)
	}
}

// parseBcrypt checks the modular crypt format "$2x$NN$" + 53 characters of
// bcrypt's base64 alphabet and returns the cost. x/crypto is laxer (it takes
// any minor letter, "$2$", and odd lengths); we accept exactly the variants
// that other implementations write: $2a$ (most), $2b$ (OpenBSD, passlib) and
// $2y$ (PHP). All three run the same algorithm on passwords under 72 bytes,
// and x/crypto re-encodes the stored prefix when comparing, so no rewriting
// is needed. $2x$ (crypt_blowfish's buggy 8-bit mode) is deliberately refused.
func parseBcrypt(hash string) (cost int, ok bool) {
	const size = 60
	if len(hash) != size || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$' {
		return 0, false
	}
	switch hash[2] {
	case 'a', 'b', 'y':
	default:
		return 0, false
	}
	d1, d2 := hash[4], hash[5]
	if d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9' {
		return 0, false
	}
	cost = int(d1-'0')*10 + int(d2-'0')
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return 0, false
	}
	for i := 7; i < size; i++ {
		c := hash[i]
		if !(c == '.' || c == '/' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return 0, false
		}
	}
	return cost, true
}
