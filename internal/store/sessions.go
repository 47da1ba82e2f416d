package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// Browser sessions (scs) are kept under the SHA-256 of their token, so the cookie's
// value never rests in the database; the store sees only that hash (the app layer
// hashes tokens, in one place).

// SessionData returns the data of an unexpired session.
func (q Q) SessionData(ctx context.Context, hash []byte) ([]byte, bool, error) {
	var b []byte
	// A row without data is a sign-in whose response never completed: no session.
	err := q.db.QueryRow(ctx, `SELECT data FROM sessions WHERE token_hash = $1 AND expiry > now() AND length(data) > 0`,
		hash).Scan(&b)
	if err != nil {
		if err = mapErr(err); IsNotFound(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return b, true, nil
}

// SaveSession stores a session. Its transaction commits without waiting for the WAL
// flush (synchronous_commit off for this statement only): a crash may lose a session
// written in the last moments, which signs that browser out, and nothing else. Every
// other write stays synchronous, and a later synchronous commit flushes this one too.
// Deleting a session (sign-out) always waits, so an ended session cannot come back.
func (q Q) SaveSession(ctx context.Context, hash, b []byte, expiry time.Time) error {
	_, err := q.db.Exec(ctx, `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
		INSERT INTO sessions (token_hash, data, expiry) SELECT $1, $2, $3 FROM relaxed
		ON CONFLICT (token_hash) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`, hash, b, expiry)
	return mapErr(err)
}

// UpdateSession rewrites the data of an existing session and never creates one: a
// signed-in session whose row was deleted (ended by its user or an owner) stays ended
// even when a request still in flight commits it. Like SaveSession it does not wait
// for the WAL flush.
func (q Q) UpdateSession(ctx context.Context, hash, b []byte, expiry time.Time) error {
	_, err := q.db.Exec(ctx, `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
		UPDATE sessions SET data = $2, expiry = $3 FROM relaxed WHERE token_hash = $1`, hash, b, expiry)
	return mapErr(err)
}

// DeleteSession removes a session.
func (q Q) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := q.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	return mapErr(err)
}

// SessionExists reports whether a session row exists under hash (tests: sign-out).
func (q Q) SessionExists(ctx context.Context, hash []byte) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE token_hash = $1)`, hash).Scan(&ok)
	return ok, err
}

// DeleteExpiredSessions removes expired sessions; the server runs it periodically.
func (q Q) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
	return tag.RowsAffected(), err
}

// sessionListLimit bounds a user's list of sessions (newest first).
const sessionListLimit = 100

// UserSessions lists the user's unexpired signed-in sessions, newest first, marking the
// one whose token hashes to current.
func (q Q) UserSessions(ctx context.Context, userID int64, current []byte) ([]domain.SessionInfo, error) {
	rows, err := q.db.Query(ctx, `SELECT id, created_at, expiry, ip, user_agent, token_hash = $2
		FROM sessions WHERE user_id = $1 AND expiry > now() ORDER BY created_at DESC, id DESC LIMIT $3`,
		userID, current, sessionListLimit)
	if err != nil {
		return nil, mapErr(err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SessionInfo, error) {
		var s domain.SessionInfo
		err := row.Scan(&s.ID, &s.CreatedAt, &s.Expiry, &s.IP, &s.UserAgent, &s.Current)
		return s, err
	})
}

// EndSession deletes one session of the user; another user's session id gives
// ENOTFOUND.
func (q Q) EndSession(ctx context.Context, userID, sessionID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM sessions WHERE id = $2 AND user_id = $1`, userID, sessionID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "That session has already ended.")
	}
	return nil
}

// EndUserSessions deletes every session of the user except the one whose token hashes
// to keep (nil: all of them), and reports how many ended.
func (q Q) EndUserSessions(ctx context.Context, userID int64, keep []byte) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)`, userID, keep)
	return tag.RowsAffected(), mapErr(err)
}

// InsertSession creates the row of a signed-in session whose token was just renewed;
// the session store fills in its data when the response is sent.
func (q Q) InsertSession(ctx context.Context, userID int64, tokenHash []byte, s domain.SessionStart) error {
	_, err := q.db.Exec(ctx, `INSERT INTO sessions (token_hash, data, expiry, user_id, ip, user_agent) VALUES ($1, '', $2, $3, $4, $5)`,
		tokenHash, s.Expiry, userID, s.IP, s.UserAgent)
	return mapErr(err)
}
