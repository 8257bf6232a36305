package user

import (
	"strings"
	"unicode"
)

// MaxEmailLength is the longest address accepted (RFC 5321 path limit).
const MaxEmailLength = 254

// Email is a trimmed, lower-cased, plain local@domain address.
type Email string

// ParseEmail trims surrounding spaces, lower-cases and checks the address.
// Lower-casing here is what makes uniqueness and login case-insensitive.
func ParseEmail(raw string) (Email, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	bad := func(msg string) (Email, error) {
		return "", FieldError{Field: "email", Message: msg, Type: "value_error"}
	}
	if s == "" {
		return bad("value is not a valid email address: it is empty")
	}
	if len(s) > MaxEmailLength {
		return bad("value is not a valid email address: it is longer than 254 characters")
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || at == len(s)-1 {
		return bad("value is not a valid email address: it must have exactly one @ with text on both sides")
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return bad("value is not a valid email address: the part before the @ is longer than 64 characters")
	}
	for _, r := range s {
		// Spaces, controls, quotes and angle brackets only appear in display-name
		// or quoted forms, which we do not accept.
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"<>(),;:\[]`, r) {
			return bad("value is not a valid email address: it contains a character that is not allowed")
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad("value is not a valid email address: the part before the @ has a misplaced dot")
	}
	if !strings.Contains(domain, ".") {
		return bad("value is not a valid email address: the domain must contain a dot")
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return bad("value is not a valid email address: the domain is malformed")
		}
	}
	return Email(s), nil
}

// String returns the address.
func (e Email) String() string { return string(e) }

// Local returns the part before the @.
func (e Email) Local() string {
	s := string(e)
	if i := strings.IndexByte(s, '@'); i >= 0 {
		return s[:i]
	}
	return s
}
