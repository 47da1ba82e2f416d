package store

import (
	"context"
	"time"

	"atrium/internal/domain"
)

// IssueResetToken stores the hash of a new password-reset token for the user whose
// email is email, unless they are disabled, ending every older unused link of theirs
// (a newer link kills the older), and returns that user; for an email no active user
// has it stores nothing and returns a zero User (ID 0), not an error. It is one
// statement either way, so an unknown email costs the same work as a known one.
func (q Q) IssueResetToken(ctx context.Context, email string, hash []byte, expires time.Time) (domain.User, error) {
	var u domain.User
	err := q.db.QueryRow(ctx, `WITH u AS (SELECT id, email, full_name FROM users WHERE email = $1 AND NOT disabled),
		ended AS (UPDATE password_tokens SET used_at = now() WHERE user_id = (SELECT id FROM u) AND used_at IS NULL),
		issued AS (INSERT INTO password_tokens (token_hash, user_id, purpose, expires_at, created_by)
			SELECT $2, id, '`+PurposeReset+`', $3, '' FROM u)
		SELECT coalesce((SELECT id FROM u), 0), coalesce((SELECT email FROM u), ''), coalesce((SELECT full_name FROM u), '')`,
		email, hash, expires).Scan(&u.ID, &u.Email, &u.FullName)
	return u, mapErr(err)
}

// ResetTokenUser returns the user a password-reset token belongs to, without using it:
// ErrTokenUsed, ErrTokenExpired (at now) or ENOTFOUND (unknown, or a link of another
// purpose) otherwise.
func (q Q) ResetTokenUser(ctx context.Context, hash []byte, now time.Time) (domain.User, error) {
	u, _, err := q.passwordToken(ctx, hash, PurposeReset, now)
	return u, err
}

// UseResetToken marks a password-reset token used and returns its user; a used,
// expired (at now) or unknown token gives ResetTokenUser's errors and changes nothing.
// Call it inside a transaction.
func (q Q) UseResetToken(ctx context.Context, hash []byte, now time.Time) (domain.User, error) {
	u, _, err := q.usePasswordToken(ctx, hash, PurposeReset, now)
	return u, err
}
