package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
)

var _ auth.RefreshTokens = (*RefreshTokenRepository)(nil)

// RefreshTokenRepository implements auth.RefreshTokens. It stores digests
// only; the tokens themselves never reach the database.
type RefreshTokenRepository struct{ db *DB }

// NewRefreshTokenRepository returns the refresh-token store of db.
func NewRefreshTokenRepository(db *DB) *RefreshTokenRepository {
	return &RefreshTokenRepository{db: db}
}

// Insert stores t unless a row with its hash exists, and returns the stored
// row either way. ON CONFLICT DO NOTHING followed by a select is what lets
// concurrent rotations of one token, on any replica, agree on one successor
// row without an error: on Postgres the losing insert waits for the winner
// to commit, on SQLite writers are serialised.
func (r *RefreshTokenRepository) Insert(ctx context.Context, t session.RefreshToken) (session.RefreshToken, error) {
	row := refreshTokenRowFrom(t)
	idb := r.db.conn(ctx)
	if _, err := idb.NewInsert().Model(&row).ExcludeColumn("id").
		On("CONFLICT (token_hash) DO NOTHING").
		Exec(ctx); err != nil {
		return session.RefreshToken{}, wrapErr("refresh tokens: insert", err)
	}
	stored, err := r.ByHash(ctx, t.Hash)
	if err != nil {
		return session.RefreshToken{}, fmt.Errorf("persistence: refresh tokens: insert: %w", err)
	}
	return stored, nil
}

// ByHash finds a token by its digest, or session.ErrNotFound.
func (r *RefreshTokenRepository) ByHash(ctx context.Context, hash string) (session.RefreshToken, error) {
	var row refreshTokenRow
	err := r.db.conn(ctx).NewSelect().Model(&row).Where("token_hash = ?", hash).Scan(ctx)
	return r.found(row, err, "refresh tokens: by hash")
}

// MarkUsed sets used_at when it is still unset and reports whether this call
// set it. The compare-and-set in the WHERE clause makes exactly one of any
// number of concurrent callers win, on both databases, without row locks.
func (r *RefreshTokenRepository) MarkUsed(ctx context.Context, id session.TokenID, at time.Time) (bool, error) {
	res, err := r.db.conn(ctx).NewUpdate().Model((*refreshTokenRow)(nil)).
		Set("used_at = ?", dbTime(at)).
		Where("id = ?", int64(id)).
		Where("used_at IS NULL").
		Exec(ctx)
	if err != nil {
		return false, wrapErr("refresh tokens: mark used", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrapErr("refresh tokens: mark used", err)
	}
	return n == 1, nil
}

// Latest returns the session's newest token, the tip of its chain: ids grow
// with insertion and inserts never reuse one, so the highest id is the
// newest.
func (r *RefreshTokenRepository) Latest(ctx context.Context, id session.ID) (session.RefreshToken, error) {
	var row refreshTokenRow
	err := r.db.conn(ctx).NewSelect().Model(&row).
		Where("session_id = ?", int64(id)).
		OrderExpr("id DESC").
		Limit(1).
		Scan(ctx)
	return r.found(row, err, "refresh tokens: latest")
}

func (r *RefreshTokenRepository) found(row refreshTokenRow, err error, op string) (session.RefreshToken, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return session.RefreshToken{}, fmt.Errorf("persistence: %s: %w", op, session.ErrNotFound)
	}
	if err != nil {
		return session.RefreshToken{}, wrapErr(op, err)
	}
	return row.domain(), nil
}
