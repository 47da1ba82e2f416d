package store

import (
	"context"
	"time"

	"atrium/internal/domain"
)

// EmailChange is a change of a user's sign-in email waiting for the new address to
// confirm it.
type EmailChange struct {
	UserID    int64
	OldEmail  string
	NewEmail  string
	ExpiresAt time.Time
}

// StartEmailChange records a change of userID's email from oldEmail to newEmail under
// the hash of its confirmation link, ending the user's older pending changes (a newer
// request kills the older), and reports whether newEmail already belongs to a user.
// It is one statement whatever the answer, so a taken address costs the same work as
// a free one.
func (q Q) StartEmailChange(ctx context.Context, userID int64, oldEmail, newEmail string, hash []byte, expires time.Time) (taken bool, err error) {
	err = q.db.QueryRow(ctx, `WITH ended AS (UPDATE email_changes SET used_at = now() WHERE user_id = $1 AND used_at IS NULL),
		started AS (INSERT INTO email_changes (token_hash, user_id, old_email, new_email, expires_at) VALUES ($4, $1, $2, $3, $5))
		SELECT EXISTS (SELECT 1 FROM users WHERE email = $3)`, userID, oldEmail, newEmail, hash, expires).Scan(&taken)
	return taken, mapErr(err)
}

// EmailChangeByToken returns the pending change a confirmation token belongs to,
// without using it: ErrTokenUsed (used or ended), ErrTokenExpired (at now) or
// ENOTFOUND otherwise.
func (q Q) EmailChangeByToken(ctx context.Context, hash []byte, now time.Time) (EmailChange, error) {
	var c EmailChange
	var used *time.Time
	err := q.db.QueryRow(ctx, `SELECT user_id, old_email, new_email, expires_at, used_at FROM email_changes WHERE token_hash = $1`, hash).
		Scan(&c.UserID, &c.OldEmail, &c.NewEmail, &c.ExpiresAt, &used)
	switch {
	case err != nil:
		return EmailChange{}, mapErr(err)
	case used != nil:
		return EmailChange{}, ErrTokenUsed
	case !now.Before(c.ExpiresAt):
		return EmailChange{}, ErrTokenExpired
	}
	return c, nil
}

// UseEmailChange marks a confirmation token used and returns its change; a used,
// ended, expired (at now) or unknown token gives EmailChangeByToken's errors and
// changes nothing. Two confirmations at once: the second waits for the first and is
// refused. Call it inside a transaction.
func (q Q) UseEmailChange(ctx context.Context, hash []byte, now time.Time) (EmailChange, error) {
	var c EmailChange
	err := q.db.QueryRow(ctx, `UPDATE email_changes SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING user_id, old_email, new_email, expires_at`, hash, now).Scan(&c.UserID, &c.OldEmail, &c.NewEmail, &c.ExpiresAt)
	if IsNotFound(mapErr(err)) {
		if _, why := q.EmailChangeByToken(ctx, hash, now); why != nil {
			return EmailChange{}, why
		}
		return EmailChange{}, ErrTokenUsed
	}
	return c, mapErr(err)
}

// PendingEmailChange returns the user's newest change still waiting for confirmation
// at now, and false when there is none.
func (q Q) PendingEmailChange(ctx context.Context, userID int64, now time.Time) (EmailChange, bool, error) {
	var c EmailChange
	err := q.db.QueryRow(ctx, `SELECT user_id, old_email, new_email, expires_at FROM email_changes
		WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 1`, userID, now).
		Scan(&c.UserID, &c.OldEmail, &c.NewEmail, &c.ExpiresAt)
	if IsNotFound(mapErr(err)) {
		return EmailChange{}, false, nil
	}
	return c, err == nil, mapErr(err)
}

// EndEmailChanges ends every pending email change of the user (after a password
// change or reset: a change asked for from a session that is no longer trusted must
// not complete).
func (q Q) EndEmailChanges(ctx context.Context, userID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE email_changes SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID)
	return mapErr(err)
}

// SetEmail changes the user's sign-in email from oldEmail to newEmail. ECONFLICT when
// newEmail belongs to another user (in any case); ENOTFOUND when the user's email is
// no longer oldEmail.
func (q Q) SetEmail(ctx context.Context, userID int64, oldEmail, newEmail string) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET email = $3 WHERE id = $1 AND email = $2`, userID, oldEmail, newEmail)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return nil
}
