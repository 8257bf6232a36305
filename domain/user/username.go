package user

import (
	"strconv"
	"strings"
)

// Username length bounds.
const (
	MinUsernameLength = 3
	MaxUsernameLength = 64
)

// Username is 3–64 characters of A–Z a–z 0–9 . _ -; its case is kept but
// uniqueness ignores it.
type Username string

func usernameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// ParseUsername checks a username chosen by the user. Surrounding spaces are trimmed.
func ParseUsername(raw string) (Username, error) {
	s := strings.TrimSpace(raw)
	if len(s) < MinUsernameLength {
		return "", FieldError{Field: "username", Message: "String should have at least 3 characters", Type: "string_too_short"}
	}
	if len(s) > MaxUsernameLength {
		return "", FieldError{Field: "username", Message: "String should have at most 64 characters", Type: "string_too_long"}
	}
	for _, r := range s {
		if !usernameChar(r) {
			return "", FieldError{Field: "username", Message: "Username may only contain letters, digits, '.', '_' and '-'", Type: "string_pattern_mismatch"}
		}
	}
	return Username(s), nil
}

// DeriveUsername makes a valid username from the email's local part: it drops
// characters outside the alphabet, pads short results and cuts long ones.
func DeriveUsername(e Email) Username {
	var b strings.Builder
	for _, r := range e.Local() {
		if usernameChar(r) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" {
		s = "user"
	}
	for len(s) < MinUsernameLength {
		s += "0"
	}
	if len(s) > MaxUsernameLength {
		s = s[:MaxUsernameLength]
	}
	return Username(s)
}

// WithSuffix appends digits to a derived username, cutting the base so the
// result still fits. It is how registration avoids failing over a derived name.
func (u Username) WithSuffix(n uint64) Username {
	suffix := strconv.FormatUint(n, 10)
	base := string(u)
	if len(base)+len(suffix) > MaxUsernameLength {
		base = base[:MaxUsernameLength-len(suffix)]
	}
	return Username(base + suffix)
}

// String returns the username.
func (u Username) String() string { return string(u) }
