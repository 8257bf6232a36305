package security

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

var (
	testSecret = []byte("0123456789abcdef0123456789abcdef")
	testNow    = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)
)

const (
	testIssuer = "jarvis-auth"
	testTTL    = 15 * time.Minute
)

func newJWT(t testing.TB, alg string) *JWT {
	t.Helper()
	j, err := NewJWT(JWTConfig{Secret: testSecret, Algorithm: alg, Issuer: testIssuer, TTL: testTTL})
	require.NoError(t, err)
	return j
}

// validClaims is what Issue writes, as a map that tests can bend.
func validClaims() jwt.MapClaims {
	iat := testNow.Truncate(time.Second)
	return jwt.MapClaims{
		"sub":   "42",
		"email": "alice@example.com",
		"iat":   iat.Unix(),
		"exp":   iat.Add(testTTL).Unix(),
		"jti":   "Zm9vYmFyYmF6cXV4cXV1eA",
		"iss":   testIssuer,
		"sid":   "7",
	}
}

// sign makes a token the way an attacker or a buggy peer might.
func sign(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["typ"] = AccessTokenType
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func with(mutate func(jwt.MapClaims)) jwt.MapClaims {
	c := validClaims()
	mutate(c)
	return c
}

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestNewJWT_RefusesBadConfig(t *testing.T) {
	good := JWTConfig{Secret: testSecret, Algorithm: "HS256", Issuer: testIssuer, TTL: testTTL}
	tests := []struct {
		name   string
		mutate func(*JWTConfig)
	}{
		{name: "RS256 algorithm", mutate: func(c *JWTConfig) { c.Algorithm = "RS256" }},
		{name: "ES256 algorithm", mutate: func(c *JWTConfig) { c.Algorithm = "ES256" }},
		{name: "none algorithm", mutate: func(c *JWTConfig) { c.Algorithm = "none" }},
		{name: "lower-case algorithm", mutate: func(c *JWTConfig) { c.Algorithm = "hs256" }},
		{name: "empty algorithm", mutate: func(c *JWTConfig) { c.Algorithm = "" }},
		{name: "empty secret", mutate: func(c *JWTConfig) { c.Secret = nil }},
		{name: "empty issuer", mutate: func(c *JWTConfig) { c.Issuer = "" }},
		{name: "zero ttl", mutate: func(c *JWTConfig) { c.TTL = 0 }},
		{name: "negative ttl", mutate: func(c *JWTConfig) { c.TTL = -time.Minute }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mutate(&cfg)
			j, err := NewJWT(cfg)
			assert.Error(t, err)
			assert.Nil(t, j)
		})
	}
}

func TestJWT_IssueThenVerify_ReturnsSameClaims(t *testing.T) {
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		t.Run(alg, func(t *testing.T) {
			j := newJWT(t, alg)
			token, issued, err := j.Issue(42, "alice@example.com", 7, testNow)
			require.NoError(t, err)

			iat := testNow.Truncate(time.Second)
			assert.Equal(t, auth.AccessClaims{
				UserID: 42, Email: "alice@example.com", SessionID: 7,
				IssuedAt: iat, ExpiresAt: iat.Add(testTTL),
			}, issued)

			got, err := j.Verify(token, testNow.Add(testTTL-time.Second))
			require.NoError(t, err)
			assert.Equal(t, issued, got)
		})
	}
}

func TestJWT_Issue_HeaderAndClaimsShape(t *testing.T) {
	j := newJWT(t, "HS256")
	token, _, err := j.Issue(42, "alice@example.com", 7, testNow)
	require.NoError(t, err)
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)

	header := decodeSegment(t, parts[0])
	assert.Equal(t, map[string]any{"alg": "HS256", "typ": "at+jwt"}, header)

	claims := decodeSegment(t, parts[1])
	assert.Equal(t, []string{"email", "exp", "iat", "iss", "jti", "sid", "sub"}, slices.Sorted(maps.Keys(claims)),
		"exactly these claims; no aud, which python-jose would refuse")
	assert.Equal(t, "42", claims["sub"], "sub is a decimal string, read with int() by Python services")
	assert.Equal(t, "7", claims["sid"])
	assert.Equal(t, "alice@example.com", claims["email"])
	assert.Equal(t, testIssuer, claims["iss"])
	assert.Equal(t, float64(testNow.Unix()), claims["iat"])
	assert.Equal(t, testTTL.Seconds(), claims["exp"].(float64)-claims["iat"].(float64))

	jti, ok := claims["jti"].(string)
	require.True(t, ok)
	raw, err := base64.RawURLEncoding.DecodeString(jti)
	require.NoError(t, err, "jti is URL-safe base64")
	assert.GreaterOrEqual(t, len(raw)*8, 128)

	other, _, err := j.Issue(42, "alice@example.com", 7, testNow)
	require.NoError(t, err)
	assert.NotEqual(t, jti, decodeSegment(t, strings.Split(other, ".")[1])["jti"], "jti is random per token")
}

func TestJWT_Issue_RefusesWhatVerifyWouldRefuse(t *testing.T) {
	j := newJWT(t, "HS256")
	tests := []struct {
		name  string
		uid   user.ID
		email user.Email
		sid   session.ID
	}{
		{name: "zero user id", uid: 0, email: "a@b.co", sid: 1},
		{name: "negative session id", uid: 1, email: "a@b.co", sid: -1},
		{name: "empty email", uid: 1, email: "", sid: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := j.Issue(tt.uid, tt.email, tt.sid, testNow)
			assert.Error(t, err)
		})
	}
}

func TestJWT_Verify_AcceptsTypVariants(t *testing.T) {
	j := newJWT(t, "HS256")
	for _, typ := range []string{"at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt", "Application/AT+JWT"} {
		t.Run(typ, func(t *testing.T) {
			token := sign(t, jwt.SigningMethodHS256, testSecret, map[string]any{"typ": typ}, validClaims())
			_, err := j.Verify(token, testNow)
			assert.NoError(t, err)
		})
	}
}

func TestJWT_Verify_Refusals(t *testing.T) {
	j := newJWT(t, "HS256")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	hs256 := func(header map[string]any, claims jwt.MapClaims) string {
		return sign(t, jwt.SigningMethodHS256, testSecret, header, claims)
	}
	valid := hs256(nil, validClaims())
	parts := strings.Split(valid, ".")
	exp := testNow.Truncate(time.Second).Add(testTTL)

	tests := []struct {
		name   string
		reason error // the fixed-text cause wrapped next to ErrInvalidAccessToken
		token  string
		now    time.Time // zero: testNow
	}{
		{name: "alg none", reason: jwt.ErrTokenSignatureInvalid, token: sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, validClaims())},
		{name: "alg none with the valid signature kept", reason: jwt.ErrTokenSignatureInvalid, token: func() string {
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`))
			return h + "." + parts[1] + "." + parts[2]
		}()},
		{name: "HS384 when HS256 configured", reason: jwt.ErrTokenSignatureInvalid, token: sign(t, jwt.SigningMethodHS384, testSecret, nil, validClaims())},
		{name: "HS512 when HS256 configured", reason: jwt.ErrTokenSignatureInvalid, token: sign(t, jwt.SigningMethodHS512, testSecret, nil, validClaims())},
		{name: "RS256 signed", reason: jwt.ErrTokenSignatureInvalid, token: sign(t, jwt.SigningMethodRS256, rsaKey, nil, validClaims())},
		{name: "ES256 signed", reason: jwt.ErrTokenSignatureInvalid, token: sign(t, jwt.SigningMethodES256, ecKey, nil, validClaims())},
		{name: "wrong secret", reason: jwt.ErrTokenSignatureInvalid, token: sign(t, jwt.SigningMethodHS256, []byte("another secret of enough length!"), nil, validClaims())},
		{name: "payload swapped after signing", reason: jwt.ErrTokenSignatureInvalid, token: parts[0] + "." + strings.Split(hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "1" })), ".")[1] + "." + parts[2]},
		{name: "signature stripped", reason: jwt.ErrTokenSignatureInvalid, token: parts[0] + "." + parts[1] + "."},
		{name: "typ JWT", reason: errWrongType, token: hs256(map[string]any{"typ": "JWT"}, validClaims())},
		{name: "typ id token", reason: errWrongType, token: hs256(map[string]any{"typ": "id+jwt"}, validClaims())},
		{name: "typ missing", reason: errWrongType, token: hs256(map[string]any{"typ": nil}, validClaims())},
		{name: "typ not a string", reason: errWrongType, token: hs256(map[string]any{"typ": 1}, validClaims())},
		{name: "expired", reason: jwt.ErrTokenExpired, token: valid, now: exp.Add(time.Second)},
		{name: "at the exp instant", reason: jwt.ErrTokenExpired, token: valid, now: exp},
		{name: "exp missing", reason: jwt.ErrTokenRequiredClaimMissing, token: hs256(nil, with(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{name: "exp a string", reason: jwt.ErrTokenMalformed, token: hs256(nil, with(func(c jwt.MapClaims) { c["exp"] = "later" }))},
		{name: "not valid yet", reason: jwt.ErrTokenNotValidYet, token: hs256(nil, with(func(c jwt.MapClaims) { c["nbf"] = exp.Unix() }))},
		{name: "iat missing", reason: jwt.ErrTokenRequiredClaimMissing, token: hs256(nil, with(func(c jwt.MapClaims) { delete(c, "iat") }))},
		{name: "wrong issuer", reason: jwt.ErrTokenInvalidIssuer, token: hs256(nil, with(func(c jwt.MapClaims) { c["iss"] = "someone-else" }))},
		{name: "issuer missing", reason: jwt.ErrTokenRequiredClaimMissing, token: hs256(nil, with(func(c jwt.MapClaims) { delete(c, "iss") }))},
		{name: "sub missing", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { delete(c, "sub") }))},
		{name: "sub empty", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "" }))},
		{name: "sub not numeric", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "alice" }))},
		{name: "sub zero", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "0" }))},
		{name: "sub negative", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "-42" }))},
		{name: "sub with leading zero", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "042" }))},
		{name: "sub with plus sign", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "+42" }))},
		{name: "sub overflowing int64", reason: jwt.ErrTokenInvalidSubject, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = "9223372036854775808" }))},
		{name: "sub a JSON number", reason: jwt.ErrTokenMalformed, token: hs256(nil, with(func(c jwt.MapClaims) { c["sub"] = 42 }))},
		{name: "sid missing", reason: errBadSID, token: hs256(nil, with(func(c jwt.MapClaims) { delete(c, "sid") }))},
		{name: "sid not numeric", reason: errBadSID, token: hs256(nil, with(func(c jwt.MapClaims) { c["sid"] = "abc" }))},
		{name: "sid a JSON number", reason: jwt.ErrTokenMalformed, token: hs256(nil, with(func(c jwt.MapClaims) { c["sid"] = 7 }))},
		{name: "email missing", reason: errBadEmail, token: hs256(nil, with(func(c jwt.MapClaims) { delete(c, "email") }))},
		{name: "email not an address", reason: errBadEmail, token: hs256(nil, with(func(c jwt.MapClaims) { c["email"] = "alice" }))},
		{name: "email not normalised", reason: errBadEmail, token: hs256(nil, with(func(c jwt.MapClaims) { c["email"] = " Alice@Example.com" }))},
		{name: "empty string", reason: jwt.ErrTokenMalformed, token: ""},
		{name: "garbage", reason: jwt.ErrTokenMalformed, token: "not a token"},
		{name: "three empty segments", reason: jwt.ErrTokenMalformed, token: ".."},
		{name: "two segments", reason: jwt.ErrTokenMalformed, token: parts[0] + "." + parts[1]},
		{name: "four segments", reason: jwt.ErrTokenMalformed, token: valid + ".x"},
		{name: "non-base64 header", reason: jwt.ErrTokenMalformed, token: "!!!." + parts[1] + "." + parts[2]},
		{name: "header not JSON", reason: jwt.ErrTokenMalformed, token: base64.RawURLEncoding.EncodeToString([]byte("hello")) + "." + parts[1] + "." + parts[2]},
		{name: "padded base64", reason: jwt.ErrTokenMalformed, token: parts[0] + "=." + parts[1] + "." + parts[2]},
		{name: "refresh token", reason: jwt.ErrTokenMalformed, token: "jrt_" + strings.Repeat("A", 49)},
		{name: "oversized", reason: jwt.ErrTokenMalformed, token: valid + strings.Repeat("A", maxAccessTokenLength)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = testNow
			}
			claims, err := j.Verify(tt.token, now)
			require.ErrorIs(t, err, auth.ErrInvalidAccessToken)
			assert.ErrorIs(t, err, tt.reason)
			assert.Zero(t, claims)
			for _, seg := range strings.Split(tt.token, ".") {
				if len(seg) >= 8 {
					assert.NotContains(t, err.Error(), seg, "the error text never quotes the token")
				}
			}
		})
	}
}

func TestJWT_Verify_RefusalNamesReason(t *testing.T) {
	j := newJWT(t, "HS256")
	token, claims, err := j.Issue(42, "alice@example.com", 7, testNow)
	require.NoError(t, err)
	_, err = j.Verify(token, claims.ExpiresAt.Add(time.Minute))
	require.ErrorIs(t, err, auth.ErrInvalidAccessToken)
	assert.ErrorIs(t, err, jwt.ErrTokenExpired)
	assert.Equal(t, "invalid access token: token is expired", err.Error())
}

func TestJWT_Verify_TokenFromOtherIssuerConfig_Refused(t *testing.T) {
	a := newJWT(t, "HS256")
	b, err := NewJWT(JWTConfig{Secret: testSecret, Algorithm: "HS256", Issuer: "other", TTL: testTTL})
	require.NoError(t, err)
	token, _, err := b.Issue(42, "alice@example.com", 7, testNow)
	require.NoError(t, err)
	_, err = a.Verify(token, testNow)
	assert.ErrorIs(t, err, jwt.ErrTokenInvalidIssuer)
}

func FuzzJWT_Verify(f *testing.F) {
	j := newJWT(f, "HS256")
	valid, _, err := j.Issue(42, "alice@example.com", 7, testNow)
	require.NoError(f, err)
	for _, seed := range []string{valid, "", "..", "a.b.c", valid[:len(valid)-1], "eyJhbGciOiJub25lIn0.e30."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := j.Verify(token, testNow)
		if err != nil {
			require.ErrorIs(t, err, auth.ErrInvalidAccessToken)
			return
		}
		assert.Positive(t, claims.UserID)
		assert.Positive(t, claims.SessionID)
	})
}

func BenchmarkJWT_Issue(b *testing.B) {
	j := newJWT(b, "HS256")
	for b.Loop() {
		if _, _, err := j.Issue(42, "alice@example.com", 7, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWT_Verify(b *testing.B) {
	j := newJWT(b, "HS256")
	token, _, err := j.Issue(42, "alice@example.com", 7, testNow)
	require.NoError(b, err)
	for b.Loop() {
		if _, err := j.Verify(token, testNow); err != nil {
			b.Fatal(err)
		}
	}
}
