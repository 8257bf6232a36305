package security

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// AccessTokenType is the typ header of access tokens (RFC 9068 §2.1). It
// keeps a token of another kind signed with the same secret (an ID token,
// some other service's JWT) from being accepted as an access token.
const AccessTokenType = "at+jwt"

// maxAccessTokenLength bounds what Verify will parse. Our tokens are a few
// hundred bytes; anything much longer is garbage and not worth decoding.
const maxAccessTokenLength = 4096

// JWTConfig configures NewJWT.
type JWTConfig struct {
	// Secret is the HMAC key shared with services that verify tokens locally.
	Secret []byte
	// Algorithm is "HS256", "HS384" or "HS512".
	Algorithm string
	// Issuer is written to and required in the iss claim.
	Issuer string
	// TTL is the access token lifetime (exp = iat + TTL).
	TTL time.Duration
}

// JWT implements auth.AccessTokens with HMAC-signed JWTs. It is safe for
// concurrent use.
type JWT struct {
	method *jwt.SigningMethodHMAC
	secret []byte
	issuer string
	ttl    time.Duration
}

var _ auth.AccessTokens = (*JWT)(nil)

// accessClaims is the wire shape. Audience is left empty on purpose:
// python-jose refuses tokens with aud when the verifier names no audience,
// and the Jarvis services verify without one.
type accessClaims struct {
	jwt.RegisteredClaims
	Email string `json:"email"`
	SID   string `json:"sid"`
}

// NewJWT validates cfg. Only the HMAC algorithms are accepted: the secret is
// shared, so an asymmetric algorithm would need a key pair we do not have.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	var method *jwt.SigningMethodHMAC
	switch cfg.Algorithm {
	case "HS256":
		method = jwt.SigningMethodHS256
	case "HS384":
		method = jwt.SigningMethodHS384
	case "HS512":
		method = jwt.SigningMethodHS512
	default:
		return nil, fmt.Errorf("jwt: algorithm %q is not one of HS256, HS384, HS512", cfg.Algorithm)
	}
	if len(cfg.Secret) == 0 {
		return nil, errors.New("jwt: secret is empty")
	}
	if cfg.Issuer == "" {
		// golang-jwt skips the iss check when the expected issuer is empty.
		return nil, errors.New("jwt: issuer is empty")
	}
	if cfg.TTL <= 0 {
		return nil, fmt.Errorf("jwt: ttl %s is not positive", cfg.TTL)
	}
	return &JWT{
		method: method,
		secret: append([]byte(nil), cfg.Secret...),
		issuer: cfg.Issuer,
		ttl:    cfg.TTL,
	}, nil
}

// Issue signs an access token for the user and session, valid from now for
// the configured TTL. Times are cut to whole seconds, as the token carries
// them, so the returned claims equal what Verify will later return.
func (j *JWT) Issue(userID user.ID, email user.Email, sid session.ID, now time.Time) (string, auth.AccessClaims, error) {
	if userID <= 0 || sid <= 0 || email == "" {
		// Verify would refuse such a token; failing here finds the bug sooner.
		return "", auth.AccessClaims{}, errors.New("issue access token: user id, session id and email are required")
	}
	jti, err := randomID()
	if err != nil {
		return "", auth.AccessClaims{}, fmt.Errorf("issue access token: %w", err)
	}
	iat := now.UTC().Truncate(time.Second)
	exp := iat.Add(j.ttl)
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    j.issuer,
			Subject:   strconv.FormatInt(int64(userID), 10),
			IssuedAt:  jwt.NewNumericDate(iat),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        jti,
		},
		Email: email.String(),
		SID:   strconv.FormatInt(int64(sid), 10),
	}
	tok := jwt.NewWithClaims(j.method, claims)
	tok.Header["typ"] = AccessTokenType
	signed, err := tok.SignedString(j.secret)
	if err != nil {
		return "", auth.AccessClaims{}, fmt.Errorf("issue access token: sign: %w", err)
	}
	return signed, auth.AccessClaims{UserID: userID, Email: email, SessionID: sid, IssuedAt: iat, ExpiresAt: exp}, nil
}

// Verify checks the token at now and returns its claims. Every refusal wraps
// auth.ErrInvalidAccessToken and names the reason with a fixed string, never
// the token or any part of it.
func (j *JWT) Verify(token string, now time.Time) (auth.AccessClaims, error) {
	if token == "" || len(token) > maxAccessTokenLength {
		return auth.AccessClaims{}, refuse(jwt.ErrTokenMalformed)
	}
	parser := jwt.NewParser(
		// Only the configured algorithm: this is what refuses alg=none,
		// other HMAC sizes and RS/ES tokens (RFC 8725 §3.1).
		jwt.WithValidMethods([]string{j.method.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(j.issuer),
		jwt.WithTimeFunc(func() time.Time { return now }),
		// Canonical base64url only, so one token has one spelling.
		jwt.WithStrictDecoding(),
	)
	var claims accessClaims
	_, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		// golang-jwt does not look at typ; checking it before the signature
		// keeps other JWT kinds signed with this secret out (RFC 8725 §3.11).
		if !isAccessTokenType(t.Header["typ"]) {
			return nil, errWrongType
		}
		return j.secret, nil
	})
	if err != nil {
		return auth.AccessClaims{}, refuse(err)
	}
	userID, ok := positiveDecimal(claims.Subject)
	if !ok {
		return auth.AccessClaims{}, refuse(jwt.ErrTokenInvalidSubject)
	}
	sid, ok := positiveDecimal(claims.SID)
	if !ok {
		return auth.AccessClaims{}, refuse(errBadSID)
	}
	email, err := user.ParseEmail(claims.Email)
	if err != nil || email.String() != claims.Email {
		return auth.AccessClaims{}, refuse(errBadEmail)
	}
	if claims.IssuedAt == nil {
		return auth.AccessClaims{}, refuse(jwt.ErrTokenRequiredClaimMissing)
	}
	return auth.AccessClaims{
		UserID:    user.ID(userID),
		Email:     email,
		SessionID: session.ID(sid),
		IssuedAt:  claims.IssuedAt.UTC(),
		ExpiresAt: claims.ExpiresAt.UTC(),
	}, nil
}

// Reasons for refusal that golang-jwt has no sentinel for.
var (
	errWrongType = errors.New("token type is not at+jwt")
	errBadSID    = errors.New("token has invalid sid")
	errBadEmail  = errors.New("token has invalid email")
)

// refusalReasons are the fixed-text errors a refusal may carry besides
// auth.ErrInvalidAccessToken. golang-jwt's own messages can quote decoder
// errors, which may echo bytes of the token, so we keep only these.
var refusalReasons = []error{
	errWrongType,
	errBadSID,
	errBadEmail,
	jwt.ErrTokenExpired,
	jwt.ErrTokenRequiredClaimMissing,
	jwt.ErrTokenInvalidIssuer,
	jwt.ErrTokenInvalidSubject,
	jwt.ErrTokenNotValidYet,
	jwt.ErrTokenUsedBeforeIssued,
	jwt.ErrTokenSignatureInvalid,
	jwt.ErrTokenMalformed,
	jwt.ErrTokenUnverifiable,
	jwt.ErrTokenInvalidClaims,
}

// refuse wraps auth.ErrInvalidAccessToken with the first known reason in err.
func refuse(err error) error {
	for _, reason := range refusalReasons {
		if errors.Is(err, reason) {
			return fmt.Errorf("%w: %w", auth.ErrInvalidAccessToken, reason)
		}
	}
	return fmt.Errorf("%w: %w", auth.ErrInvalidAccessToken, jwt.ErrTokenMalformed)
}

// isAccessTokenType accepts "at+jwt" and its full media type, compared
// case-insensitively as media types are (RFC 9068 §4, RFC 8725 §3.11).
func isAccessTokenType(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	return strings.EqualFold(s, AccessTokenType) || strings.EqualFold(s, "application/"+AccessTokenType)
}

// positiveDecimal parses a canonical positive decimal integer ("42", not
// "042", "+42" or "4.2e1"), which is what Issue writes and what Python
// verifiers read with int().
func positiveDecimal(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// randomID returns 128 random bits, URL-safe, for the jti claim.
func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
