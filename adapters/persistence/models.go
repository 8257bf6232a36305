package persistence

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// The bun models mirror the tables one to one and never leave the package:
// repositories map them to and from domain types. Times are written in UTC
// and read back as UTC, whatever the driver's location.

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Email        string    `bun:"email,notnull"`
	Username     string    `bun:"username,notnull"`
	PasswordHash string    `bun:"password_hash,notnull"`
	IsActive     bool      `bun:"is_active,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

func userRowFrom(u user.User) userRow {
	return userRow{
		ID:           int64(u.ID),
		Email:        u.Email.String(),
		Username:     u.Username.String(),
		PasswordHash: u.PasswordHash,
		IsActive:     u.IsActive,
		CreatedAt:    dbTime(u.CreatedAt),
		UpdatedAt:    dbTime(u.UpdatedAt),
	}
}

func (r userRow) domain() user.User {
	return user.User{
		ID:           user.ID(r.ID),
		Email:        user.Email(r.Email),
		Username:     user.Username(r.Username),
		PasswordHash: r.PasswordHash,
		IsActive:     r.IsActive,
		CreatedAt:    r.CreatedAt.UTC(),
		UpdatedAt:    r.UpdatedAt.UTC(),
	}
}

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

func sessionRowFrom(s session.Session) sessionRow {
	return sessionRow{
		ID:        int64(s.ID),
		UserID:    int64(s.UserID),
		CreatedAt: dbTime(s.CreatedAt),
		ExpiresAt: dbTime(s.ExpiresAt),
		RevokedAt: dbTimePtr(s.RevokedAt),
	}
}

func (r sessionRow) domain() session.Session {
	return session.Session{
		ID:        session.ID(r.ID),
		UserID:    user.ID(r.UserID),
		CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(),
		RevokedAt: utcPtr(r.RevokedAt),
	}
}

type refreshTokenRow struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id,notnull"`
	SessionID int64      `bun:"session_id,notnull"`
	ParentID  *int64     `bun:"parent_id"`
	TokenHash string     `bun:"token_hash,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	Revoked   bool       `bun:"revoked,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
}

func refreshTokenRowFrom(t session.RefreshToken) refreshTokenRow {
	var parent *int64
	if t.ParentID != nil {
		p := int64(*t.ParentID)
		parent = &p
	}
	return refreshTokenRow{
		ID:        int64(t.ID),
		UserID:    int64(t.UserID),
		SessionID: int64(t.SessionID),
		ParentID:  parent,
		TokenHash: t.Hash,
		ExpiresAt: dbTime(t.ExpiresAt),
		Revoked:   t.Revoked,
		UsedAt:    dbTimePtr(t.UsedAt),
		CreatedAt: dbTime(t.CreatedAt),
	}
}

func (r refreshTokenRow) domain() session.RefreshToken {
	var parent *session.TokenID
	if r.ParentID != nil {
		p := session.TokenID(*r.ParentID)
		parent = &p
	}
	return session.RefreshToken{
		ID:        session.TokenID(r.ID),
		SessionID: session.ID(r.SessionID),
		UserID:    user.ID(r.UserID),
		ParentID:  parent,
		Hash:      r.TokenHash,
		CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(),
		UsedAt:    utcPtr(r.UsedAt),
		Revoked:   r.Revoked,
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// dbTime is t as the database keeps it: UTC, whole microseconds (Postgres'
// precision), so that what Create returns equals what a later read returns
// on both databases.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := dbTime(*t)
	return &u
}
