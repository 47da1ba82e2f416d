package store

import (
	"context"
	"time"

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

// SetFullName replaces a user's name.
func (q Q) SetFullName(ctx context.Context, userID int64, name string) error {
	_, err := q.db.Exec(ctx, `UPDATE users SET full_name = $2 WHERE id = $1`, userID, name)
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
// query: the user (ID 0 when the email is unknown), their password hash ("" when they
// have none), the login settings of their favourite account when they can still enter
// it, and the recent failed attempts for the email and the client address.
type SignInFacts struct {
	User         domain.User
	PasswordHash string
	// FavouriteOK is true when the favourite account exists, is active and the user
	// may enter it; Favourite holds its id, name and security settings then.
	FavouriteOK bool
	Favourite   domain.Account
	LoginMethod string
	MFARequired bool
	// SSOIdentities are the connections at which the user has a linked identity.
	SSOIdentities []int64
	// TOTPSecret is the user's sealed TOTP secret, nil when they have not set it up.
	TOTPSecret []byte
	// Failed attempts counted against the email and the address (zero times when none).
	EmailFailures    int
	EmailLastFailure time.Time
	IPFailures       int
	IPLastFailure    time.Time
}

// SignInFacts returns the SignInFacts of email, attempts counted under emailKey and
// ipKey (see SignInAttempt.Reserve). An unknown email is not an error: User.ID is 0.
// Nothing is locked: a password attempt reads its facts with BeginSignInAttempt.
func (q Q) SignInFacts(ctx context.Context, email, emailKey, ipKey string) (SignInFacts, error) {
	return scanSignInFacts(q.db.QueryRow(ctx, signInFactsSQL, email, emailKey, ipKey))
}

// signInFactsSQL reads SignInFacts for $1, attempts counted under $2 and $3.
const signInFactsSQL = `SELECT coalesce(u.id, 0), coalesce(u.email, ''), coalesce(u.full_name, ''),
		coalesce(u.favourite_account_id, 0), u.last_login_at, coalesce(u.session_epoch, 0), coalesce(u.is_staff, false),
		coalesce(u.disabled, false), coalesce(u.password_hash, ''),
		a.id IS NOT NULL AND a.status = 'active' AND (
			EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = a.id AND m.user_id = u.id AND m.status = 'active')
			OR EXISTS (SELECT 1 FROM organisation_owners oo WHERE oo.organisation_id = a.organisation_id AND oo.user_id = u.id)),
		coalesce(a.login_method, ''), coalesce(a.mfa_required, false), coalesce(a.sso_connection_id, 0),
		ARRAY(SELECT si.connection_id FROM sso_identities si WHERE si.user_id = u.id ORDER BY si.connection_id),
		coalesce(a.id, 0), coalesce(a.name, ''), coalesce(a.enforce_on_entry, false), u.totp_secret,
		coalesce(te.failures, 0), te.last_failure_at, coalesce(ti.failures, 0), ti.last_failure_at
		FROM (SELECT) AS one
		LEFT JOIN users u ON u.email = $1
		LEFT JOIN accounts a ON a.id = u.favourite_account_id
		LEFT JOIN login_throttles te ON te.key = $2
		LEFT JOIN login_throttles ti ON ti.key = $3`

func scanSignInFacts(row pgx.Row) (SignInFacts, error) {
	var f SignInFacts
	u := &f.User
	var emailLast, ipLast *time.Time
	err := row.Scan(&u.ID, &u.Email, &u.FullName,
		&u.FavouriteAccountID, &u.LastLoginAt, &u.SessionEpoch, &u.IsStaff,
		&u.Disabled, &f.PasswordHash, &f.FavouriteOK, &f.LoginMethod, &f.MFARequired, &f.Favourite.SSOConnectionID, &f.SSOIdentities,
		&f.Favourite.ID, &f.Favourite.Name, &f.Favourite.EnforceOnEntry, &f.TOTPSecret,
		&f.EmailFailures, &emailLast, &f.IPFailures, &ipLast)
	if emailLast != nil {
		f.EmailLastFailure = *emailLast
	}
	if ipLast != nil {
		f.IPLastFailure = *ipLast
	}
	f.Favourite.LoginMethod, f.Favourite.MFARequired = f.LoginMethod, f.MFARequired
	return f, mapErr(err)
}

// ClearLoginFailures forgets the failed attempts counted against key.
func (q Q) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := q.db.Exec(ctx, `DELETE FROM login_throttles WHERE key = $1`, key)
	return mapErr(err)
}

// DeleteStaleLoginFailures forgets addresses an hour after their last failure and
// emails 30 days after theirs, except emails whose password step is suspended.
func (q Q) DeleteStaleLoginFailures(ctx context.Context, suspendAfter int) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM login_throttles WHERE
		(key LIKE 'ip:%' AND last_failure_at < now() - interval '1 hour')
		OR (key LIKE 'email:%' AND last_failure_at < now() - interval '30 days' AND failures < $1)`, suspendAfter)
	return tag.RowsAffected(), mapErr(err)
}

// RecordSignIn starts a signed-in session (its row, owned by the user; the session
// store fills in its data when the response is sent), stamps the sign-in time, settles
// the sign-in's attempt (SettleLoginAttempt: emailKey's failures forgotten, the one
// reserved against ipKey given back; ipKey "" when no attempt was reserved) and
// appends the audit event, in one statement: atomic on its own, one round trip on the
// sign-in hot path.
func (q Q) RecordSignIn(ctx context.Context, userID int64, email, emailKey, ipKey, action string, tokenHash []byte, s domain.SessionStart) error {
	_, err := q.db.Exec(ctx, `WITH stamp AS (UPDATE users SET last_login_at = now() WHERE id = $1),
		`+settleAttemptSQL("$5", "$9")+`,
		started AS (INSERT INTO sessions (token_hash, data, expiry, user_id, ip, user_agent) VALUES ($6, '', $7, $1, $4, $8))
		INSERT INTO audit_events (actor_user_id, actor_email, action, target, ip) VALUES ($1, $2, $3, $2, $4)`,
		userID, email, action, s.IP, emailKey, tokenHash, s.Expiry, s.UserAgent, ipKey)
	return mapErr(err)
}
