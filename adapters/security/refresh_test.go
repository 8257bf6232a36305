package security

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var refreshPattern = regexp.MustCompile(`^jrt_[A-Za-z0-9_-]{49}$`)

// withChecksum rebuilds a token's checksum, so that a test can check one
// rule (alphabet, prefix) without the checksum rule catching it first.
func withChecksum(prefixAndBody string) string { return prefixAndBody + checksum(prefixAndBody) }

func TestNewRefreshCodec_EmptySecret_Panics(t *testing.T) {
	assert.Panics(t, func() { NewRefreshCodec(nil) })
	assert.Panics(t, func() { NewRefreshCodec([]byte{}) })
}

func TestRefreshCodec_New_FormatIsPrefixed256BitsWithChecksum(t *testing.T) {
	c := NewRefreshCodec(testSecret)
	tok, err := c.New()
	require.NoError(t, err)

	assert.Len(t, tok, RefreshTokenLength)
	assert.Equal(t, 53, RefreshTokenLength)
	assert.Regexp(t, refreshPattern, tok, "URL-safe: no padding, no + or /")
	assert.True(t, c.WellFormed(tok))
	body, err := base64.RawURLEncoding.DecodeString(tok[len(RefreshTokenPrefix) : RefreshTokenLength-refreshSumLength])
	require.NoError(t, err)
	assert.Len(t, body, 32, "256 random bits")
}

func TestRefreshCodec_New_TokensAreUnique(t *testing.T) {
	c := NewRefreshCodec(testSecret)
	const n = 20000
	seen := make(map[string]struct{}, n)
	for range n {
		tok, err := c.New()
		require.NoError(t, err)
		_, dup := seen[tok]
		require.False(t, dup)
		seen[tok] = struct{}{}
	}
}

func TestRefreshCodec_Successor_IsDeterministicKeyedAndWellFormed(t *testing.T) {
	c := NewRefreshCodec(testSecret)
	replica := NewRefreshCodec(append([]byte(nil), testSecret...))
	otherSecret := NewRefreshCodec([]byte("a different secret of the same size"))
	parent, err := c.New()
	require.NoError(t, err)
	sibling, err := c.New()
	require.NoError(t, err)

	succ := c.Successor(parent)
	assert.True(t, c.WellFormed(succ), "a successor has the token format")
	assert.Regexp(t, refreshPattern, succ)
	assert.Equal(t, succ, c.Successor(parent), "same parent, same successor")
	assert.Equal(t, succ, replica.Successor(parent), "another replica with the same secret agrees")
	assert.NotEqual(t, succ, otherSecret.Successor(parent), "the secret keys the successor")
	assert.NotEqual(t, succ, c.Successor(sibling), "each parent has its own successor")
	assert.NotEqual(t, parent, succ)
	assert.NotEqual(t, succ, c.Successor(succ), "the chain moves on")
	assert.NotEqual(t, parent, c.Successor(succ))
}

func TestRefreshCodec_Successor_KeyIsSeparatedFromTheSecret(t *testing.T) {
	// Domain separation: the successor is not simply HMAC(secret, parent),
	// which something else keyed with SECRET_KEY might also compute.
	c := NewRefreshCodec(testSecret)
	parent, err := c.New()
	require.NoError(t, err)
	naive := &RefreshCodec{successorKey: testSecret}
	assert.NotEqual(t, naive.Successor(parent), c.Successor(parent))
}

func TestRefreshCodec_WellFormed_Rejects(t *testing.T) {
	c := NewRefreshCodec(testSecret)
	tok, err := c.New()
	require.NoError(t, err)
	split := RefreshTokenLength - refreshSumLength
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	require.True(t, c.WellFormed(tok))
	swap := len(RefreshTokenPrefix)
	for tok[swap] == tok[swap+1] {
		swap++
	}
	swapped := tok[:swap] + tok[swap+1:swap+2] + tok[swap:swap+1] + tok[swap+2:]

	tests := []struct {
		name  string
		token string
	}{
		{name: "empty", token: ""},
		{name: "prefix only", token: RefreshTokenPrefix},
		{name: "truncated by one", token: tok[:len(tok)-1]},
		{name: "without checksum", token: tok[:split]},
		{name: "one extra character", token: tok + "A"},
		{name: "leading space", token: " " + tok[1:]},
		{name: "trailing newline", token: tok[:len(tok)-1] + "\n"},
		{name: "body character changed", token: flip(tok, 10)},
		{name: "first body character changed", token: flip(tok, len(RefreshTokenPrefix))},
		{name: "checksum character changed", token: flip(tok, len(tok)-1)},
		{name: "two body characters swapped", token: swapped},
		{name: "wrong prefix with valid checksum", token: withChecksum("jat_" + tok[4:split])},
		{name: "upper-case prefix with valid checksum", token: withChecksum("JRT_" + tok[4:split])},
		{name: "standard base64 plus with valid checksum", token: withChecksum(tok[:10] + "+" + tok[11:split])},
		{name: "standard base64 slash with valid checksum", token: withChecksum(tok[:10] + "/" + tok[11:split])},
		{name: "padding with valid checksum", token: withChecksum(tok[:split-1] + "=")},
		{name: "non-ASCII with valid checksum", token: withChecksum(tok[:split-2] + "é")},
		{name: "NUL with valid checksum", token: withChecksum(tok[:split-1] + "\x00")},
		{name: "access token", token: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.sig"},
		{name: "all zeros of the right length", token: strings.Repeat("0", RefreshTokenLength)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.False(t, c.WellFormed(tt.token))
		})
	}
}

func TestRefreshCodec_WellFormed_DoesNotDependOnTheSecret(t *testing.T) {
	// The format check needs no key: any replica, or a future secret, can
	// refuse garbage early.
	tok, err := NewRefreshCodec(testSecret).New()
	require.NoError(t, err)
	assert.True(t, NewRefreshCodec([]byte("other")).WellFormed(tok))
}

func TestRefreshCodec_Digest_IsLowercaseHexSHA256(t *testing.T) {
	c := NewRefreshCodec(testSecret)
	// FIPS 180-2 test vector.
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", c.Digest("abc"))

	tok, err := c.New()
	require.NoError(t, err)
	d := c.Digest(tok)
	assert.Regexp(t, `^[0-9a-f]{64}$`, d)
	assert.Equal(t, d, NewRefreshCodec([]byte("other")).Digest(tok), "the digest is unkeyed, so it survives a secret change")
	assert.NotEqual(t, d, c.Digest(c.Successor(tok)))
	assert.NotContains(t, d, tok[len(RefreshTokenPrefix):])
}

func FuzzRefreshCodec_WellFormed(f *testing.F) {
	c := NewRefreshCodec(testSecret)
	tok, err := c.New()
	require.NoError(f, err)
	for _, seed := range []string{tok, "", "jrt_", tok[:52], tok + "x", strings.Repeat("\xff", RefreshTokenLength)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c.WellFormed(s) {
			assert.Regexp(t, refreshPattern, s)
			assert.Equal(t, checksum(s[:len(s)-refreshSumLength]), s[len(s)-refreshSumLength:])
		}
		assert.True(t, c.WellFormed(c.Successor(s)), "any input has a well-formed successor")
	})
}

func BenchmarkRefreshCodec_Successor(b *testing.B) {
	c := NewRefreshCodec(testSecret)
	parent, err := c.New()
	require.NoError(b, err)
	for b.Loop() {
		_ = c.Successor(parent)
	}
}

func BenchmarkRefreshCodec_New(b *testing.B) {
	c := NewRefreshCodec(testSecret)
	for b.Loop() {
		if _, err := c.New(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRefreshCodec_WellFormed(b *testing.B) {
	c := NewRefreshCodec(testSecret)
	tok, err := c.New()
	require.NoError(b, err)
	for b.Loop() {
		if !c.WellFormed(tok) {
			b.Fatal("refused")
		}
	}
}
