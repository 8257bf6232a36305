package user

import (
	"log/slog"
	"unicode/utf8"
)

// Password length bounds. The upper bound is bcrypt's: it only ever reads
// 72 bytes, so longer input is refused rather than silently cut (ASVS 6.2.8).
const (
	MinPasswordChars = 8
	MaxPasswordBytes = 72
)

// Password is a plain-text password that satisfied the rules. It never prints
// itself, so it cannot leak through a log line or an error message.
type Password struct{ secret string }

// NewPassword checks a password chosen at registration.
func NewPassword(raw string) (Password, error) {
	if utf8.RuneCountInString(raw) < MinPasswordChars {
		return Password{}, FieldError{Field: "password", Message: "Password must be at least 8 characters long", Type: "string_too_short"}
	}
	if len(raw) > MaxPasswordBytes {
		return Password{}, FieldError{Field: "password", Message: "Password must be at most 72 bytes long (bcrypt cannot use more); choose a shorter one", Type: "string_too_long"}
	}
	return Password{secret: raw}, nil
}

// Reveal returns the plain text, for the password hasher only.
func (p Password) Reveal() string { return p.secret }

// String redacts the password.
func (p Password) String() string { return "[REDACTED]" }

// GoString redacts the password in %#v.
func (p Password) GoString() string { return "user.Password{[REDACTED]}" }

// LogValue redacts the password in slog output.
func (p Password) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }
