// Package bootstrap turns the process environment into a validated Config,
// builds the logger, and wires the service together.
package bootstrap

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Environment variable names, exported so that documentation, tests and the
// composition root refer to one spelling.
const (
	EnvSecretKey           = "SECRET_KEY"
	EnvAlgorithm           = "ALGORITHM"
	EnvAccessTokenMinutes  = "ACCESS_TOKEN_EXPIRE_MINUTES"
	EnvRefreshTokenDays    = "REFRESH_TOKEN_EXPIRE_DAYS"
	EnvSessionMaxAgeDays   = "SESSION_MAX_AGE_DAYS"
	EnvDatabaseURL         = "DATABASE_URL"
	EnvPort                = "PORT"
	EnvAppEnv              = "APP_ENV"
	EnvBcryptCost          = "BCRYPT_COST"
	EnvJWTIssuer           = "JWT_ISSUER"
	EnvReuseGraceSeconds   = "REFRESH_TOKEN_REUSE_GRACE_SECONDS"
	EnvRevokeFamilyOnReuse = "REFRESH_TOKEN_REVOKE_FAMILY_ON_REUSE"
	EnvLogLevel            = "LOG_LEVEL"
	EnvLogFormat           = "LOG_FORMAT"
	EnvCORSAllowOrigins    = "CORS_ALLOW_ORIGINS"
	EnvShutdownTimeout     = "SHUTDOWN_TIMEOUT_SECONDS"
)

// AppEnv values accepted in APP_ENV.
const (
	AppEnvDevelopment = "development"
	AppEnvProduction  = "production"
)

// LogFormat values accepted in LOG_FORMAT.
const (
	LogFormatJSON = "json"
	LogFormatText = "text"
)

// MinSecretKeyBytes is the shortest SECRET_KEY production accepts: 256 bits,
// the HS256 hash size, below which RFC 7518 §3.2 forbids HMAC keys.
const MinSecretKeyBytes = 32

// generatedSecretBytes is the size of the development fallback key: 64 bytes
// is the HS512 hash size, so the key is strong enough for every ALGORITHM.
const generatedSecretBytes = 64

const redacted = "[REDACTED]"

// Secret holds the signing key. Every way of printing or encoding it yields
// [REDACTED], so the key cannot leak through a log line, an error built
// with %v, or a JSON dump of the config; Reveal is the single way out.
type Secret []byte

// Reveal returns a copy of the key bytes, for the token signer only. It is a
// copy so that no caller can alter the key the rest of the process uses.
func (s Secret) Reveal() []byte { return bytes.Clone(s) }

// String implements fmt.Stringer with the redacted marker.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer so %#v does not dump the bytes.
func (s Secret) GoString() string { return "bootstrap.Secret{" + redacted + "}" }

// Format implements fmt.Formatter. Without it, verbs such as %x or %d would
// print the underlying bytes, because Stringer only covers %v and %s.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// LogValue implements slog.LogValuer so structured logs see only the marker.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler; a []byte would otherwise be encoded
// as base64 of the key.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler for text-based encoders
// (YAML, TOML, XML attributes) that would otherwise see the raw bytes.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Config is the whole runtime configuration, parsed once at start-up. Fields
// are typed so that no other package parses environment strings.
type Config struct {
	// SecretKey signs access tokens and derives refresh-token HMAC keys.
	SecretKey Secret
	// SecretGenerated reports that SecretKey was made up at start-up
	// (development only), so tokens do not survive a restart.
	SecretGenerated bool
	// Algorithm is the JWT signing algorithm: HS256, HS384 or HS512.
	Algorithm string
	// AccessTokenTTL is the lifetime of an access token.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the sliding lifetime of each refresh token.
	RefreshTokenTTL time.Duration
	// SessionMaxAge is the absolute lifetime of a login's token family.
	SessionMaxAge time.Duration
	// DatabaseURL is the raw DATABASE_URL; the persistence adapter parses it.
	// It may hold a password, so print Config, never this field.
	DatabaseURL string
	// Port is the TCP port the HTTP server listens on.
	Port int
	// AppEnv is "development" or "production".
	AppEnv string
	// BcryptCost is the bcrypt work factor for new password hashes.
	BcryptCost int
	// JWTIssuer is the iss claim written and required in access tokens.
	JWTIssuer string
	// ReuseGrace is how long after rotation a replayed refresh token is
	// treated as a lost response rather than theft; 0 disables the window.
	ReuseGrace time.Duration
	// RevokeFamilyOnReuse revokes the whole session when a refresh token is
	// reused outside the grace window.
	RevokeFamilyOnReuse bool
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// LogFormat is "json" (machines) or "text" (people).
	LogFormat string
	// CORSAllowOrigins lists allowed browser origins; empty turns CORS off.
	CORSAllowOrigins []string
	// ShutdownTimeout bounds graceful shutdown before connections are cut.
	ShutdownTimeout time.Duration
}

// DefaultConfig returns the configuration an empty environment produces,
// without a secret (LoadConfig supplies one in development).
func DefaultConfig() Config {
	return Config{
		Algorithm:           "HS256",
		AccessTokenTTL:      15 * time.Minute,
		RefreshTokenTTL:     7 * 24 * time.Hour,
		SessionMaxAge:       30 * 24 * time.Hour,
		DatabaseURL:         "sqlite:///jarvis_auth.db",
		Port:                8000,
		AppEnv:              AppEnvDevelopment,
		BcryptCost:          12,
		JWTIssuer:           "jarvis-auth",
		ReuseGrace:          10 * time.Second,
		RevokeFamilyOnReuse: true,
		LogLevel:            slog.LevelInfo,
		LogFormat:           LogFormatJSON,
		ShutdownTimeout:     10 * time.Second,
	}
}

// IsProduction reports whether the production safeguards apply.
func (c Config) IsProduction() bool { return c.AppEnv == AppEnvProduction }

const day = 24 * time.Hour

// LoadConfig reads the configuration from lookup (normally os.LookupEnv) and
// from the .env file at dotenvPath, then validates it.
//
// A variable present in the real environment wins over the file, even when
// empty, as with godotenv.Load. An empty value counts as unset and takes the
// default, because compose files often pass `VAR=` through. A missing .env
// file is fine; an unreadable or malformed one is an error, since silently
// ignoring it would start the service with settings nobody chose.
//
// It returns warnings to log at warn level, and an error joining every
// problem (errors.Join), one line each, naming the variable and what it
// accepts. No message ever contains SECRET_KEY or the DATABASE_URL.
func LoadConfig(lookup func(string) (string, bool), dotenvPath string) (Config, []string, error) {
	fileVars, err := readDotenv(dotenvPath)
	if err != nil {
		// Values from a broken file are unknown, so judging the rest would
		// only add misleading complaints.
		return Config{}, nil, err
	}
	get := func(name string) string {
		if lookup != nil {
			if v, ok := lookup(name); ok {
				return v
			}
		}
		return fileVars[name]
	}

	c := DefaultConfig()
	var problems []error
	fail := func(name, accepts, raw string) {
		problems = append(problems, fmt.Errorf("%s: must be %s, got %s", name, accepts, quote(raw)))
	}

	// The secret is deliberately not trimmed: whitespace may be part of a
	// key shared with other services, and changing it would break them.
	if v := get(EnvSecretKey); v != "" {
		c.SecretKey = Secret(v)
	}
	if v := strings.TrimSpace(get(EnvAppEnv)); v != "" {
		c.AppEnv = strings.ToLower(v)
	}
	if v := strings.TrimSpace(get(EnvAlgorithm)); v != "" {
		c.Algorithm = strings.ToUpper(v)
	}
	if v := strings.TrimSpace(get(EnvDatabaseURL)); v != "" {
		c.DatabaseURL = v
	}
	if v := strings.TrimSpace(get(EnvJWTIssuer)); v != "" {
		c.JWTIssuer = v
	}
	if v := strings.TrimSpace(get(EnvLogFormat)); v != "" {
		c.LogFormat = strings.ToLower(v)
	}
	if v := strings.TrimSpace(get(EnvCORSAllowOrigins)); v != "" {
		c.CORSAllowOrigins = splitList(v)
	}

	// Syntax errors are reported here with the raw text; the field keeps its
	// default so Validate does not report the same variable twice. Range
	// rules live only in Validate.
	ints := []struct {
		name string
		dst  *int
	}{
		{EnvPort, &c.Port},
		{EnvBcryptCost, &c.BcryptCost},
	}
	for _, f := range ints {
		raw := strings.TrimSpace(get(f.name))
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			fail(f.name, rangeRules[f.name], raw)
			continue
		}
		*f.dst = n
	}

	durations := []struct {
		name string
		unit time.Duration
		dst  *time.Duration
	}{
		{EnvAccessTokenMinutes, time.Minute, &c.AccessTokenTTL},
		{EnvRefreshTokenDays, day, &c.RefreshTokenTTL},
		{EnvSessionMaxAgeDays, day, &c.SessionMaxAge},
		{EnvReuseGraceSeconds, time.Second, &c.ReuseGrace},
		{EnvShutdownTimeout, time.Second, &c.ShutdownTimeout},
	}
	for _, f := range durations {
		raw := strings.TrimSpace(get(f.name))
		if raw == "" {
			continue
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		// Bound the count so the multiplication cannot wrap into a small or
		// negative duration that would pass the range check.
		limit := int64(math.MaxInt64 / f.unit)
		if err != nil || n > limit || n < -limit {
			fail(f.name, rangeRules[f.name], raw)
			continue
		}
		*f.dst = time.Duration(n) * f.unit
	}

	if raw := strings.TrimSpace(get(EnvRevokeFamilyOnReuse)); raw != "" {
		b, ok := parseBool(raw)
		if ok {
			c.RevokeFamilyOnReuse = b
		} else {
			fail(EnvRevokeFamilyOnReuse, "true or false (also 1/0, yes/no)", raw)
		}
	}
	if raw := strings.TrimSpace(get(EnvLogLevel)); raw != "" {
		l, ok := logLevels[strings.ToLower(raw)]
		if ok {
			c.LogLevel = l
		} else {
			fail(EnvLogLevel, "one of debug, info, warn, error", raw)
		}
	}

	var warnings []string
	if len(c.SecretKey) == 0 && c.AppEnv == AppEnvDevelopment {
		key := make([]byte, generatedSecretBytes)
		// crypto/rand.Read never fails since Go 1.24 (it crashes the process
		// instead), so there is no error path to handle.
		_, _ = rand.Read(key)
		c.SecretKey = key
		c.SecretGenerated = true
		warnings = append(warnings, EnvSecretKey+" is not set: using a random key for this process only; "+
			"tokens die with the process and are not accepted by other replicas")
	}
	warnings = append(warnings, c.secretWarnings()...)

	if err := c.Validate(); err != nil {
		problems = append(problems, unjoin(err)...)
	}
	if len(problems) > 0 {
		// Sorting groups the lines by variable name and keeps the output
		// stable between runs.
		slices.SortStableFunc(problems, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return c, warnings, errors.Join(problems...)
	}
	return c, warnings, nil
}

// rangeRules says what each numeric variable accepts, shared by the syntax
// check in LoadConfig and the range check in Validate so both say the same.
var rangeRules = map[string]string{
	EnvPort:               "an integer from 1 to 65535",
	EnvBcryptCost:         "an integer from 4 to 31",
	EnvAccessTokenMinutes: "a positive integer",
	EnvRefreshTokenDays:   "a positive integer",
	EnvSessionMaxAgeDays:  "a positive integer",
	EnvReuseGraceSeconds:  "a non-negative integer",
	EnvShutdownTimeout:    "a positive integer",
}

var logLevels = map[string]slog.Level{
	"debug":   slog.LevelDebug,
	"info":    slog.LevelInfo,
	"warn":    slog.LevelWarn,
	"warning": slog.LevelWarn,
	"error":   slog.LevelError,
}

var algorithms = []string{"HS256", "HS384", "HS512"}

// Validate checks every rule on an already typed Config and joins all
// violations. LoadConfig calls it; tests and other wiring that build a
// Config by hand call it too, so the rules live in one place.
func (c Config) Validate() error {
	var problems []error
	add := func(name, accepts string, got any) {
		problems = append(problems, fmt.Errorf("%s: must be %s, got %v", name, accepts, got))
	}

	if !slices.Contains(algorithms, c.Algorithm) {
		add(EnvAlgorithm, "one of HS256, HS384, HS512", quote(c.Algorithm))
	}
	if c.AccessTokenTTL <= 0 {
		add(EnvAccessTokenMinutes, rangeRules[EnvAccessTokenMinutes], int64(c.AccessTokenTTL/time.Minute))
	}
	if c.RefreshTokenTTL <= 0 {
		add(EnvRefreshTokenDays, rangeRules[EnvRefreshTokenDays], int64(c.RefreshTokenTTL/day))
	}
	if c.SessionMaxAge <= 0 {
		add(EnvSessionMaxAgeDays, rangeRules[EnvSessionMaxAgeDays], int64(c.SessionMaxAge/day))
	} else if c.RefreshTokenTTL > 0 && c.SessionMaxAge < c.RefreshTokenTTL {
		// A refresh token outliving its session would be refused before it
		// expires, which makes the sliding lifetime a lie.
		add(EnvSessionMaxAgeDays, "at least "+EnvRefreshTokenDays+" ("+strconv.FormatInt(int64(c.RefreshTokenTTL/day), 10)+")",
			int64(c.SessionMaxAge/day))
	}
	if msg := checkDatabaseURL(c.DatabaseURL); msg != "" {
		problems = append(problems, errors.New(EnvDatabaseURL+": "+msg))
	}
	if c.Port < 1 || c.Port > 65535 {
		add(EnvPort, rangeRules[EnvPort], c.Port)
	}
	if c.AppEnv != AppEnvDevelopment && c.AppEnv != AppEnvProduction {
		add(EnvAppEnv, "development or production", quote(c.AppEnv))
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		add(EnvBcryptCost, rangeRules[EnvBcryptCost], c.BcryptCost)
	}
	if strings.TrimSpace(c.JWTIssuer) == "" {
		problems = append(problems, errors.New(EnvJWTIssuer+": must not be empty"))
	}
	if c.ReuseGrace < 0 {
		add(EnvReuseGraceSeconds, rangeRules[EnvReuseGraceSeconds], int64(c.ReuseGrace/time.Second))
	}
	if c.LogFormat != LogFormatJSON && c.LogFormat != LogFormatText {
		add(EnvLogFormat, "json or text", quote(c.LogFormat))
	}
	for _, o := range c.CORSAllowOrigins {
		if !validOrigin(o) {
			add(EnvCORSAllowOrigins, `comma-separated origins like https://app.example.com (or "*")`, quote(o))
		}
	}
	if c.ShutdownTimeout <= 0 {
		add(EnvShutdownTimeout, rangeRules[EnvShutdownTimeout], int64(c.ShutdownTimeout/time.Second))
	}
	problems = append(problems, c.secretProblems()...)
	return errors.Join(problems...)
}

// secretProblems applies the production guard. An unknown APP_ENV gets the
// production rules too: failing closed is safer than guessing "development".
func (c Config) secretProblems() []error {
	if c.AppEnv == AppEnvDevelopment {
		return nil
	}
	switch {
	case len(c.SecretKey) == 0:
		return []error{errors.New(EnvSecretKey + ": required when APP_ENV=production (at least 32 random bytes)")}
	case isPlaceholder(c.SecretKey):
		return []error{errors.New(EnvSecretKey + ": must not be a placeholder value when APP_ENV=production; generate one with `openssl rand -hex 32`")}
	case len(c.SecretKey) < MinSecretKeyBytes:
		// The length is not reported: even that narrows a brute-force search.
		return []error{errors.New(EnvSecretKey + ": must be at least 32 bytes when APP_ENV=production; generate one with `openssl rand -hex 32`")}
	}
	return nil
}

// secretWarnings covers keys that are allowed but weak: in development the
// production refusals become warnings, and everywhere a key shorter than the
// chosen hash falls short of RFC 7518 §3.2.
func (c Config) secretWarnings() []string {
	var w []string
	if c.SecretGenerated {
		return nil
	}
	if c.AppEnv == AppEnvDevelopment && len(c.SecretKey) > 0 {
		switch {
		case isPlaceholder(c.SecretKey):
			w = append(w, EnvSecretKey+" is a known placeholder: acceptable for development only, refused when APP_ENV=production")
		case len(c.SecretKey) < MinSecretKeyBytes:
			w = append(w, EnvSecretKey+" is shorter than 32 bytes: acceptable for development only, refused when APP_ENV=production")
		}
	}
	hashBytes := map[string]int{"HS384": 48, "HS512": 64}[c.Algorithm]
	if hashBytes > 0 && len(c.SecretKey) >= MinSecretKeyBytes && len(c.SecretKey) < hashBytes {
		w = append(w, fmt.Sprintf("%s is shorter than %d bytes, the %s hash size that RFC 7518 asks for", EnvSecretKey, hashBytes, c.Algorithm))
	}
	return w
}

// placeholders are values copied from examples and tutorials, compared after
// lower-casing and dropping separators, so "Your-Secret_Key" matches too.
var placeholders = []string{
	"changeme", "changethis", "changeit", "secret", "secretkey", "yoursecret", "yoursecretkey",
	"mysecret", "mysecretkey", "supersecret", "supersecretkey", "jwtsecret", "jwtsecretkey",
	"password", "default", "test", "example", "replaceme", "insecure", "placeholder", "todo",
}

// placeholderMarkers catch long placeholders such as
// "change-me-to-a-long-random-string-in-production", which pass the length rule.
var placeholderMarkers = []string{"changeme", "changethis", "replaceme", "yoursecret", "placeholder", "insecure"}

func isPlaceholder(key []byte) bool {
	norm := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '.':
			return -1
		}
		return r
	}, strings.ToLower(string(key)))
	if slices.Contains(placeholders, norm) {
		return true
	}
	for _, m := range placeholderMarkers {
		if strings.Contains(norm, m) {
			return true
		}
	}
	// One repeated character ("xxxx…", "0000…") is padding, not a key.
	return len(key) > 0 && bytes.Count(key, key[:1]) == len(key)
}

// dbSchemes are the accepted DATABASE_URL prefixes; the SQLAlchemy driver
// suffix (postgresql+psycopg2://) is allowed so the Python-era .env works.
func checkDatabaseURL(raw string) string {
	const accepts = "a URL starting with postgres://, postgresql://, postgresql+<driver>:// or sqlite://"
	if raw == "" {
		return "must be " + accepts + ", got an empty value"
	}
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		// Without a scheme separator nothing safe can be echoed: the value
		// may be a bare user:password@host.
		return "must be " + accepts + ", got a value without a scheme"
	}
	s := strings.ToLower(scheme)
	if s == "postgres" || s == "postgresql" || s == "sqlite" {
		return ""
	}
	if driver, ok := strings.CutPrefix(s, "postgresql+"); ok && driver != "" {
		return ""
	}
	return "must be " + accepts + ", got scheme " + quote(scheme)
}

// maskDatabaseURL hides the password in the user info and in any
// password-like query parameter (pgx reads ?password=). When the URL does not
// parse, everything after the scheme is hidden, because url.Parse errors and
// fallbacks cannot tell where the password ends.
func maskDatabaseURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, ok := strings.Cut(raw, "://")
		if !ok {
			return redacted
		}
		return scheme + "://" + redacted
	}
	changed := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		changed = true
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return raw
	}
	return u.String()
}

func validOrigin(o string) bool {
	if o == "*" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == ""
}

// splitList splits a comma-separated value, trimming items and dropping
// empty ones; a trailing slash is removed because browsers never send one
// in Origin, so "https://a.example/" would otherwise never match.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item != "*" {
			item = strings.TrimRight(item, "/")
		}
		if item != "" {
			out = append(out, item)
		}
	}
	return out
}

func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

// quote renders an offending value for an error line, shortened so that a
// pasted blob cannot flood the log.
func quote(v string) string {
	const maxLen = 64
	if len(v) > maxLen {
		return strconv.Quote(v[:maxLen]) + "…"
	}
	return strconv.Quote(v)
}

// unjoin flattens an errors.Join result so LoadConfig can sort its lines
// together with its own.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// readDotenv returns the variables in the .env file, or none when it does
// not exist.
func readDotenv(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf(".env file: cannot read: %w", err)
	}
	vars, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		// godotenv's parse errors quote the rest of the file, which may hold
		// SECRET_KEY, so the detail is dropped on purpose.
		return nil, fmt.Errorf(".env file %s: malformed (expected KEY=value lines; details withheld because the file may hold secrets)", path)
	}
	return vars, nil
}

// attrs is the single masked view of the config behind String, LogValue and
// MarshalJSON, so a new field cannot be printed unmasked by one of them.
func (c Config) attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("app_env", c.AppEnv),
		slog.Int("port", c.Port),
		slog.String("database_url", maskDatabaseURL(c.DatabaseURL)),
		slog.String("secret_key", redacted),
		slog.Bool("secret_generated", c.SecretGenerated),
		slog.String("algorithm", c.Algorithm),
		slog.String("jwt_issuer", c.JWTIssuer),
		slog.String("access_token_ttl", c.AccessTokenTTL.String()),
		slog.String("refresh_token_ttl", c.RefreshTokenTTL.String()),
		slog.String("session_max_age", c.SessionMaxAge.String()),
		slog.String("reuse_grace", c.ReuseGrace.String()),
		slog.Bool("revoke_family_on_reuse", c.RevokeFamilyOnReuse),
		slog.Int("bcrypt_cost", c.BcryptCost),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.String("cors_allow_origins", strings.Join(c.CORSAllowOrigins, ",")),
		slog.String("shutdown_timeout", c.ShutdownTimeout.String()),
	}
}

// String prints the config on one line with the secret and the database
// password masked, suitable for a start-up log.
func (c Config) String() string {
	var b strings.Builder
	b.WriteString("Config{")
	for i, a := range c.attrs() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(a.Value.String())
	}
	b.WriteByte('}')
	return b.String()
}

// GoString makes %#v print the masked view instead of the raw fields.
func (c Config) GoString() string { return "bootstrap." + c.String() }

// Format implements fmt.Formatter so that every verb, not only %v and %s,
// goes through the masked view; %d on a struct would otherwise print
// DatabaseURL verbatim.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(c.GoString()))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue implements slog.LogValuer with the masked view as a group.
func (c Config) LogValue() slog.Value { return slog.GroupValue(c.attrs()...) }

// MarshalJSON encodes the masked view; the default encoding would include
// DatabaseURL with its password.
func (c Config) MarshalJSON() ([]byte, error) {
	m := make(map[string]any)
	for _, a := range c.attrs() {
		m[a.Key] = a.Value.Any()
	}
	return json.Marshal(m)
}
