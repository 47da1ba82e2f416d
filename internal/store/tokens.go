package store

import (
	"context"
	"time"

	"atrium/internal/domain"
)

// CreatePasswordToken stores the hash of a new set-password token for userID, made by
// createdBy, ending any older unused one (a newer token kills the older).
func (q Q) CreatePasswordToken(ctx context.Context, userID int64, hash []byte, expires time.Time, createdBy string) error {
	if _, err := q.db.Exec(ctx, `UPDATE password_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
		return mapErr(err)
	}
	_, err := q.db.Exec(ctx, `INSERT INTO password_tokens (token_hash, user_id, expires_at, created_by) VALUES ($1, $2, $3, $4)`,
		hash, userID, expires, createdBy)
	return mapErr(err)
}

// ErrTokenUsed and ErrTokenExpired say why a token cannot be used.
var (
	ErrTokenUsed    = domain.Errorf(domain.EINVALID, "This link has already been used. Ask for a new one.")
	ErrTokenExpired = domain.Errorf(domain.EINVALID, "This link has expired. Ask for a new one.")
)

// Purposes of password_tokens: a link works only for its own.
const (
	PurposeSetPassword = "set_password"
	PurposeReset       = "reset"
)

// PasswordTokenUser returns the user a set-password token belongs to without using it.
func (q Q) PasswordTokenUser(ctx context.Context, hash []byte) (domain.User, error) {
	u, _, err := q.passwordToken(ctx, hash, PurposeSetPassword, time.Now())
	return u, err
}

// passwordToken returns the user of a token of purpose usable at now and who created
// the token; a token of another purpose is unknown (ENOTFOUND).
func (q Q) passwordToken(ctx context.Context, hash []byte, purpose string, now time.Time) (domain.User, string, error) {
	var userID int64
	var used *time.Time
	var expires time.Time
	var createdBy string
	err := q.db.QueryRow(ctx, `SELECT user_id, used_at, expires_at, created_by FROM password_tokens WHERE token_hash = $1 AND purpose = $2`,
		hash, purpose).Scan(&userID, &used, &expires, &createdBy)
	if err != nil {
		return domain.User{}, "", mapErr(err)
	}
	if used != nil {
		return domain.User{}, "", ErrTokenUsed
	} else if !now.Before(expires) {
		return domain.User{}, "", ErrTokenExpired
	}
	u, err := q.UserByID(ctx, userID)
	return u, createdBy, err
}

// UsePasswordToken marks a set-password token used and returns its user and who
// created the token; a used, expired or unknown token gives an error and changes
// nothing. Call it inside a transaction.
func (q Q) UsePasswordToken(ctx context.Context, hash []byte) (domain.User, string, error) {
	return q.usePasswordToken(ctx, hash, PurposeSetPassword, time.Now())
}

// usePasswordToken marks a token of purpose used, as UsePasswordToken does, with now
// as the time its expiry is checked against.
func (q Q) usePasswordToken(ctx context.Context, hash []byte, purpose string, now time.Time) (domain.User, string, error) {
	u, createdBy, err := q.passwordToken(ctx, hash, purpose, now)
	if err != nil {
		return u, "", err
	}
	tag, err := q.db.Exec(ctx, `UPDATE password_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL`, hash)
	if err != nil {
		return u, "", mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return u, "", ErrTokenUsed
	}
	return u, createdBy, nil
}
