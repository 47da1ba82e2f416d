package store

import (
	"context"

	"atrium/internal/domain"
)

// AccessRow is everything the account middleware needs about a caller and an account,
// read in one indexed query: the user (for the session epoch), the account and its
// organisation, the caller's membership and whether they own the organisation.
type AccessRow struct {
	User             domain.User
	AccountFound     bool
	Account          domain.Account
	Organisation     domain.Organisation
	MembershipStatus string
	RoleID           int64
	RoleName         string
	OrgOwner         bool
	// CustomPermissions are the permissions of a custom role (nil for predefined).
	CustomPermissions []string
	// HasPassword and TOTPEnrolled are what the login policy needs of the user to
	// decide a step-up on entering the account.
	HasPassword  bool
	TOTPEnrolled bool
	// SSOIdentities are the connections at which the user has a linked identity.
	SSOIdentities []int64
}

// Access loads an AccessRow for userID and the account slug. A missing user gives
// ENOTFOUND; a missing account gives AccountFound false.
func (q Q) Access(ctx context.Context, userID int64, accountSlug string) (AccessRow, error) {
	var r AccessRow
	var (
		accID, orgID, seat, count                          *int64
		slug, name, plan, status, method, orgSlug, orgName *string
		mfa, enforce                                       *bool
		conn                                               *int64
	)
	u := &r.User
	err := q.db.QueryRow(ctx, `
SELECT u.id, u.email, u.full_name, coalesce(u.favourite_account_id, 0), u.last_login_at, u.session_epoch, u.is_staff, u.disabled,
       a.id, a.organisation_id, a.slug, a.name, a.plan, a.seat_limit::bigint, a.status, a.login_method, a.mfa_required,
       a.enforce_on_entry, a.member_count::bigint, o.slug, o.name,
       coalesce(m.status, ''), coalesce(m.role_id, 0), coalesce(ro.name, ''), oo.user_id IS NOT NULL,
       CASE WHEN ro.account_id IS NOT NULL THEN
            ARRAY(SELECT rp.permission FROM role_permissions rp WHERE rp.role_id = ro.id) END,
       u.password_hash IS NOT NULL, u.totp_secret IS NOT NULL, a.sso_connection_id,
       ARRAY(SELECT si.connection_id FROM sso_identities si WHERE si.user_id = u.id ORDER BY si.connection_id)
FROM users u
LEFT JOIN accounts a ON a.slug = $2
LEFT JOIN organisations o ON o.id = a.organisation_id
LEFT JOIN memberships m ON m.account_id = a.id AND m.user_id = u.id
LEFT JOIN roles ro ON ro.id = m.role_id
LEFT JOIN organisation_owners oo ON oo.organisation_id = a.organisation_id AND oo.user_id = u.id
WHERE u.id = $1`, userID, accountSlug).Scan(
		&u.ID, &u.Email, &u.FullName, &u.FavouriteAccountID, &u.LastLoginAt, &u.SessionEpoch, &u.IsStaff, &u.Disabled,
		&accID, &orgID, &slug, &name, &plan, &seat, &status, &method, &mfa, &enforce, &count, &orgSlug, &orgName,
		&r.MembershipStatus, &r.RoleID, &r.RoleName, &r.OrgOwner, &r.CustomPermissions, &r.HasPassword, &r.TOTPEnrolled, &conn, &r.SSOIdentities)
	if err != nil {
		return r, mapErr(err)
	}
	if accID == nil {
		return r, nil
	}
	r.AccountFound = true
	r.Account = domain.Account{ID: *accID, OrganisationID: *orgID, Slug: *slug, Name: *name, Plan: *plan,
		SeatLimit: int(*seat), Status: *status, LoginMethod: *method, MFARequired: *mfa, EnforceOnEntry: *enforce,
		MemberCount: int(*count)}
	if conn != nil {
		r.Account.SSOConnectionID = *conn
	}
	r.Organisation = domain.Organisation{ID: *orgID, Slug: *orgSlug, Name: *orgName}
	return r, nil
}
