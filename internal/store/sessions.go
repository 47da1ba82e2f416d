package store

import (
	"context"
	"time"

	"atrium/internal/auth"
)

// SessionStore keeps scs sessions in PostgreSQL under the SHA-256 of their token, so
// the cookie's value never rests in the database. It implements scs.CtxStore.
type SessionStore struct{ s *Store }

// Sessions returns the session store.
func (s *Store) Sessions() SessionStore { return SessionStore{s: s} }

// FindCtx returns the data of an unexpired session.
func (ss SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := ss.s.Pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token_hash = $1 AND expiry > now()`, auth.HashToken(token)).Scan(&b)
	if err != nil {
		if IsNotFound(mapErr(err)) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return b, true, nil
}

// CommitCtx stores a session. Its transaction commits without waiting for the WAL
// flush (synchronous_commit off for this statement only): a crash may lose a session
// written in the last moments, which signs that browser out, and nothing else. Every
// other write stays synchronous, and a later synchronous commit flushes this one too.
// Deleting a session (sign-out) always waits, so an ended session cannot come back.
func (ss SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := ss.s.Pool.Exec(ctx, `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
		INSERT INTO sessions (token_hash, data, expiry) SELECT $1, $2, $3 FROM relaxed
		ON CONFLICT (token_hash) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`, auth.HashToken(token), b, expiry)
	return err
}

// DeleteCtx removes a session.
func (ss SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := ss.s.Pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, auth.HashToken(token))
	return err
}

// Find, Commit and Delete satisfy scs.Store for callers without a context.
func (ss SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit stores a session.
func (ss SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (ss SessionStore) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// SessionExists reports whether a session row exists for token (tests: sign-out).
func (ss SessionStore) SessionExists(ctx context.Context, token string) (bool, error) {
	var ok bool
	err := ss.s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE token_hash = $1)`, auth.HashToken(token)).Scan(&ok)
	return ok, err
}

// DeleteExpiredSessions removes expired sessions; the server runs it periodically.
func (ss SessionStore) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := ss.s.Pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
	return tag.RowsAffected(), err
}
