package security

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"

	"github.com/jarvis/jarvis-auth/application/auth"
)

// Refresh token layout: RefreshTokenPrefix, then 32 bytes (256 bits, the
// contract's minimum) as unpadded base64url, then a 6-character checksum.
const (
	// RefreshTokenPrefix marks refresh tokens, so that they are recognisable
	// in a leak (secret scanners) and not confused with access tokens.
	RefreshTokenPrefix = "jrt_"
	// RefreshTokenLength is the exact length of every refresh token.
	RefreshTokenLength = len(RefreshTokenPrefix) + refreshBodyLength + refreshSumLength

	refreshBodyBytes  = 32
	refreshBodyLength = 43 // base64url of 32 bytes, no padding
	refreshSumLength  = 6  // base64url of a 4-byte CRC32, no padding
)

// successorLabel separates the successor key from every other use of the
// shared secret (the JWT signature above all), so that neither can be
// turned into the other.
const successorLabel = "jarvis-auth refresh-token successor v1"

// RefreshCodec implements auth.RefreshTokenCodec. It is safe for concurrent use.
type RefreshCodec struct {
	successorKey []byte
}

var _ auth.RefreshTokenCodec = (*RefreshCodec)(nil)

// NewRefreshCodec derives the successor key from secret. It panics on an
// empty secret: successors computed under a known key could be forged by
// anyone holding an old token, and configuration must never let that happen.
func NewRefreshCodec(secret []byte) *RefreshCodec {
	if len(secret) == 0 {
		panic("security: NewRefreshCodec needs a non-empty secret")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(successorLabel))
	return &RefreshCodec{successorKey: mac.Sum(nil)}
}

// New returns a fresh token with 256 bits from crypto/rand.
func (c *RefreshCodec) New() (string, error) {
	body := make([]byte, refreshBodyBytes)
	if _, err := rand.Read(body); err != nil {
		return "", err
	}
	return encodeRefresh(body), nil
}

// Successor returns the token that follows parent: the HMAC of parent under
// the successor key, in the same format. Being a keyed function of parent,
// every replica computes the same successor without shared state, which is
// what lets concurrent and repeated rotations agree; without the secret it
// cannot be predicted from parent.
func (c *RefreshCodec) Successor(parent string) string {
	mac := hmac.New(sha256.New, c.successorKey)
	mac.Write([]byte(parent))
	return encodeRefresh(mac.Sum(nil))
}

// Digest returns the lowercase hex SHA-256 of the whole token, the value
// stored in refresh_tokens.token_hash. A plain hash suffices: the token has
// 256 random bits, so there is nothing to brute-force.
func (c *RefreshCodec) Digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WellFormed checks prefix, length, alphabet and checksum, so that typos and
// garbage are refused without a database call. Past the length check it
// reads every byte whatever it finds; the checksum is not a secret, but there
// is no reason to give timing hints either.
func (c *RefreshCodec) WellFormed(token string) bool {
	if len(token) != RefreshTokenLength {
		return false
	}
	ok := subtle.ConstantTimeCompare([]byte(token[:len(RefreshTokenPrefix)]), []byte(RefreshTokenPrefix))
	for i := len(RefreshTokenPrefix); i < len(token); i++ {
		ok &= isBase64URL(token[i])
	}
	split := len(token) - refreshSumLength
	ok &= subtle.ConstantTimeCompare([]byte(checksum(token[:split])), []byte(token[split:]))
	return ok == 1
}

// encodeRefresh formats a 32-byte body as a token.
func encodeRefresh(body []byte) string {
	s := RefreshTokenPrefix + base64.RawURLEncoding.EncodeToString(body)
	return s + checksum(s)
}

// checksum is CRC32 (IEEE) of prefix and body, as unpadded base64url. It
// catches typos and truncation, not forgery: forgery is what the 256
// random bits and the database lookup are for.
func checksum(s string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.ChecksumIEEE([]byte(s)))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// isBase64URL returns 1 for a byte of the base64url alphabet, else 0.
func isBase64URL(b byte) int {
	switch {
	case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '-', b == '_':
		return 1
	}
	return 0
}
