package store

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// OrgUsersPageSize is how many users one page of an organisation's Users page shows.
const OrgUsersPageSize = 50

// The Users page of an organisation may list 100,000 users, so its queries stay
// index-driven:
//
//   - the page itself walks organisation_members by its primary key (organisation_id,
//     user_id) joined to users by id, ordered by lower(full_name), id (the
//     users_lower_name_idx order), and stops after LIMIT;
//   - a search (?q=) filters users with ILIKE '%q%' on full_name and email, which the
//     trigram GIN indexes users_full_name_trgm and users_email_trgm answer (BitmapOr);
//   - the number of accounts and the owner badge are computed only for the page's rows,
//     through memberships_user_idx and the organisation_owners primary key;
//   - nothing counts all users: one extra row tells whether a next page exists.
//
// Search and no-search use two SQL texts so a cached generic plan never has to serve
// both shapes.
// managedSQL is true when the organisation orgParam alone holds the user row alias u
// (columns id and is_staff): not staff, and listed in (or owning) no other
// organisation. Owning implies being listed, so one index probe decides.
func managedSQL(u, orgParam string) string {
	return `(NOT ` + u + `.is_staff AND NOT EXISTS (SELECT 1 FROM organisation_members x
		WHERE x.user_id = ` + u + `.id AND x.organisation_id <> ` + orgParam + `))`
}

var orgUsersPageSQL = `
WITH page AS (
	SELECT u.id, u.full_name, u.email::text AS email, u.last_login_at, u.is_staff, u.disabled
	FROM organisation_members om
	JOIN users u ON u.id = om.user_id
	WHERE om.organisation_id = $1 %s
	ORDER BY lower(u.full_name), u.id
	LIMIT $2 OFFSET $3
)
SELECT p.id, p.full_name, p.email, p.last_login_at,
	(SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id
	 WHERE m.user_id = p.id AND m.status = 'active' AND a.organisation_id = $1),
	EXISTS (SELECT 1 FROM organisation_owners oo WHERE oo.organisation_id = $1 AND oo.user_id = p.id),
	` + managedSQL("p", "$1") + `, p.disabled
FROM page p
ORDER BY lower(p.full_name), p.id`

// OrgUsersSQL returns the SQL of one page of the Users page, with or without a search
// filter ($4 is the ILIKE pattern). Exposed for EXPLAIN in tests and by hand.
func OrgUsersSQL(search bool) string {
	filter := ""
	if search {
		filter = `AND (u.full_name ILIKE $4 OR u.email::text ILIKE $4)`
	}
	return strings.Replace(orgUsersPageSQL, "%s", filter, 1)
}

// LikePattern turns a search into an ILIKE '%…%' pattern, escaping % _ and \.
func LikePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

func scanOrgUser(row pgx.CollectableRow) (domain.OrgUser, error) {
	var u domain.OrgUser
	return u, row.Scan(&u.UserID, &u.FullName, &u.Email, &u.LastLoginAt, &u.Accounts, &u.Owner, &u.Managed, &u.Disabled)
}

// OrgUsers returns one page (from 1) of the organisation's users by name, filtered by
// name or email when query is not empty. It fetches one extra row so the caller knows
// whether another page follows.
func (q Q) OrgUsers(ctx context.Context, orgID int64, query string, page int) ([]domain.OrgUser, error) {
	if page < 1 {
		page = 1
	}
	args := []any{orgID, OrgUsersPageSize + 1, (page - 1) * OrgUsersPageSize}
	if query != "" {
		args = append(args, LikePattern(query))
	}
	rows, _ := q.db.Query(ctx, OrgUsersSQL(query != ""), args...)
	return collect(rows, scanOrgUser)
}

// OrgUser returns one user of the organisation's Users page, or ENOTFOUND — also for a
// user who exists but is not listed in this organisation.
func (q Q) OrgUser(ctx context.Context, orgID, userID int64) (domain.OrgUser, error) {
	rows, _ := q.db.Query(ctx, `SELECT u.id, u.full_name, u.email::text, u.last_login_at,
		(SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id
		 WHERE m.user_id = u.id AND m.status = 'active' AND a.organisation_id = $1),
		EXISTS (SELECT 1 FROM organisation_owners oo WHERE oo.organisation_id = $1 AND oo.user_id = u.id),
		`+managedSQL("u", "$1")+`, u.disabled
		FROM organisation_members om JOIN users u ON u.id = om.user_id
		WHERE om.organisation_id = $1 AND om.user_id = $2`, orgID, userID)
	u, err := pgx.CollectExactlyOneRow(rows, scanOrgUser)
	return u, mapErr(err)
}

// OrgUserGrants lists userID's memberships in the organisation's accounts that are not
// removed, by account name.
func (q Q) OrgUserGrants(ctx context.Context, orgID, userID int64) ([]domain.Grant, error) {
	rows, _ := q.db.Query(ctx, `SELECT a.id, a.slug, a.name, m.role_id, r.name, m.status
		FROM memberships m
		JOIN accounts a ON a.id = m.account_id
		JOIN roles r ON r.id = m.role_id
		WHERE m.user_id = $2 AND a.organisation_id = $1 AND m.status <> 'removed'
		ORDER BY lower(a.name), a.id`, orgID, userID)
	return collect(rows, func(row pgx.CollectableRow) (domain.Grant, error) {
		var g domain.Grant
		return g, row.Scan(&g.AccountID, &g.AccountSlug, &g.AccountName, &g.RoleID, &g.RoleName, &g.Status)
	})
}

// AccountOfOrganisation returns an account of orgID, or ENOTFOUND for an account of
// another organisation.
func (q Q) AccountOfOrganisation(ctx context.Context, orgID, accountID int64) (domain.Account, error) {
	return scanAccount(q.db.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a
		WHERE a.id = $2 AND a.organisation_id = $1`, orgID, accountID))
}

// CustomRolesOfOrganisation returns the custom roles of the organisation's accounts,
// by account name then role name (permissions and scope are not loaded).
func (q Q) CustomRolesOfOrganisation(ctx context.Context, orgID int64) ([]domain.Role, error) {
	rows, _ := q.db.Query(ctx, `SELECT r.id, r.account_id, r.name
		FROM roles r JOIN accounts a ON a.id = r.account_id
		WHERE a.organisation_id = $1 AND a.status = 'active'
		ORDER BY lower(a.name), a.id, lower(r.name), r.id`, orgID)
	return collect(rows, func(row pgx.CollectableRow) (domain.Role, error) {
		var r domain.Role
		return r, row.Scan(&r.ID, &r.AccountID, &r.Name)
	})
}

// OwnedOrganisationRoles returns the organisations ownerID owns, by name, each with
// whether userID owns it too.
func (q Q) OwnedOrganisationRoles(ctx context.Context, ownerID, userID int64) ([]domain.Organisation, []bool, error) {
	rows, _ := q.db.Query(ctx, `SELECT o.id, o.slug, o.name,
		EXISTS (SELECT 1 FROM organisation_owners x WHERE x.organisation_id = o.id AND x.user_id = $2)
		FROM organisations o JOIN organisation_owners oo ON oo.organisation_id = o.id AND oo.user_id = $1
		ORDER BY o.name, o.id`, ownerID, userID)
	type row struct {
		o     domain.Organisation
		owner bool
	}
	all, err := collect(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.o.ID, &x.o.Slug, &x.o.Name, &x.owner)
	})
	if err != nil {
		return nil, nil, err
	}
	orgs, owners := make([]domain.Organisation, len(all)), make([]bool, len(all))
	for i, x := range all {
		orgs[i], owners[i] = x.o, x.owner
	}
	return orgs, owners, nil
}

// IsOrganisationOwner reports whether userID owns orgID.
func (q Q) IsOrganisationOwner(ctx context.Context, orgID, userID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisation_owners
		WHERE organisation_id = $1 AND user_id = $2)`, orgID, userID).Scan(&ok)
	return ok, mapErr(err)
}

// LockOrganisationAccountsOf takes, in id order, the row locks of the organisation's
// accounts where userID has a membership, and returns those accounts.
func (q Q) LockOrganisationAccountsOf(ctx context.Context, orgID, userID int64) ([]domain.Account, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+accountColumns+` FROM accounts a
		WHERE a.organisation_id = $1
		  AND a.id IN (SELECT m.account_id FROM memberships m WHERE m.user_id = $2)
		ORDER BY a.id FOR UPDATE`, orgID, userID)
	return collect(rows, func(r pgx.CollectableRow) (domain.Account, error) { return scanAccount(r) })
}

// EndOrganisationMemberships marks every membership of userID in the organisation's
// accounts removed (the owner's excepted: the database refuses those) and clears their
// list scopes; it returns how many memberships ended.
func (q Q) EndOrganisationMemberships(ctx context.Context, orgID, userID int64) (int64, error) {
	if _, err := q.db.Exec(ctx, `DELETE FROM resource_scopes s USING accounts a
		WHERE a.id = s.account_id AND a.organisation_id = $1 AND s.user_id = $2`, orgID, userID); err != nil {
		return 0, mapErr(err)
	}
	tag, err := q.db.Exec(ctx, `UPDATE memberships m SET status = 'removed', updated_at = now()
		FROM accounts a
		WHERE a.id = m.account_id AND a.organisation_id = $1 AND m.user_id = $2 AND m.status <> 'removed'`, orgID, userID)
	return tag.RowsAffected(), mapErr(err)
}

// RemoveOrganisationMember takes userID off the organisation's Users page.
func (q Q) RemoveOrganisationMember(ctx context.Context, orgID, userID int64) error {
	_, err := q.db.Exec(ctx, `DELETE FROM organisation_members WHERE organisation_id = $1 AND user_id = $2`, orgID, userID)
	return mapErr(err)
}
