package persistence

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/jarvis/jarvis-auth/application/auth"
)

var _ auth.Transactor = (*Transactor)(nil)

// txKey carries the open transaction in a context.
type txKey struct{}

// txState remembers which DB a transaction belongs to, so that a repository
// of another DB never runs its queries in it.
type txState struct {
	db *DB
	tx bun.Tx
}

// Transactor implements auth.Transactor: it runs a function in one database
// transaction, and the repositories of the same DB join it through the ctx.
type Transactor struct{ db *DB }

// NewTransactor returns a Transactor for db.
func NewTransactor(db *DB) *Transactor { return &Transactor{db: db} }

// WithinTx runs fn in a transaction that commits when fn returns nil and
// rolls back otherwise (also on panic). On SQLite the transaction begins
// IMMEDIATE, taking the write lock up front, so concurrent callers queue
// instead of failing on lock upgrade. When ctx already carries a transaction
// of this DB, fn joins it: the outermost WithinTx decides commit or rollback.
// fn's own error is returned unchanged.
func (t *Transactor) WithinTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := t.db.txFrom(ctx); ok {
		return fn(ctx)
	}
	return t.db.exclusive(ctx, func() error { return t.run(ctx, fn) })
}

func (t *Transactor) run(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := t.db.bun.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr("begin", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, txState{db: t.db, tx: tx})); err != nil {
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return wrapErr("commit", err)
	}
	return nil
}

// txFrom returns the transaction of this DB carried by ctx, if any.
func (db *DB) txFrom(ctx context.Context) (bun.Tx, bool) {
	s, ok := ctx.Value(txKey{}).(txState)
	if !ok || s.db != db {
		return bun.Tx{}, false
	}
	return s.tx, true
}

// conn returns what a repository should query: the ctx's transaction when
// there is one, else the pool.
func (db *DB) conn(ctx context.Context) bun.IDB {
	if tx, ok := db.txFrom(ctx); ok {
		return tx
	}
	return db.bun
}

// inTx runs fn in a transaction: a savepoint inside the ctx's transaction
// when there is one (so a failed statement does not abort the caller's
// transaction on Postgres), else a transaction of its own.
func (db *DB) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if tx, ok := db.txFrom(ctx); ok {
		return tx.RunInTx(ctx, nil, fn)
	}
	return db.exclusive(ctx, func() error { return db.bun.RunInTx(ctx, nil, fn) })
}

// guarded runs fn on the pool, or in a savepoint of the ctx's transaction
// when there is one: on Postgres a failed statement aborts the whole
// transaction, and an expected failure (a unique violation) must not.
func (db *DB) guarded(ctx context.Context, fn func(ctx context.Context, idb bun.IDB) error) error {
	if tx, ok := db.txFrom(ctx); ok {
		return tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error { return fn(ctx, sp) })
	}
	return db.exclusive(ctx, func() error { return fn(ctx, db.bun) })
}
