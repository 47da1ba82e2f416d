package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// The "people at scale" data: a large organisation and a large account in it.
const (
	peopleOrg       = "northwind"
	peopleAccount   = "northwind-retail"
	peopleOwner     = "owner@northwind.test"
	peopleOwnerName = "Nora Northwind"
	peopleSeatLimit = 20000
	peopleEmailHost = "bulk.test"
)

// peopleSurnames give the bulk users' names some variety ("Person 00042 Okafor").
var peopleSurnames = []string{
	"Smith", "Jones", "Okafor", "Nguyen", "Garcia", "Müller", "Rossi", "Kowalski", "Haddad", "Tanaka",
	"Silva", "Novak", "Larsen", "Dubois", "O'Brien", "Khan", "Ivanova", "Cohen", "Mensah", "Fischer",
	"Hughes", "Moreau", "Patel", "Yilmaz", "Andersson", "Costa", "Murphy", "Schmidt", "Lopez", "Chen",
	"Walker", "Bakker", "Horvat", "Jensen", "Popescu", "Reyes", "Ahmed", "Kim", "Wright", "Baptiste",
}

// peopleSeeded is what the bulk load made.
type peopleSeeded struct {
	orgID, accountID int64
	users            int   // bulk users, all listed in the organisation
	orgUsers         int64 // users listed in the organisation (bulk and demo/bench ones)
	active           int64 // active memberships of the account
	deactivated      int64
	memberCount      int64 // accounts.member_count after the load
	load, vacuum     time.Duration
}

// peopleSeed bulk-loads n users, numbered 00000 up ("Person 00042 Okafor",
// person00042@bulk.test), all listed in the northwind organisation. Every tenth user
// (numbers ending in 2, the first `members` of them) becomes an active member of
// northwind-retail, so members spread over the whole name range; users 00007, 01007, …
// are deactivated members. Roles are Viewer, every fourth an Editor. The account's
// seat limit is raised first. The load is one set-based statement with one shared
// precomputed password hash and no per-row work in Go; the memberships go in with a
// plain INSERT … SELECT, so the member_count trigger keeps accounts.member_count right
// (checked afterwards). Then VACUUM (ANALYZE), so the planner has statistics and
// autovacuum does not start in the middle of the measurements.
func peopleSeed(ctx context.Context, pool *pgxpool.Pool, n, members int) (peopleSeeded, error) {
	var out peopleSeeded
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, benchPassword)
	if err != nil {
		return out, err
	}
	start := time.Now()
	st := store.New(pool)
	org, err := st.OrganisationBySlug(ctx, peopleOrg)
	if err != nil {
		return out, fmt.Errorf("organisation %s: %w", peopleOrg, err)
	}
	acc, err := st.AccountBySlug(ctx, peopleAccount)
	if err != nil {
		return out, fmt.Errorf("account %s: %w", peopleAccount, err)
	}
	if acc.OrganisationID != org.ID {
		return out, fmt.Errorf("account %s is not in organisation %s", peopleAccount, peopleOrg)
	}
	out.orgID, out.accountID, out.users = org.ID, acc.ID, n
	// Room for the members first (the application checks seats when adding people).
	if err := st.SetAccountPlan(ctx, acc.ID, acc.Plan, max(peopleSeatLimit, members+1000)); err != nil {
		return out, fmt.Errorf("seat limit: %w", err)
	}

	bulk, err := pool.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer bulk.Rollback(ctx)
	_, err = bulk.Exec(ctx, `
WITH src AS (
	SELECT g,
		'person' || lpad(g::text, 5, '0') || '@`+peopleEmailHost+`' AS email,
		'Person ' || lpad(g::text, 5, '0') || ' ' || ($5::text[])[1 + g % cardinality($5::text[])] AS full_name
	FROM generate_series(0, $3::int - 1) g),
nu AS (
	INSERT INTO users (email, full_name, password_hash, created_at)
	SELECT email, full_name, $4, now() - make_interval(mins => g)
	FROM src ORDER BY g
	RETURNING id, email::text AS email),
om AS (
	INSERT INTO organisation_members (organisation_id, user_id)
	SELECT $1::bigint, id FROM nu)
INSERT INTO memberships (account_id, user_id, role_id, status)
SELECT $2::bigint, nu.id,
	CASE WHEN (s.g / 10) % 4 = 0 THEN $7::bigint ELSE $8::bigint END,
	CASE WHEN s.g % 10 = 2 AND s.g / 10 < $6::int THEN 'active' ELSE 'deactivated' END
FROM nu JOIN src s ON s.email = nu.email
WHERE (s.g % 10 = 2 AND s.g / 10 < $6::int) OR s.g % 1000 = 7`,
		org.ID, acc.ID, n, hash, peopleSurnames, members, domain.EditorRoleID, domain.ViewerRoleID)
	if err != nil {
		return out, fmt.Errorf("bulk load: %w", err)
	}
	if err := bulk.Commit(ctx); err != nil {
		return out, fmt.Errorf("bulk load: %w", err)
	}
	out.load = time.Since(start)

	start = time.Now()
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) users, organisation_members, memberships, accounts, organisation_owners`); err != nil {
		return out, fmt.Errorf("vacuum: %w", err)
	}
	out.vacuum = time.Since(start)

	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM organisation_members WHERE organisation_id = $1),
		(SELECT count(*) FROM memberships WHERE account_id = $2 AND status = 'active'),
		(SELECT count(*) FROM memberships WHERE account_id = $2 AND status = 'deactivated'),
		(SELECT member_count FROM accounts WHERE id = $2)`, org.ID, acc.ID).
		Scan(&out.orgUsers, &out.active, &out.deactivated, &out.memberCount)
	if err != nil {
		return out, err
	}
	if out.memberCount != out.active {
		return out, fmt.Errorf("accounts.member_count is %d but %d memberships are active", out.memberCount, out.active)
	}
	return out, nil
}
