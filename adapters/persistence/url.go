package persistence

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// acceptedURLs is repeated in every parse error so that an operator can fix
// DATABASE_URL from the message alone.
const acceptedURLs = "accepted: postgres://…, postgresql://…, postgresql+<driver>://…, " +
	"sqlite:///relative.db, sqlite:////absolute.db, sqlite:// (in memory)"

// ErrInvalidURL is wrapped by every ParseDatabaseURL error.
var ErrInvalidURL = errors.New("invalid database URL")

// Target is a parsed DATABASE_URL: which dialect, and the DSN its driver takes.
type Target struct {
	Dialect Dialect
	// DSN is what the driver is opened with: a pgx connection URL for
	// Postgres; a file path (absolute) or ":memory:" for SQLite. It may hold
	// a password: print Target (which redacts it), never DSN.
	DSN string
}

// Memory reports whether the target is an in-memory SQLite database.
func (t Target) Memory() bool { return t.Dialect == SQLite && t.DSN == memoryDSN }

// String describes the target with any password masked, so that a Target
// can be logged.
func (t Target) String() string {
	if t.Dialect != Postgres {
		return string(t.Dialect) + ":" + t.DSN
	}
	u, err := url.Parse(t.DSN)
	if err != nil {
		return string(t.Dialect) + ":[unparseable]"
	}
	return string(t.Dialect) + ":" + u.Redacted()
}

const memoryDSN = ":memory:"

// ParseDatabaseURL reads a DATABASE_URL. It accepts the SQLAlchemy spellings
// the Python service used, so that its configuration carries over:
// postgres://, postgresql:// and postgresql+psycopg2:// (any "+driver" suffix
// is ignored), sqlite:///relative.db (resolved against the working
// directory now, so a later chdir cannot move the database),
// sqlite:////absolute.db and sqlite:// (in memory). Query parameters of a
// sqlite URL are ignored: connection settings (WAL, busy timeout, foreign
// keys) are fixed by Open. Errors wrap ErrInvalidURL and never quote the URL,
// because it may carry a password.
func ParseDatabaseURL(raw string) (Target, error) {
	raw = strings.TrimSpace(raw)
	scheme, rest, ok := strings.Cut(raw, "://")
	if raw == "" || !ok {
		return Target{}, fmt.Errorf("%w: not a URL (%s)", ErrInvalidURL, acceptedURLs)
	}
	base, _, _ := strings.Cut(strings.ToLower(scheme), "+")
	switch base {
	case "postgres", "postgresql":
		return parsePostgres(rest)
	case "sqlite":
		return parseSQLite(rest)
	default:
		// The scheme is safe to quote only when it is short and plain; a
		// malformed URL could put user:password before the first "://".
		if !plainScheme(scheme) {
			return Target{}, fmt.Errorf("%w: unsupported scheme (%s)", ErrInvalidURL, acceptedURLs)
		}
		return Target{}, fmt.Errorf("%w: unsupported scheme %q (%s)", ErrInvalidURL, scheme, acceptedURLs)
	}
}

func plainScheme(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func parsePostgres(rest string) (Target, error) {
	dsn := "postgres://" + rest
	// url.Parse errors quote the whole URL, password included, so only the
	// fact of the failure is reported.
	u, err := url.Parse(dsn)
	if err != nil {
		return Target{}, fmt.Errorf("%w: malformed postgres URL (%s)", ErrInvalidURL, acceptedURLs)
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return Target{}, fmt.Errorf("%w: postgres URL has no host (%s)", ErrInvalidURL, acceptedURLs)
	}
	return Target{Dialect: Postgres, DSN: dsn}, nil
}

func parseSQLite(rest string) (Target, error) {
	rest, _, _ = strings.Cut(rest, "?")
	switch {
	case rest == "" || rest == "/:memory:":
		return Target{Dialect: SQLite, DSN: memoryDSN}, nil
	case !strings.HasPrefix(rest, "/") || rest == "/":
		// sqlite://host/x.db or sqlite:/// : SQLite has no host and needs a path.
		return Target{}, fmt.Errorf("%w: sqlite URL needs three slashes and a path (%s)", ErrInvalidURL, acceptedURLs)
	}
	path := rest[1:] // "/x.db" → "x.db" (relative); "//x.db" → "/x.db" (absolute)
	abs, err := filepath.Abs(path)
	if err != nil {
		return Target{}, fmt.Errorf("%w: sqlite path: %w", ErrInvalidURL, err)
	}
	return Target{Dialect: SQLite, DSN: abs}, nil
}
