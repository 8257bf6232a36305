package user

import "time"

// ID identifies an account. It is an integer, as in the Python service whose
// database this one can adopt.
type ID int64

// User is an account. PasswordHash is an opaque, self-describing hash string
// (bcrypt's modular crypt format); the domain never interprets it.
type User struct {
	ID           ID
	Email        Email
	Username     Username
	PasswordHash string
	IsActive     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// New builds an active account that has not been stored yet.
func New(email Email, username Username, passwordHash string, now time.Time) User {
	now = now.UTC()
	return User{
		Email:        email,
		Username:     username,
		PasswordHash: passwordHash,
		IsActive:     true,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
}

// CanSignIn reports whether the account may obtain or use tokens.
func (u User) CanSignIn() error {
	if !u.IsActive {
		return ErrInactive
	}
	return nil
}
