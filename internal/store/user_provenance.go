package store

import (
	"context"
	"time"

	"atrium/internal/domain"
)

// CreatePendingUser inserts a user without a password, recording who created them; an
// email already used (in any case) gives ECONFLICT.
func (q Q) CreatePendingUser(ctx context.Context, email, fullName, createdBy string) (domain.User, error) {
	return scanUser(q.db.QueryRow(ctx, `INSERT INTO users (email, full_name, created_by)
		VALUES ($1, $2, $3) RETURNING `+userColumns, email, fullName, createdBy))
}

// SetOwnPassword replaces a user's password hash with one the user chose themself, and
// records when and how (via) they did.
func (q Q) SetOwnPassword(ctx context.Context, userID int64, hash, via string) error {
	_, err := q.db.Exec(ctx, `UPDATE users SET password_hash = $2, password_set_at = now(), password_set_via = $3
		WHERE id = $1`, userID, hash, via)
	return mapErr(err)
}

// SetUserDisabled disables or enables a user platform-wide. A disabled user's every
// request is refused and they cannot sign in.
func (q Q) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	_, err := q.db.Exec(ctx, `UPDATE users SET disabled = $2 WHERE id = $1`, userID, disabled)
	return mapErr(err)
}

// UserFactsByEmail returns who the user with that email is: where they belong, who
// created them and whether they ever chose their own password; ENOTFOUND when no user
// has that email.
func (q Q) UserFactsByEmail(ctx context.Context, email string) (domain.UserFacts, error) {
	var f domain.UserFacts
	u := &f.User
	var setAt *time.Time
	err := q.db.QueryRow(ctx, `SELECT `+userColumns+`, created_at, created_by, password_hash IS NOT NULL,
		password_set_at, password_set_via, totp_enrolled_at,
		ARRAY(SELECT o.name FROM organisations o WHERE o.id IN (
			SELECT om.organisation_id FROM organisation_members om WHERE om.user_id = users.id
			UNION SELECT oo.organisation_id FROM organisation_owners oo WHERE oo.user_id = users.id)
			ORDER BY o.name, o.id)
		FROM users WHERE email = $1`, email).Scan(&u.ID, &u.Email, &u.FullName, &u.FavouriteAccountID, &u.LastLoginAt,
		&u.SessionEpoch, &u.IsStaff, &u.Disabled, &f.CreatedAt, &f.CreatedBy, &f.HasPassword, &setAt, &f.PasswordSetVia,
		&f.TOTPEnrolledAt, &f.Organisations)
	f.PasswordSetAt = setAt
	return f, mapErr(err)
}
