package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/user"
)

var _ auth.Users = (*UserRepository)(nil)

// Index names from the migrations; a unique violation naming one of them is
// a lost race for that value, reported as the domain error.
const (
	usersEmailIndex    = "users_email_lower_key"
	usersUsernameIndex = "users_username_lower_key"
)

// UserRepository implements auth.Users.
type UserRepository struct{ db *DB }

// NewUserRepository returns the account store of db.
func NewUserRepository(db *DB) *UserRepository { return &UserRepository{db: db} }

// Create inserts u and returns it with its ID. The unique indexes decide
// duplicates (no check-then-insert, which two concurrent registrations
// would both pass): user.ErrEmailTaken or user.ErrUsernameTaken. Inside a
// caller's transaction the insert runs in a savepoint, so that a duplicate
// leaves the transaction usable on Postgres (a registration may retry a
// derived username in the same transaction).
func (r *UserRepository) Create(ctx context.Context, u user.User) (user.User, error) {
	row := userRowFrom(u)
	err := r.db.guarded(ctx, func(ctx context.Context, idb bun.IDB) error {
		_, err := idb.NewInsert().Model(&row).ExcludeColumn("id").Returning("id").Exec(ctx)
		return err
	})
	if err != nil {
		if name, ok := uniqueViolation(err); ok {
			if taken := takenError(name); taken != nil {
				return user.User{}, fmt.Errorf("persistence: users: create: %w", taken)
			}
		}
		return user.User{}, wrapErr("users: create", err)
	}
	return row.domain(), nil
}

// takenError maps the constraint or index named in a unique violation to the
// domain error. Our index names come first; the column-name fallback covers
// a database adopted from the Python service, whose unique indexes on email
// and username carry SQLAlchemy's names (e.g. ix_users_email).
func takenError(name string) error {
	switch {
	case strings.Contains(name, usersEmailIndex):
		return user.ErrEmailTaken
	case strings.Contains(name, usersUsernameIndex):
		return user.ErrUsernameTaken
	case strings.Contains(name, "username"):
		return user.ErrUsernameTaken
	case strings.Contains(name, "email"):
		return user.ErrEmailTaken
	}
	return nil
}

// ByEmail finds an account by email, compared lower-cased on both sides so
// that rows adopted from the Python service with mixed case still match.
func (r *UserRepository) ByEmail(ctx context.Context, email user.Email) (user.User, error) {
	var row userRow
	err := r.db.conn(ctx).NewSelect().Model(&row).
		Where("lower(email) = lower(?)", email.String()).
		Limit(1).Scan(ctx)
	return r.found(row, err, "users: by email")
}

// ByID finds an account by id.
func (r *UserRepository) ByID(ctx context.Context, id user.ID) (user.User, error) {
	var row userRow
	err := r.db.conn(ctx).NewSelect().Model(&row).Where("id = ?", int64(id)).Scan(ctx)
	return r.found(row, err, "users: by id")
}

func (r *UserRepository) found(row userRow, err error, op string) (user.User, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return user.User{}, fmt.Errorf("persistence: %s: %w", op, user.ErrNotFound)
	}
	if err != nil {
		return user.User{}, wrapErr(op, err)
	}
	return row.domain(), nil
}

// UpdatePasswordHash replaces the stored hash and updated_at, or returns
// user.ErrNotFound.
func (r *UserRepository) UpdatePasswordHash(ctx context.Context, id user.ID, hash string, at time.Time) error {
	var res sql.Result
	err := r.db.guarded(ctx, func(ctx context.Context, idb bun.IDB) error {
		var err error
		res, err = idb.NewUpdate().Model((*userRow)(nil)).
			Set("password_hash = ?", hash).
			Set("updated_at = ?", dbTime(at)).
			Where("id = ?", int64(id)).
			Exec(ctx)
		return err
	})
	if err != nil {
		return wrapErr("users: update password hash", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrapErr("users: update password hash", err)
	} else if n == 0 {
		return fmt.Errorf("persistence: users: update password hash: %w", user.ErrNotFound)
	}
	return nil
}
