package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
)

var _ auth.Sessions = (*SessionRepository)(nil)

// SessionRepository implements auth.Sessions.
type SessionRepository struct{ db *DB }

// NewSessionRepository returns the session store of db.
func NewSessionRepository(db *DB) *SessionRepository { return &SessionRepository{db: db} }

// Create inserts s and returns it with its ID.
func (r *SessionRepository) Create(ctx context.Context, s session.Session) (session.Session, error) {
	row := sessionRowFrom(s)
	_, err := r.db.conn(ctx).NewInsert().Model(&row).ExcludeColumn("id").Returning("id").Exec(ctx)
	if err != nil {
		return session.Session{}, wrapErr("sessions: create", err)
	}
	return row.domain(), nil
}

// ByID finds a session, or session.ErrNotFound.
func (r *SessionRepository) ByID(ctx context.Context, id session.ID) (session.Session, error) {
	var row sessionRow
	err := r.db.conn(ctx).NewSelect().Model(&row).Where("id = ?", int64(id)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return session.Session{}, fmt.Errorf("persistence: sessions: by id: %w", session.ErrNotFound)
	}
	if err != nil {
		return session.Session{}, wrapErr("sessions: by id", err)
	}
	return row.domain(), nil
}

// Revoke ends the session (keeping the first revocation time) and marks all
// its refresh tokens revoked, both in one transaction (a savepoint of the
// ctx's transaction when there is one), so that no token outlives its
// session. Revoking an ended session changes nothing; an unknown session is
// session.ErrNotFound.
func (r *SessionRepository) Revoke(ctx context.Context, id session.ID, at time.Time) error {
	err := r.db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*sessionRow)(nil)).
			Set("revoked_at = ?", dbTime(at)).
			Where("id = ?", int64(id)).
			Where("revoked_at IS NULL").
			Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			exists, err := tx.NewSelect().Model((*sessionRow)(nil)).Where("id = ?", int64(id)).Exists(ctx)
			if err != nil {
				return err
			}
			if !exists {
				return session.ErrNotFound
			}
		}
		// Also when the session was already revoked: a token inserted by a
		// rotation racing the first revocation is caught here.
		_, err = tx.NewUpdate().Model((*refreshTokenRow)(nil)).
			Set("revoked = ?", true).
			Where("session_id = ?", int64(id)).
			Where("revoked = ?", false).
			Exec(ctx)
		return err
	})
	if errors.Is(err, session.ErrNotFound) {
		return fmt.Errorf("persistence: sessions: revoke: %w", err)
	}
	return wrapErr("sessions: revoke", err)
}
