package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// Two-factor authentication: each user's sealed TOTP secret, the last time step whose
// code was accepted, the wrong codes counted against them, and their recovery codes.
// Sealing and checking codes happen in the app layer; here codes are counted and
// spent, each attempt in one statement that holds the user's row, so attempts in
// parallel (on any server) are decided one after the other.

// CodeCheck is one second-factor attempt to decide and record.
type CodeCheck struct {
	UserID int64
	// Epoch is the session epoch the attempt's session holds; a user whose epoch has
	// moved on since (signed out everywhere), who is disabled or whose secret is no
	// longer Secret gives ENOTFOUND, and nothing is counted.
	Epoch  int
	Secret []byte
	// Step is the TOTP time step the code matched (0: it matched none).
	Step int64
	// Now is the time of the attempt; Waits[n] is how long after the last wrong code
	// the next may be checked when n stand (the last entry for any n beyond), and
	// wrong codes older than Decay no longer stand (policy.CodeWaits,
	// policy.CodeFailureDecay).
	Now   time.Time
	Waits []time.Duration
	Decay time.Duration
	// Record, when set, is written with a right code, in the same statement.
	Record *CodeRecord
}

// CodeRecord is what a right code completes: an audit event and, for a sign-in, the
// signed-in session's row and the sign-in time.
type CodeRecord struct {
	Email, Action, IP string
	AccountID         int64 // the account the event belongs to (0: none)
	// Session, when set, is the row of the signed-in session to create under a fresh
	// token (its data is filled in when the response is sent), and the user's sign-in
	// time is stamped.
	Session *SessionRow
}

// SessionRow is a signed-in session's row: its token hash, expiry and origin.
type SessionRow struct {
	TokenHash []byte
	Expiry    time.Time
	UserAgent string
}

// CodeOutcome is how an attempt was decided.
type CodeOutcome struct {
	// Checked is false when the throttle refused to check the code (nothing counted);
	// Failures and LastFailure then say how long to wait.
	Checked bool
	// Right is true when the code was right: its step (or the recovery code) is now
	// spent and the wrong codes forgotten.
	Right       bool
	Failures    int
	LastFailure time.Time
	// RecoveryLeft counts the recovery codes still unused (recovery attempts only).
	RecoveryLeft int
}

// attemptSQL locks the user's row and reads what deciding an attempt needs ($1 user,
// $3 now, $4 waits in seconds, $5 decay in seconds, $6 secret, $7 epoch): the wrong
// codes standing (f) and whether the throttle lets this code be checked (checked).
// FOR UPDATE makes a parallel attempt wait here and then read this one's outcome.
const attemptSQL = `o AS (
	SELECT id, totp_last_step AS ls, totp_last_failure_at AS lf,
		CASE WHEN totp_last_failure_at IS NULL OR totp_last_failure_at <= $3::timestamptz - make_interval(secs => $5::float8) THEN 0
			ELSE totp_failures END AS f
	FROM users WHERE id = $1 AND totp_secret = $6 AND session_epoch = $7 AND NOT disabled
	FOR UPDATE),
d AS (
	SELECT id, ls, f, $3::timestamptz >= coalesce(lf, '-infinity'::timestamptz)
		+ make_interval(secs => ($4::float8[])[least(f, cardinality($4::float8[]) - 1) + 1]) AS checked
	FROM o)`

// countSQL records the attempt on the user's row, given the CTE right (one boolean
// row): a right code clears the count (and, with $8, stamps the sign-in), a wrong one
// counts at $3, a refused one changes nothing.
func countSQL(right, step string) string {
	return `upd AS (
	UPDATE users x SET
		totp_failures = CASE WHEN NOT d.checked THEN x.totp_failures WHEN (SELECT r FROM ` + right + `) THEN 0 ELSE d.f + 1 END,
		totp_last_failure_at = CASE WHEN NOT d.checked THEN x.totp_last_failure_at WHEN (SELECT r FROM ` + right + `) THEN NULL ELSE $3::timestamptz END,
		totp_last_step = CASE WHEN d.checked AND (SELECT r FROM ` + right + `) THEN ` + step + ` ELSE x.totp_last_step END,
		last_login_at = CASE WHEN d.checked AND (SELECT r FROM ` + right + `) AND $8 THEN now() ELSE x.last_login_at END
	FROM d WHERE x.id = d.id
	RETURNING d.checked, d.checked AND (SELECT r FROM ` + right + `) AS ok, x.totp_failures, x.totp_last_failure_at),
started AS (INSERT INTO sessions (token_hash, data, expiry, user_id, ip, user_agent)
	SELECT $9, '', $10, $1, $11, $12 FROM upd WHERE upd.ok AND $8),
ev AS (INSERT INTO audit_events (actor_user_id, actor_email, action, target, account_id, ip)
	SELECT $1, $13, $14, $13, nullif($15, 0), $11 FROM upd WHERE upd.ok AND $14 <> '')`
}

// checkTOTPSQL decides a TOTP code that matched step $2 (0: none). A step at or before
// the last one accepted is a code already used: wrong.
var checkTOTPSQL = `WITH ` + attemptSQL + `,
right_code AS (SELECT $2::bigint > 0 AND d.ls < $2::bigint AS r FROM d),
` + countSQL("right_code", "$2") + `
SELECT checked, ok, totp_failures, totp_last_failure_at, 0 FROM upd`

// checkRecoverySQL decides a recovery code hashing to $2: when checked, an unused code
// of the user's with that hash is spent. Two attempts with one code cannot both spend
// it: the second finds it used.
var checkRecoverySQL = `WITH ` + attemptSQL + `,
used AS (UPDATE recovery_codes rc SET used_at = $3::timestamptz FROM d
	WHERE d.checked AND rc.user_id = $1 AND rc.code_hash = $2 AND rc.used_at IS NULL RETURNING rc.id),
right_code AS (SELECT EXISTS (SELECT 1 FROM used) AS r),
` + countSQL("right_code", "x.totp_last_step") + `
SELECT checked, ok, totp_failures, totp_last_failure_at,
	(SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL) - (SELECT count(*) FROM used) FROM upd`

// CheckTOTP decides and records a TOTP attempt in one statement (c.Step: the step the
// code matched). ENOTFOUND when the user, their epoch or their secret is not c's.
func (q Q) CheckTOTP(ctx context.Context, c CodeCheck) (CodeOutcome, error) {
	return q.checkCode(ctx, checkTOTPSQL, c.Step, c)
}

// CheckRecoveryCode decides and records an attempt with a recovery code hashing to
// hash, in one statement, like CheckTOTP.
func (q Q) CheckRecoveryCode(ctx context.Context, hash []byte, c CodeCheck) (CodeOutcome, error) {
	return q.checkCode(ctx, checkRecoverySQL, hash, c)
}

func (q Q) checkCode(ctx context.Context, sql string, code any, c CodeCheck) (CodeOutcome, error) {
	waits := make([]float64, len(c.Waits))
	for i, w := range c.Waits {
		waits[i] = w.Seconds()
	}
	var rec CodeRecord
	var sess SessionRow
	if c.Record != nil {
		rec = *c.Record
		if rec.Session != nil {
			sess = *rec.Session
		}
	}
	var o CodeOutcome
	var last *time.Time
	err := q.db.QueryRow(ctx, sql, c.UserID, code, c.Now, waits, c.Decay.Seconds(), c.Secret, c.Epoch,
		rec.Session != nil, sess.TokenHash, sess.Expiry, rec.IP, sess.UserAgent, rec.Email, rec.Action, rec.AccountID).
		Scan(&o.Checked, &o.Right, &o.Failures, &last, &o.RecoveryLeft)
	if last != nil {
		o.LastFailure = *last
	}
	return o, mapErr(err)
}

// TOTPSecret returns the user's sealed TOTP secret (nil when not set up); ENOTFOUND
// for no such user.
func (q Q) TOTPSecret(ctx context.Context, userID int64) ([]byte, error) {
	var secret []byte
	err := q.db.QueryRow(ctx, `SELECT totp_secret FROM users WHERE id = $1`, userID).Scan(&secret)
	return secret, mapErr(err)
}

// SetTOTP sets up TOTP for a user: the sealed secret, step as the last step used (the
// code that confirmed the set-up cannot be used again), no wrong codes, and a new set
// of recovery codes (their hashes) in place of any old one.
func (q Q) SetTOTP(ctx context.Context, userID int64, secret []byte, step int64, recoveryHashes [][]byte) error {
	_, err := q.db.Exec(ctx, `UPDATE users SET totp_secret = $2, totp_enrolled_at = now(),
		totp_last_step = greatest(totp_last_step, $3), totp_failures = 0, totp_last_failure_at = NULL WHERE id = $1`,
		userID, secret, step)
	if err != nil {
		return mapErr(err)
	}
	return q.ReplaceRecoveryCodes(ctx, userID, recoveryHashes)
}

// ReplaceRecoveryCodes gives the user a new set of recovery codes (their hashes); the
// old ones stop working.
func (q Q) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return mapErr(err)
	}
	_, err := q.db.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])`, userID, hashes)
	return mapErr(err)
}

// ClearTOTP turns TOTP off for a user: secret, recovery codes and wrong codes gone. It
// reports whether TOTP was set up.
func (q Q) ClearTOTP(ctx context.Context, userID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE users SET totp_secret = NULL, totp_enrolled_at = NULL, totp_failures = 0,
		totp_last_failure_at = NULL WHERE id = $1 AND totp_secret IS NOT NULL`, userID)
	if err != nil {
		return false, mapErr(err)
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return false, mapErr(err)
	}
	return tag.RowsAffected() == 1, nil
}

// TwoFactorStatus is what a user's two-factor page shows.
type TwoFactorStatus struct {
	EnrolledAt   *time.Time // nil when not set up
	RecoveryLeft int
	// RequiredBy names the accounts the user can enter that require two-factor
	// authentication (at most requiredByLimit, by name); RequiredCount counts them all.
	RequiredBy    []string
	RequiredCount int
}

const requiredByLimit = 20

// TwoFactorStatus returns the user's two-factor status. The accounts requiring it are
// read from the user's memberships and owned organisations (by their user indexes).
func (q Q) TwoFactorStatus(ctx context.Context, userID int64) (TwoFactorStatus, error) {
	var s TwoFactorStatus
	err := q.db.QueryRow(ctx, `WITH strict AS (
			SELECT a.name AS account_name FROM memberships m JOIN accounts a ON a.id = m.account_id
			WHERE m.user_id = $1 AND m.status = 'active' AND a.status = 'active' AND a.mfa_required
			UNION
			SELECT a.name FROM organisation_owners oo JOIN accounts a ON a.organisation_id = oo.organisation_id
			WHERE oo.user_id = $1 AND a.status = 'active' AND a.mfa_required)
		SELECT u.totp_enrolled_at, (SELECT count(*) FROM recovery_codes rc WHERE rc.user_id = u.id AND rc.used_at IS NULL),
			ARRAY(SELECT account_name FROM strict ORDER BY lower(account_name) LIMIT $2), (SELECT count(*) FROM strict)
		FROM users u WHERE u.id = $1`, userID, requiredByLimit).Scan(&s.EnrolledAt, &s.RecoveryLeft, &s.RequiredBy, &s.RequiredCount)
	return s, mapErr(err)
}

// CandidateRow is an account a user can enter, with its security settings.
type CandidateRow struct {
	Entry           domain.Entry
	LoginMethod     string
	SSOConnectionID int64
	MFARequired     bool
	Enforce         bool
}

// SignInCandidates lists the accounts the login policy chooses among when the user's
// favourite cannot be entered (LandingEntries: a few, whatever the number of accounts),
// each with its security settings.
func (q Q) SignInCandidates(ctx context.Context, userID int64) ([]CandidateRow, error) {
	entries, err := q.LandingEntries(ctx, userID, 0)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.AccountID
	}
	rows, _ := q.db.Query(ctx, `SELECT id, login_method, coalesce(sso_connection_id, 0), mfa_required, enforce_on_entry
		FROM accounts WHERE id = ANY($1)`, ids)
	type settings struct {
		id, connection int64
		method         string
		mfa, enforce   bool
	}
	all, err := collect(rows, func(r pgx.CollectableRow) (settings, error) {
		var x settings
		return x, r.Scan(&x.id, &x.method, &x.connection, &x.mfa, &x.enforce)
	})
	if err != nil {
		return nil, err
	}
	by := map[int64]settings{}
	for _, x := range all {
		by[x.id] = x
	}
	out := make([]CandidateRow, 0, len(entries))
	for _, e := range entries {
		x := by[e.AccountID]
		out = append(out, CandidateRow{Entry: e, LoginMethod: x.method, SSOConnectionID: x.connection, MFARequired: x.mfa, Enforce: x.enforce})
	}
	return out, nil
}
