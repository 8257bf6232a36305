// Package user holds the account entity and the value objects that guard its
// rules: Email, Username and Password. It is pure Go and knows nothing of HTTP,
// SQL or hashing algorithms.
package user

import (
	"errors"
	"strings"
)

// Sentinel errors of the account domain. Adapters map them to transport codes.
var (
	// ErrNotFound means no account matches the lookup.
	ErrNotFound = errors.New("user not found")
	// ErrEmailTaken means another account already uses the email (case-insensitively).
	ErrEmailTaken = errors.New("email already registered")
	// ErrUsernameTaken means another account already uses the username (case-insensitively).
	ErrUsernameTaken = errors.New("username already taken")
	// ErrInvalidCredentials is the one answer for an unknown email and a wrong password,
	// so that a caller cannot tell which accounts exist.
	ErrInvalidCredentials = errors.New("invalid email or password")
	// ErrInactive means the account exists but has been deactivated.
	ErrInactive = errors.New("inactive user")
)

// FieldError is one broken input rule, named after the field it concerns.
type FieldError struct {
	Field   string // "email", "username", "password", "refresh_token"
	Message string // a sentence a person can read
	Type    string // a stable machine name such as "value_error" or "string_too_short"
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError collects every broken rule of one input, so that a client
// can fix all of them at once.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Add appends a field error and returns the receiver for chaining.
func (e *ValidationError) Add(f FieldError) *ValidationError {
	e.Fields = append(e.Fields, f)
	return e
}

// Err returns nil when nothing was added, so callers can write `return v.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Collect adds err to v when it is a FieldError (or a ValidationError) and
// returns the remaining, unexpected error, if any.
func (e *ValidationError) Collect(err error) error {
	if err == nil {
		return nil
	}
	var fe FieldError
	if errors.As(err, &fe) {
		e.Add(fe)
		return nil
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		e.Fields = append(e.Fields, ve.Fields...)
		return nil
	}
	return err
}
