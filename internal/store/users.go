package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

const userColumns = `id, email, full_name, coalesce(favourite_account_id, 0), last_login_at, session_epoch, is_staff, disabled`

func scanUser(row pgx.Row) (domain.User, error) {
	var u domain.User
	err := row.Scan(&u.ID, &u.Email, &u.FullName, &u.FavouriteAccountID, &u.LastLoginAt, &u.SessionEpoch, &u.IsStaff, &u.Disabled)
	return u, mapErr(err)
}

// UserByID returns the user with that id, or ENOTFOUND.
func (q Q) UserByID(ctx context.Context, id int64) (domain.User, error) {
	return scanUser(q.db.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByEmail returns the user with that email (case-insensitive), or ENOTFOUND.
func (q Q) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	return scanUser(q.db.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
}

// CreateUser inserts a user; an email already used (in any case) gives ECONFLICT.
func (q Q) CreateUser(ctx context.Context, email, fullName, passwordHash string, staff bool) (domain.User, error) {
	var hash *string
	if passwordHash != "" {
		hash = &passwordHash
	}
	return scanUser(q.db.QueryRow(ctx, `INSERT INTO users (email, full_name, password_hash, is_staff)
		VALUES ($1, $2, $3, $4) RETURNING `+userColumns, email, fullName, hash, staff))
}

// SetPasswordHash replaces a user's password hash.
func (q Q) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	_, err := q.db.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
	return mapErr(err)
}

// SetFavourite stores the user's favourite account.
func (q Q) SetFavourite(ctx context.Context, userID, accountID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE users SET favourite_account_id = $2 WHERE id = $1`, userID, accountID)
	return mapErr(err)
}

// BumpSessionEpoch ends every session of the user on its next request.
func (q Q) BumpSessionEpoch(ctx context.Context, userID int64) (int, error) {
	var epoch int
	err := q.db.QueryRow(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch`, userID).Scan(&epoch)
	return epoch, mapErr(err)
}

// SetStaff marks a user as platform staff (used by the demo loader and tests).
func (q Q) SetStaff(ctx context.Context, userID int64, staff bool) error {
	_, err := q.db.Exec(ctx, `UPDATE users SET is_staff = $2 WHERE id = $1`, userID, staff)
	return mapErr(err)
}

// SignInFacts is everything signing in needs to know about an email, read in one
// query: the user, their password hash ("" when they have none), and the login
// settings of their favourite account when they can still enter it.
type SignInFacts struct {
	User         domain.User
	PasswordHash string
	// FavouriteOK is true when the favourite account exists, is active and the user
	// may enter it; LoginMethod and MFARequired are its settings then.
	FavouriteOK bool
	LoginMethod string
	MFARequired bool
}

// SignInFacts returns the SignInFacts of the user with email, or ENOTFOUND.
func (q Q) SignInFacts(ctx context.Context, email string) (SignInFacts, error) {
	var f SignInFacts
	u := &f.User
	err := q.db.QueryRow(ctx, `SELECT u.id, u.email, u.full_name, coalesce(u.favourite_account_id, 0), u.last_login_at,
		u.session_epoch, u.is_staff, u.disabled, coalesce(u.password_hash, ''),
		a.id IS NOT NULL AND a.status = 'active' AND (
			EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = a.id AND m.user_id = u.id AND m.status = 'active')
			OR EXISTS (SELECT 1 FROM organisation_owners oo WHERE oo.organisation_id = a.organisation_id AND oo.user_id = u.id)),
		coalesce(a.login_method, ''), coalesce(a.mfa_required, false)
		FROM users u LEFT JOIN accounts a ON a.id = u.favourite_account_id
		WHERE u.email = $1`, email).Scan(&u.ID, &u.Email, &u.FullName, &u.FavouriteAccountID, &u.LastLoginAt,
		&u.SessionEpoch, &u.IsStaff, &u.Disabled, &f.PasswordHash, &f.FavouriteOK, &f.LoginMethod, &f.MFARequired)
	return f, mapErr(err)
}

// RecordSignIn stamps the sign-in time and appends its audit event in one statement
// (atomic on its own, one round trip on the sign-in hot path).
func (q Q) RecordSignIn(ctx context.Context, userID int64, email, action, ip string) error {
	_, err := q.db.Exec(ctx, `WITH stamp AS (UPDATE users SET last_login_at = now() WHERE id = $1)
		INSERT INTO audit_events (actor_user_id, actor_email, action, target, ip) VALUES ($1, $2, $3, $2, $4)`,
		userID, email, action, ip)
	return mapErr(err)
}
