package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// entriesSQL lists the active accounts a user may enter: their own active memberships,
// and every active account of the organisations they own (as Administrator, unless they
// own the account itself). $2 filters by account or organisation name (” for all).
const entriesSQL = `
SELECT a.id AS account_id, a.slug AS account_slug, a.name AS account_name, o.id AS org_id,
       o.slug AS org_slug, o.name AS org_name, m.role_id, r.name AS role_name, false AS via_org, m.created_at AS joined_at
FROM memberships m
JOIN accounts a ON a.id = m.account_id AND a.status = 'active'
JOIN organisations o ON o.id = a.organisation_id
JOIN roles r ON r.id = m.role_id
WHERE m.user_id = $1 AND m.status = 'active'
  AND (m.role_id = 1 OR NOT EXISTS (SELECT 1 FROM organisation_owners oo
       WHERE oo.organisation_id = a.organisation_id AND oo.user_id = $1))
  AND ($2 = '' OR a.name ILIKE '%' || $2 || '%' OR o.name ILIKE '%' || $2 || '%')
UNION ALL
SELECT a.id, a.slug, a.name, o.id, o.slug, o.name, 2, 'Administrator (organisation owner)', true, oo.created_at
FROM organisation_owners oo
JOIN accounts a ON a.organisation_id = oo.organisation_id AND a.status = 'active'
JOIN organisations o ON o.id = a.organisation_id
WHERE oo.user_id = $1
  AND NOT EXISTS (SELECT 1 FROM memberships m
       WHERE m.account_id = a.id AND m.user_id = $1 AND m.role_id = 1)
  AND ($2 = '' OR a.name ILIKE '%' || $2 || '%' OR o.name ILIKE '%' || $2 || '%')`

func scanEntry(r pgx.CollectableRow) (domain.Entry, error) {
	var e domain.Entry
	err := r.Scan(&e.AccountID, &e.AccountSlug, &e.AccountName, &e.OrganisationID, &e.OrganisationSlug,
		&e.OrganisationName, &e.RoleID, &e.RoleName, &e.ViaOrganisation, &e.JoinedAt)
	return e, err
}

// Entries returns up to limit accounts userID may enter, the favourite first, then by
// organisation and account name; query filters by name. limit <= 0 means all.
func (q Q) Entries(ctx context.Context, userID, favouriteID int64, query string, limit int) ([]domain.Entry, error) {
	sql := `SELECT * FROM (` + entriesSQL + `) e ORDER BY (e.account_id = $3) DESC, lower(e.org_name), lower(e.account_name), e.account_id`
	args := []any{userID, query, favouriteID}
	if limit > 0 {
		sql += ` LIMIT $4`
		args = append(args, limit)
	}
	rows, _ := q.db.Query(ctx, sql, args...)
	return collect(rows, scanEntry)
}

// CountEntries returns how many accounts userID may enter.
func (q Q) CountEntries(ctx context.Context, userID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM (`+entriesSQL+`) e`, userID, "").Scan(&n)
	return n, mapErr(err)
}
