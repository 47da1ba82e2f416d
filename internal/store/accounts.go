package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

const accountColumns = `a.id, a.organisation_id, a.slug, a.name, a.plan, a.seat_limit, a.status,
	a.login_method, coalesce(a.sso_connection_id, 0), a.mfa_required, a.enforce_on_entry, a.member_count, a.pending_invitations`

func scanAccount(row pgx.Row) (domain.Account, error) {
	var a domain.Account
	err := row.Scan(&a.ID, &a.OrganisationID, &a.Slug, &a.Name, &a.Plan, &a.SeatLimit, &a.Status,
		&a.LoginMethod, &a.SSOConnectionID, &a.MFARequired, &a.EnforceOnEntry, &a.MemberCount, &a.PendingInvitations)
	return a, mapErr(err)
}

// NewAccount is what staff give to create an account.
type NewAccount struct {
	OrganisationID int64
	Slug           string
	Name           string
	Plan           string
	SeatLimit      int
	OwnerUserID    int64
}

// CreateAccount inserts an account together with its owner's membership (the account
// must have exactly one owner when the transaction commits). A used slug gives ECONFLICT.
func (q Q) CreateAccount(ctx context.Context, n NewAccount) (domain.Account, error) {
	a, err := scanAccount(q.db.QueryRow(ctx, `INSERT INTO accounts AS a (organisation_id, slug, name, plan, seat_limit)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+accountColumns, n.OrganisationID, n.Slug, n.Name, n.Plan, n.SeatLimit))
	if err != nil {
		return a, err
	}
	if err := q.AddMembership(ctx, a.ID, n.OwnerUserID, domain.OwnerRoleID); err != nil {
		return a, err
	}
	a.MemberCount = 1
	return a, q.AddOrganisationMember(ctx, n.OrganisationID, n.OwnerUserID)
}

// AccountBySlug returns an account, or ENOTFOUND.
func (q Q) AccountBySlug(ctx context.Context, slug string) (domain.Account, error) {
	return scanAccount(q.db.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.slug = $1`, slug))
}

// AccountsOfOrganisation lists an organisation's accounts by name.
func (q Q) AccountsOfOrganisation(ctx context.Context, orgID int64) ([]domain.Account, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.organisation_id = $1 ORDER BY a.name, a.id`, orgID)
	return collect(rows, func(r pgx.CollectableRow) (domain.Account, error) { return scanAccount(r) })
}

// AccountOwnerEmail returns the email of an account's owner.
func (q Q) AccountOwnerEmail(ctx context.Context, accountID int64) (string, error) {
	var email string
	err := q.db.QueryRow(ctx, `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = $1 AND m.role_id = 1`, accountID).Scan(&email)
	return email, mapErr(err)
}

// AllAccounts lists every account by organisation and name (staff console).
func (q Q) AllAccounts(ctx context.Context) ([]domain.Account, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+accountColumns+` FROM accounts a ORDER BY a.organisation_id, a.name, a.id`)
	return collect(rows, func(r pgx.CollectableRow) (domain.Account, error) { return scanAccount(r) })
}

// SetAccountSecurity sets an account's login method, its SSO connection (0: none; it
// must be one of the account's organisation, else ENOTFOUND), whether it requires
// two-factor authentication, and whether those rules hold on entering it (step-up).
func (q Q) SetAccountSecurity(ctx context.Context, accountID int64, loginMethod string, connectionID int64, mfaRequired, enforceOnEntry bool) error {
	_, err := q.db.Exec(ctx, `UPDATE accounts SET login_method = $2, sso_connection_id = nullif($3, 0::bigint), mfa_required = $4,
		enforce_on_entry = $5 WHERE id = $1`, accountID, loginMethod, connectionID, mfaRequired, enforceOnEntry)
	if isForeignKey(err) {
		return domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	return mapErr(err)
}
