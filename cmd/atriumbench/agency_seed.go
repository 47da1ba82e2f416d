package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// The "agency at scale" data: the demo agency user (three demo accounts in two
// organisations) becomes a member of thousands of client accounts.
const (
	agencyEmail     = homeEmail // agency@pixel.test
	agencyHome      = homeAccount
	agencyHomeName  = homeName
	agencyEntered   = 40 // client accounts with a recorded entry, the newest a minute old
	agencyOwnedOrg  = "client-20"
	agencyOthersOrg = 50  // organisations the agency user has nothing to do with
	agencyOthersAcc = 400 // accounts in each of them
	agencyStaff     = 2000
)

// agencyOrgNames name the client organisations; their accounts are called
// "<first word> <area> <number>" ("Aurora Outlet 017").
var agencyOrgNames = []string{
	"Aurora Media", "Bluefin Foods", "Cedar Health", "Delta Motors", "Ember Studios", "Fjord Travel", "Granite Bank",
	"Harbour Retail", "Iris Cosmetics", "Juniper Energy", "Kestrel Sports", "Lumen Labs", "Maple Insurance",
	"Nimbus Telecom", "Orchid Fashion", "Pioneer Logistics", "Quartz Software", "Rivera Hotels", "Summit Outdoor",
	"Tundra Beverages",
}

// agencyAreas name the accounts within an organisation.
var agencyAreas = []string{"North", "South", "East", "West", "Central", "Online", "Wholesale", "Outlet", "Loyalty", "Events"}

// agencySeeded is what the bulk load made.
type agencySeeded struct {
	userID, favouriteID int64
	accounts            int64 // accounts the agency user can enter
	organisations       int64 // organisations they are in
	memberships         int64 // their active memberships
	viaOrganisation     int64 // accounts they enter as an organisation owner
	tableAccounts       int64 // rows in accounts
	tableMemberships    int64 // rows in memberships
	load, vacuum        time.Duration
}

// agencySeed bulk-loads, in one transaction of set-based statements: 20 client
// organisations of perOrg accounts each (every one with its organisation owner as
// account owner; client users have no password), the agency user a member of all but a tenth of them
// in the first 19 organisations (roles in turn) and an owner of the 20th (entering
// its active accounts through the organisation, its last tenth closed); 2,000 client
// staff users with 5 memberships each; and 50 organisations of 400 accounts the agency
// user has nothing to do with, so that accounts and memberships are large tables. The
// agency user's 40 entries are recorded, spread over their memberships. Then VACUUM
// (ANALYZE). The demo data must be loaded.
func agencySeed(ctx context.Context, pool *pgxpool.Pool, perOrg int) (agencySeeded, error) {
	var out agencySeeded
	start := time.Now()
	st := store.New(pool)
	u, err := st.UserByEmail(ctx, agencyEmail)
	if err != nil {
		return out, fmt.Errorf("user %s: %w", agencyEmail, err)
	}
	out.userID, out.favouriteID = u.ID, u.FavouriteAccountID
	keep := perOrg - perOrg/10 // accounts per organisation the agency user can enter
	tx, err := pool.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer tx.Rollback(ctx)
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"client organisations", `
WITH n AS (SELECT i, ($1::text[])[i] AS name FROM generate_series(1, cardinality($1::text[])) i),
o AS (INSERT INTO organisations (slug, name) SELECT 'client-' || lpad(i::text, 2, '0'), name FROM n RETURNING id, slug),
u AS (INSERT INTO users (email, full_name, password_hash)
	SELECT 'owner-' || o.slug || '@clients.test', 'Owner of ' || n.name, NULL FROM o JOIN n ON o.slug = 'client-' || lpad(n.i::text, 2, '0')
	RETURNING id, email)
INSERT INTO organisation_owners (organisation_id, user_id)
SELECT o.id, u.id FROM o JOIN u ON u.email = 'owner-' || o.slug || '@clients.test'`,
			[]any{agencyOrgNames}},
		{"client accounts", `
INSERT INTO accounts (organisation_id, slug, name, seat_limit)
SELECT o.id, o.slug || '-' || lpad(g::text, 3, '0'),
	split_part(o.name, ' ', 1) || ' ' || ($2::text[])[1 + g % cardinality($2::text[])] || ' ' || lpad(g::text, 3, '0'), 100
FROM organisations o, generate_series(1, $1::int) g WHERE o.slug LIKE 'client-%'`,
			[]any{perOrg, agencyAreas}},
		{"account owners", `
INSERT INTO memberships (account_id, user_id, role_id)
SELECT a.id, oo.user_id, $1 FROM accounts a JOIN organisations o ON o.id = a.organisation_id
JOIN organisation_owners oo ON oo.organisation_id = o.id WHERE o.slug LIKE 'client-%'`,
			[]any{domain.OwnerRoleID}},
		{"agency memberships", `
INSERT INTO memberships (account_id, user_id, role_id)
SELECT a.id, $1, ($3::bigint[])[1 + (substring(a.slug from '-([0-9]{3})$')::int % cardinality($3::bigint[]))]
FROM accounts a JOIN organisations o ON o.id = a.organisation_id
WHERE o.slug LIKE 'client-%' AND o.slug <> $4 AND substring(a.slug from '-([0-9]{3})$')::int <= $2`,
			[]any{u.ID, keep, []int64{domain.AdministratorRoleID, domain.EditorRoleID, domain.ListManagerRoleID, domain.ViewerRoleID}, agencyOwnedOrg}},
		{"agency organisation", `
WITH ow AS (INSERT INTO organisation_owners (organisation_id, user_id) SELECT id, $1 FROM organisations WHERE slug = $2)
UPDATE accounts SET status = 'closed', closed_at = now()
WHERE organisation_id = (SELECT id FROM organisations WHERE slug = $2) AND substring(slug from '-([0-9]{3})$')::int > $3`,
			[]any{u.ID, agencyOwnedOrg, keep}},
		{"organisation listings", `
INSERT INTO organisation_members (organisation_id, user_id)
SELECT DISTINCT a.organisation_id, m.user_id FROM memberships m JOIN accounts a ON a.id = m.account_id
JOIN organisations o ON o.id = a.organisation_id WHERE o.slug LIKE 'client-%'
ON CONFLICT DO NOTHING`, nil},
		{"client staff", `
WITH s AS (INSERT INTO users (email, full_name, password_hash)
	SELECT 'staff' || lpad(g::text, 4, '0') || '@clients.test', 'Client Staff ' || g, NULL FROM generate_series(1, $1::int) g
	RETURNING id),
c AS (SELECT a.id, row_number() OVER (ORDER BY a.id) - 1 AS n, count(*) OVER () AS total
	FROM accounts a JOIN organisations o ON o.id = a.organisation_id WHERE o.slug LIKE 'client-%')
INSERT INTO memberships (account_id, user_id, role_id)
SELECT c.id, s.id, $2 FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM s) s
CROSS JOIN generate_series(0, 4) k
JOIN c ON c.n = (s.n * 5 + k * 7) % c.total
ON CONFLICT DO NOTHING`,
			[]any{agencyStaff, domain.EditorRoleID}},
		{"other organisations", `
WITH o AS (INSERT INTO organisations (slug, name)
	SELECT 'other-' || lpad(g::text, 3, '0'), 'Other Group ' || g FROM generate_series(1, $1::int) g RETURNING id, slug),
u AS (INSERT INTO users (email, full_name, password_hash)
	SELECT 'owner-' || o.slug || '@others.test', 'Owner of ' || o.slug, NULL FROM o RETURNING id, email),
oo AS (INSERT INTO organisation_owners (organisation_id, user_id)
	SELECT o.id, u.id FROM o JOIN u ON u.email = 'owner-' || o.slug || '@others.test' RETURNING organisation_id, user_id),
a AS (INSERT INTO accounts (organisation_id, slug, name)
	SELECT o.id, o.slug || '-' || lpad(g::text, 3, '0'), 'Shop ' || g || ' of ' || o.slug FROM o, generate_series(1, $2::int) g
	RETURNING id, organisation_id)
INSERT INTO memberships (account_id, user_id, role_id)
SELECT a.id, oo.user_id, $3 FROM a JOIN oo ON oo.organisation_id = a.organisation_id`,
			[]any{agencyOthersOrg, agencyOthersAcc, domain.OwnerRoleID}},
		{"recorded entries", `
INSERT INTO account_entries (user_id, account_id, entered_at)
SELECT $1, e.account_id, now() - make_interval(mins => (e.n / 47)::int)
FROM (SELECT m.account_id, row_number() OVER (ORDER BY m.account_id) AS n
	FROM memberships m WHERE m.user_id = $1 AND m.status = 'active') e
WHERE e.n % 47 = 0 LIMIT $2`,
			[]any{u.ID, agencyEntered}},
	}
	for _, s := range steps {
		if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
			return out, fmt.Errorf("%s: %w", s.what, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return out, fmt.Errorf("agency load: %w", err)
	}
	out.load = time.Since(start)

	start = time.Now()
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) users, organisations, organisation_owners, organisation_members, accounts, memberships, account_entries`); err != nil {
		return out, fmt.Errorf("vacuum: %w", err)
	}
	out.vacuum = time.Since(start)

	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id AND a.status = 'active'
		 WHERE m.user_id = $1 AND m.status = 'active'),
		(SELECT count(*) FROM accounts a JOIN organisation_owners oo ON oo.organisation_id = a.organisation_id AND oo.user_id = $1
		 WHERE a.status = 'active'),
		(SELECT count(DISTINCT a.organisation_id) FROM accounts a
		 WHERE a.status = 'active' AND (a.id IN (SELECT account_id FROM memberships WHERE user_id = $1 AND status = 'active')
		   OR a.organisation_id IN (SELECT organisation_id FROM organisation_owners WHERE user_id = $1))),
		(SELECT count(*) FROM accounts), (SELECT count(*) FROM memberships)`, u.ID).
		Scan(&out.memberships, &out.viaOrganisation, &out.organisations, &out.tableAccounts, &out.tableMemberships)
	out.accounts = out.memberships + out.viaOrganisation
	return out, err
}
