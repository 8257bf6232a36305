package security

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// testCost keeps tests fast; only the configured-cost tests use more.
const testCost = bcrypt.MinCost

// passlibFixture is a $2b$ hash as Python passlib writes it, with its known
// password. It was made with x/crypto at cost 5 and its prefix rewritten from
// $2a$ to $2b$; the algorithm is the same, only the label differs.
const (
	passlibFixture         = "$2b$05$x8I0sqNHA0Y2XDgqATD/YOxn6NCPWvoaPF2zuw9mGPluCE13QjvVy"
	passlibFixturePassword = "correct horse battery staple"
)

// openwallVector is the published crypt_blowfish test vector for "U*U",
// an independent check that we read hashes made elsewhere.
const openwallVector = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"

func newHasher(t testing.TB, cfg BcryptConfig) *BcryptHasher {
	t.Helper()
	if cfg.Cost == 0 {
		cfg.Cost = testCost
	}
	h, err := NewBcryptHasher(cfg)
	require.NoError(t, err)
	return h
}

func password(t testing.TB, s string) user.Password {
	t.Helper()
	pw, err := user.NewPassword(s)
	require.NoError(t, err)
	return pw
}

func hashAt(t testing.TB, plain string, cost int) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(plain), cost)
	require.NoError(t, err)
	return string(h)
}

func withPrefix(hash, prefix string) string { return prefix + hash[len("$2a$"):] }

func TestNewBcryptHasher_RefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  BcryptConfig
	}{
		{name: "cost below 4", cfg: BcryptConfig{Cost: 3}},
		{name: "cost above 31", cfg: BcryptConfig{Cost: 32}},
		{name: "zero cost", cfg: BcryptConfig{}},
		{name: "negative workers", cfg: BcryptConfig{Cost: testCost, Workers: -1}},
		{name: "negative max wait", cfg: BcryptConfig{Cost: testCost, MaxWait: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewBcryptHasher(tt.cfg)
			assert.Error(t, err)
			assert.Nil(t, h)
		})
	}
}

func TestNewBcryptHasher_Defaults_PoolSizedToCPUsAndTwoSecondWait(t *testing.T) {
	h := newHasher(t, BcryptConfig{})
	assert.Equal(t, runtime.GOMAXPROCS(0), cap(h.slots))
	assert.Equal(t, DefaultMaxWait, h.maxWait)
}

func TestNewBcryptHasher_DummyHashUsesConfiguredCost(t *testing.T) {
	// The one test at a realistic cost: an unknown email must cost what a
	// wrong password costs, so the dummy is made at the configured cost.
	const cost = 10
	h := newHasher(t, BcryptConfig{Cost: cost})
	got, err := bcrypt.Cost(h.dummy)
	require.NoError(t, err)
	assert.Equal(t, cost, got)

	stored, err := h.Hash(context.Background(), password(t, "a fine password"))
	require.NoError(t, err)
	got, err = bcrypt.Cost([]byte(stored))
	require.NoError(t, err)
	assert.Equal(t, cost, got, "new hashes use the configured cost")
}

func TestBcryptHasher_HashThenVerify(t *testing.T) {
	h := newHasher(t, BcryptConfig{})
	ctx := context.Background()
	stored, err := h.Hash(ctx, password(t, "s3cret-enough"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(stored, "$2a$04$"), "stored hash is modular crypt format at the configured cost")

	tests := []struct {
		name      string
		plain     string
		wantMatch bool
	}{
		{name: "right password matches", plain: "s3cret-enough", wantMatch: true},
		{name: "wrong password does not match", plain: "s3cret-enougH"},
		{name: "prefix of the password does not match", plain: "s3cret"},
		{name: "empty password does not match", plain: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, rehash, err := h.Verify(ctx, stored, tt.plain)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMatch, match)
			assert.False(t, rehash)
		})
	}
}

func TestBcryptHasher_Verify_EmptyHash_ComparesAgainstDummyAndNeverMatches(t *testing.T) {
	var waits int
	h := newHasher(t, BcryptConfig{OnWait: func(time.Duration) { waits++ }})
	for _, plain := range []string{"", "anything at all", strings.Repeat("x", 72)} {
		match, rehash, err := h.Verify(context.Background(), "", plain)
		require.NoError(t, err)
		assert.False(t, match)
		assert.False(t, rehash)
	}
	assert.Equal(t, 3, waits, "the dummy path goes through the pool like a real comparison")
}

func TestBcryptHasher_Verify_PasswordOver72Bytes_IsRefusedNotTruncated(t *testing.T) {
	h := newHasher(t, BcryptConfig{})
	ctx := context.Background()
	pw72 := strings.Repeat("p", 71) + "!"
	require.Len(t, pw72, 72)
	stored, err := h.Hash(ctx, password(t, pw72))
	require.NoError(t, err)
	// The trap this guards against: x/crypto ignores bytes past 72.
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(stored), []byte(pw72+"tail")))

	tests := []struct {
		name      string
		plain     string
		wantMatch bool
	}{
		{name: "exactly 72 bytes matches", plain: pw72, wantMatch: true},
		{name: "73 bytes with matching first 72 is refused", plain: pw72 + "x"},
		{name: "much longer with matching first 72 is refused", plain: pw72 + strings.Repeat("y", 1000)},
		{name: "multi-byte character crossing byte 72 is refused", plain: pw72[:71] + "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, _, err := h.Verify(ctx, stored, tt.plain)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMatch, match)
		})
	}
}

func TestBcryptHasher_Verify_ForeignHashes(t *testing.T) {
	h := newHasher(t, BcryptConfig{Cost: 5})
	made := hashAt(t, "from elsewhere", 5)
	require.True(t, strings.HasPrefix(made, "$2a$"))

	tests := []struct {
		name      string
		hash      string
		plain     string
		wantMatch bool
	}{
		{name: "2a from x/crypto", hash: made, plain: "from elsewhere", wantMatch: true},
		{name: "2b as passlib and OpenBSD write it", hash: withPrefix(made, "$2b$"), plain: "from elsewhere", wantMatch: true},
		{name: "2y as PHP writes it", hash: withPrefix(made, "$2y$"), plain: "from elsewhere", wantMatch: true},
		{name: "2y with wrong password does not match", hash: withPrefix(made, "$2y$"), plain: "from elsewherE"},
		{name: "passlib 2b fixture", hash: passlibFixture, plain: passlibFixturePassword, wantMatch: true},
		{name: "passlib 2b fixture with wrong password", hash: passlibFixture, plain: "correct horse battery stapler"},
		{name: "openwall 2a vector", hash: openwallVector, plain: "U*U", wantMatch: true},
		{name: "openwall vector as 2b", hash: withPrefix(openwallVector, "$2b$"), plain: "U*U", wantMatch: true},
		{name: "openwall vector as 2y", hash: withPrefix(openwallVector, "$2y$"), plain: "U*U", wantMatch: true},
		{name: "2x (buggy crypt_blowfish mode) is refused", hash: withPrefix(made, "$2x$"), plain: "from elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, rehash, err := h.Verify(context.Background(), tt.hash, tt.plain)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMatch, match)
			assert.False(t, rehash, "cost 5 is the configured cost")
		})
	}
}

func TestBcryptHasher_Verify_NeedsRehashOnlyForMatchBelowConfiguredCost(t *testing.T) {
	h := newHasher(t, BcryptConfig{Cost: 5})
	tests := []struct {
		name       string
		hash       string
		plain      string
		wantMatch  bool
		wantRehash bool
	}{
		{name: "lower cost match needs rehash", hash: hashAt(t, "pw-lower", 4), plain: "pw-lower", wantMatch: true, wantRehash: true},
		{name: "lower cost foreign prefix match needs rehash", hash: withPrefix(hashAt(t, "pw-lower", 4), "$2b$"), plain: "pw-lower", wantMatch: true, wantRehash: true},
		{name: "configured cost match needs none", hash: hashAt(t, "pw-same", 5), plain: "pw-same", wantMatch: true},
		{name: "higher cost match needs none", hash: hashAt(t, "pw-higher", 6), plain: "pw-higher", wantMatch: true},
		{name: "lower cost mismatch needs none", hash: hashAt(t, "pw-lower", 4), plain: "wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, rehash, err := h.Verify(context.Background(), tt.hash, tt.plain)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMatch, match)
			assert.Equal(t, tt.wantRehash, rehash)
		})
	}
}

func TestBcryptHasher_Verify_MalformedHash_NoMatchNoErrorAndReported(t *testing.T) {
	good := hashAt(t, "pw", testCost)
	tests := []struct {
		name string
		hash string
	}{
		{name: "plain text", hash: "not a hash"},
		{name: "the password itself", hash: "pw"},
		{name: "truncated", hash: good[:40]},
		{name: "one character too many", hash: good + "a"},
		{name: "cost out of range", hash: "$2a$99" + good[6:]},
		{name: "cost below minimum", hash: "$2a$03" + good[6:]},
		{name: "non-digit cost", hash: "$2a$x4" + good[6:]},
		{name: "unknown minor version", hash: withPrefix(good, "$2c$")},
		{name: "no minor version", hash: "$2$04$" + good[7:] + "a"},
		{name: "major version 3", hash: "$3a$" + good[4:]},
		{name: "character outside bcrypt base64", hash: good[:len(good)-1] + "!"},
		{name: "missing separator", hash: good[:6] + "x" + good[7:]},
		{name: "argon2 hash", hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"},
		{name: "md5 crypt", hash: "$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reported := 0
			h := newHasher(t, BcryptConfig{OnMalformedHash: func() { reported++ }})
			require.NotPanics(t, func() {
				match, rehash, err := h.Verify(context.Background(), tt.hash, "pw")
				require.NoError(t, err)
				assert.False(t, match)
				assert.False(t, rehash)
			})
			assert.Equal(t, 1, reported)
		})
	}
}

func TestBcryptHasher_PoolSaturated_ReturnsOverloaded(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	h := newHasher(t, BcryptConfig{
		Workers: 1,
		MaxWait: time.Millisecond,
		OnWait: func(d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
		},
	})
	ctx := context.Background()
	stored := hashAt(t, "pw-pw-pw", testCost)

	// Hold the only worker, as a long-running hash would.
	release, err := h.acquire(ctx)
	require.NoError(t, err)

	_, _, err = h.Verify(ctx, stored, "pw-pw-pw")
	require.ErrorIs(t, err, auth.ErrOverloaded)
	_, err = h.Hash(ctx, password(t, "pw-pw-pw"))
	require.ErrorIs(t, err, auth.ErrOverloaded)

	release()
	match, _, err := h.Verify(ctx, stored, "pw-pw-pw")
	require.NoError(t, err, "a freed worker serves the next call")
	assert.True(t, match)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, waits, 4, "every call reports its wait, the holder's and the refused ones too")
	assert.GreaterOrEqual(t, waits[1], time.Millisecond, "a refused call waited MaxWait")
	assert.GreaterOrEqual(t, waits[2], time.Millisecond)
}

func TestBcryptHasher_WaitingCall_ProceedsWhenWorkerFrees(t *testing.T) {
	h := newHasher(t, BcryptConfig{Workers: 1, MaxWait: time.Minute})
	ctx := context.Background()
	release, err := h.acquire(ctx)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(ctx, password(t, "pw-pw-pw"))
		done <- err
	}()
	release()
	require.NoError(t, <-done)
}

func TestBcryptHasher_ContextEnds_ReturnsContextError(t *testing.T) {
	stored := hashAt(t, "pw-pw-pw", testCost)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()

	tests := []struct {
		name     string
		ctx      context.Context
		poolFull bool
		want     error
	}{
		{name: "cancelled before the call, pool free", ctx: cancelled, want: context.Canceled},
		{name: "cancelled before the call, pool full", ctx: cancelled, poolFull: true, want: context.Canceled},
		{name: "deadline passed, pool free", ctx: expired, want: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHasher(t, BcryptConfig{Workers: 1, MaxWait: time.Minute})
			if tt.poolFull {
				release, err := h.acquire(context.Background())
				require.NoError(t, err)
				defer release()
			}
			_, _, err := h.Verify(tt.ctx, stored, "pw-pw-pw")
			require.ErrorIs(t, err, tt.want)
			assert.NotErrorIs(t, err, auth.ErrOverloaded)
			_, err = h.Hash(tt.ctx, password(t, "pw-pw-pw"))
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestBcryptHasher_ContextCancelledWhileWaiting_ReturnsCanceled(t *testing.T) {
	h := newHasher(t, BcryptConfig{Workers: 1, MaxWait: time.Minute})
	release, err := h.acquire(context.Background())
	require.NoError(t, err)
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := h.Verify(ctx, "", "pw")
		done <- err
	}()
	cancel()
	err = <-done
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, auth.ErrOverloaded)
}

func TestBcryptHasher_CallsHoldTheirWorkerWhileHashing(t *testing.T) {
	h := newHasher(t, BcryptConfig{Workers: 2, MaxWait: time.Millisecond})
	entered, gate := make(chan struct{}), make(chan struct{})
	// The hook runs inside the slot, just before the bcrypt work.
	h.inSlot = func() {
		entered <- struct{}{}
		<-gate
	}
	stored := hashAt(t, "pw-pw-pw", testCost)
	results := make(chan error, 2)
	for range 2 {
		go func() {
			_, _, err := h.Verify(context.Background(), stored, "pw-pw-pw")
			results <- err
		}()
	}
	<-entered
	<-entered

	// Both workers are busy with real calls: a third cannot start.
	_, err := h.Hash(context.Background(), password(t, "pw-pw-pw"))
	require.ErrorIs(t, err, auth.ErrOverloaded)

	close(gate)
	require.NoError(t, <-results)
	require.NoError(t, <-results)
	h.inSlot = nil
	_, err = h.Hash(context.Background(), password(t, "pw-pw-pw"))
	require.NoError(t, err, "finished calls give their workers back")
}

func FuzzBcryptHasher_Verify(f *testing.F) {
	good := hashAt(f, "pw", testCost)
	for _, seed := range []struct{ hash, plain string }{
		{good, "pw"}, {"", ""}, {"$2y$", "x"}, {good[:59], "pw"}, {"$2a$04$" + strings.Repeat("\xff", 53), "pw"},
		{passlibFixture, passlibFixturePassword}, {good, strings.Repeat("p", 100)},
	} {
		f.Add(seed.hash, seed.plain)
	}
	h := newHasher(f, BcryptConfig{})
	f.Fuzz(func(t *testing.T, hash, plain string) {
		match, rehash, err := h.Verify(context.Background(), hash, plain)
		require.NoError(t, err)
		if len(plain) > 72 || hash == "" {
			assert.False(t, match)
		}
		if !match {
			assert.False(t, rehash)
		}
	})
}

func BenchmarkBcryptHasher_Verify(b *testing.B) {
	for _, cost := range []int{4, 10, 12} {
		b.Run("cost="+strconv.Itoa(cost), func(b *testing.B) {
			h := newHasher(b, BcryptConfig{Cost: cost})
			stored := hashAt(b, "pw-pw-pw", cost)
			ctx := context.Background()
			for b.Loop() {
				if _, _, err := h.Verify(ctx, stored, "pw-pw-pw"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
