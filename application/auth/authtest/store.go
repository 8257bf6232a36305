// Package authtest provides in-memory fakes of the auth ports that behave
// like the real adapters (unique indexes, compare-and-set, rollback), plus a
// fixed clock and a counting hasher, for fast use-case tests.
package authtest

import (
	"context"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

type txKey struct{}

// Store is an in-memory database. It implements auth.Users, auth.Sessions,
// auth.RefreshTokens and auth.Transactor. A transaction holds the store's
// lock for its whole run (like SQLite's BEGIN IMMEDIATE) and restores a
// snapshot when fn fails.
type Store struct {
	mu       sync.Mutex
	users    map[user.ID]user.User
	sessions map[session.ID]session.Session
	tokens   map[session.TokenID]session.RefreshToken
	nextID   int64

	// FailNext, when set, is returned (once) by the next repository call.
	FailNext error
	// failIn counts down the calls before FailNext is returned (see FailAfter).
	failIn int
	// Calls counts repository calls, so tests can fail each one in turn.
	Calls int
}

// FailAfter makes the repository call after the next n calls return err.
func (s *Store) FailAfter(n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failIn, s.FailNext = n, err
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{
		users:    map[user.ID]user.User{},
		sessions: map[session.ID]session.Session{},
		tokens:   map[session.TokenID]session.RefreshToken{},
	}
}

// lock takes the store lock unless ctx is inside a transaction that holds it.
func (s *Store) lock(ctx context.Context) (func(), error) {
	unlock := func() {}
	if ctx.Value(txKey{}) != s {
		s.mu.Lock()
		unlock = s.mu.Unlock
	}
	s.Calls++
	if err := s.FailNext; err != nil {
		if s.failIn > 0 {
			s.failIn--
			return unlock, nil
		}
		s.FailNext = nil
		unlock()
		return nil, err
	}
	return unlock, nil
}

// WithinTx implements auth.Transactor.
func (s *Store) WithinTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if ctx.Value(txKey{}) == s {
		return fn(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	users, sessions, tokens, next := maps.Clone(s.users), maps.Clone(s.sessions), maps.Clone(s.tokens), s.nextID
	if err := fn(context.WithValue(ctx, txKey{}, s)); err != nil {
		s.users, s.sessions, s.tokens, s.nextID = users, sessions, tokens, next
		return err
	}
	return nil
}

func (s *Store) id() int64 {
	s.nextID++
	return s.nextID
}

// Create implements auth.Users.
func (s *Store) Create(ctx context.Context, u user.User) (user.User, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return user.User{}, err
	}
	defer unlock()
	for _, o := range s.users {
		if strings.EqualFold(string(o.Email), string(u.Email)) {
			return user.User{}, user.ErrEmailTaken
		}
		if strings.EqualFold(string(o.Username), string(u.Username)) {
			return user.User{}, user.ErrUsernameTaken
		}
	}
	u.ID = user.ID(s.id())
	s.users[u.ID] = u
	return u, nil
}

// ByEmail implements auth.Users.
func (s *Store) ByEmail(ctx context.Context, email user.Email) (user.User, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return user.User{}, err
	}
	defer unlock()
	for _, u := range s.users {
		if strings.EqualFold(string(u.Email), string(email)) {
			return u, nil
		}
	}
	return user.User{}, user.ErrNotFound
}

// ByID implements auth.Users.
func (s *Store) ByID(ctx context.Context, id user.ID) (user.User, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return user.User{}, err
	}
	defer unlock()
	u, ok := s.users[id]
	if !ok {
		return user.User{}, user.ErrNotFound
	}
	return u, nil
}

// UpdatePasswordHash implements auth.Users.
func (s *Store) UpdatePasswordHash(ctx context.Context, id user.ID, hash string, at time.Time) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	u, ok := s.users[id]
	if !ok {
		return user.ErrNotFound
	}
	u.PasswordHash, u.UpdatedAt = hash, at
	s.users[id] = u
	return nil
}

// SetActive flips an account's is_active flag (there is no use case for it yet).
func (s *Store) SetActive(id user.ID, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	u.IsActive = active
	s.users[id] = u
}

// DeleteUser removes an account and, like ON DELETE CASCADE, its sessions and tokens.
func (s *Store) DeleteUser(id user.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, id)
	maps.DeleteFunc(s.sessions, func(_ session.ID, v session.Session) bool { return v.UserID == id })
	maps.DeleteFunc(s.tokens, func(_ session.TokenID, v session.RefreshToken) bool { return v.UserID == id })
}

// Session implements auth.Sessions.ByID under another name for test assertions.
func (s *Store) Session(id session.ID) session.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// Tokens returns a copy of all refresh tokens of a session, oldest first.
func (s *Store) Tokens(sid session.ID) []session.RefreshToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []session.RefreshToken
	for id := session.TokenID(1); id <= session.TokenID(s.nextID); id++ {
		if t, ok := s.tokens[id]; ok && t.SessionID == sid {
			out = append(out, t)
		}
	}
	return out
}

// User returns an account for test assertions.
func (s *Store) User(id user.ID) user.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[id]
}

// Sessions is the auth.Sessions view of the store (its method names clash
// with auth.Users, so it is a separate type).
type Sessions struct{ *Store }

// Create implements auth.Sessions.
func (s Sessions) Create(ctx context.Context, sess session.Session) (session.Session, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return session.Session{}, err
	}
	defer unlock()
	if _, ok := s.users[sess.UserID]; !ok {
		return session.Session{}, user.ErrNotFound
	}
	sess.ID = session.ID(s.id())
	s.sessions[sess.ID] = sess
	return sess, nil
}

// ByID implements auth.Sessions.
func (s Sessions) ByID(ctx context.Context, id session.ID) (session.Session, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return session.Session{}, err
	}
	defer unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return session.Session{}, session.ErrNotFound
	}
	return sess, nil
}

// Revoke implements auth.Sessions.
func (s Sessions) Revoke(ctx context.Context, id session.ID, at time.Time) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return nil
	}
	if sess.RevokedAt == nil {
		sess.RevokedAt = &at
		s.sessions[id] = sess
	}
	for tid, t := range s.tokens {
		if t.SessionID == id {
			t.Revoked = true
			s.tokens[tid] = t
		}
	}
	return nil
}

// Tokens is the auth.RefreshTokens view of the store.
type Tokens struct{ *Store }

// Insert implements auth.RefreshTokens (idempotent on the hash).
func (s Tokens) Insert(ctx context.Context, t session.RefreshToken) (session.RefreshToken, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return session.RefreshToken{}, err
	}
	defer unlock()
	for _, o := range s.tokens {
		if o.Hash == t.Hash {
			return o, nil
		}
	}
	t.ID = session.TokenID(s.id())
	s.tokens[t.ID] = t
	return t, nil
}

// ByHash implements auth.RefreshTokens.
func (s Tokens) ByHash(ctx context.Context, hash string) (session.RefreshToken, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return session.RefreshToken{}, err
	}
	defer unlock()
	for _, t := range s.tokens {
		if t.Hash == hash {
			return t, nil
		}
	}
	return session.RefreshToken{}, session.ErrNotFound
}

// MarkUsed implements auth.RefreshTokens (compare-and-set).
func (s Tokens) MarkUsed(ctx context.Context, id session.TokenID, at time.Time) (bool, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return false, err
	}
	defer unlock()
	t, ok := s.tokens[id]
	if !ok || t.UsedAt != nil {
		return false, nil
	}
	t.UsedAt = &at
	s.tokens[id] = t
	return true, nil
}

// Latest implements auth.RefreshTokens.
func (s Tokens) Latest(ctx context.Context, sid session.ID) (session.RefreshToken, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return session.RefreshToken{}, err
	}
	defer unlock()
	var best session.RefreshToken
	for _, t := range s.tokens {
		if t.SessionID == sid && t.ID > best.ID {
			best = t
		}
	}
	if best.ID == 0 {
		return session.RefreshToken{}, session.ErrNotFound
	}
	return best, nil
}
