package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// EntriesPageSize is how many accounts one page of a user's account list holds after
// the favourite and the recent ones (the switcher, /accounts and the profile).
const EntriesPageSize = 25

// RecentEntries is how many recently entered accounts lead the first page, after the
// favourite.
const RecentEntries = 5

// A user enters an account through an active membership of an active account, or as an
// owner of the account's organisation (as Administrator, unless they own the account
// itself). The SQL below reads both ways with $1 the user.

// entriesOwnedCTE lists the organisations $1 owns, with their sort key.
const entriesOwnedCTE = `owned AS (
	SELECT oo.organisation_id AS id, lower(o.name) AS okey, oo.created_at
	FROM organisation_owners oo JOIN organisations o ON o.id = oo.organisation_id
	WHERE oo.user_id = $1)`

// entryFrom reads an account a with $1's membership m (by its key, any status) and
// ow, the owned organisation it belongs to if any; entryColumns are what entryDetails
// needs of them; entryEnterable is true when $1 may enter a (active, checked apart).
// The membership is read by its key and its status tested apart, so that no plan
// probes it through an index led by the user (a generic plan, not knowing that this
// user has thousands of memberships, would otherwise walk them all for every account).
const (
	entryFrom = `accounts a
	LEFT JOIN memberships m ON m.account_id = a.id AND m.user_id = $1
	LEFT JOIN owned ow ON ow.id = a.organisation_id`
	entryColumns   = `a.id, a.slug, a.name, a.organisation_id AS oid, m.role_id, m.created_at AS joined, ow.id AS owid, ow.created_at AS owjoined`
	entryEnterable = `(m.status = 'active' OR ow.id IS NOT NULL)`
)

// entryDetails turns the rows of x (entryColumns, and section, entered_at, okey, akey
// to order by) into entries. The role is the user's own, unless they enter through
// their organisation (owid) without owning the account: an account of an owned
// organisation read without its membership (role_id null) has the owner's looked up.
// Each lookup is a lateral subquery probed per row by its key (LIMIT 1 keeps it one),
// and skipped when not needed.
const entryDetails = `
SELECT x.section, x.id, x.slug, x.name, o.id, o.slug, o.name,
       CASE WHEN v.via THEN 2 ELSE v.role_id END,
       CASE WHEN v.via THEN 'Administrator (organisation owner)' ELSE r.name END,
       v.via,
       CASE WHEN v.via THEN x.owjoined ELSE coalesce(x.joined, om.created_at) END,
       coalesce(x.entered_at, ae.entered_at)
FROM x
JOIN organisations o ON o.id = x.oid
LEFT JOIN LATERAL (SELECT mo.role_id, mo.created_at FROM memberships mo
	WHERE x.owid IS NOT NULL AND x.role_id IS NULL AND mo.account_id = x.id AND mo.user_id = $1 AND mo.role_id = 1
	LIMIT 1) om ON true
CROSS JOIN LATERAL (SELECT coalesce(x.role_id, om.role_id) AS role_id,
	x.owid IS NOT NULL AND coalesce(x.role_id, om.role_id) IS DISTINCT FROM 1 AS via) v
LEFT JOIN roles r ON r.id = v.role_id
LEFT JOIN LATERAL (SELECT ae.entered_at FROM account_entries ae
	WHERE x.entered_at IS NULL AND ae.user_id = $1 AND ae.account_id = x.id
	LIMIT 1) ae ON true`

// entryPageSQL is one page of $1's accounts: $2 the favourite, $3 the account id after
// which the page starts (0 for the first), $4 the rows of the ordered part to read
// (page size + 1), $5 how many recent accounts lead the first page, $6 (search only) a
// LIKE pattern (LikePattern) on the account or organisation name, in any case.
//
//   - cur is the sort key of the account $3, found only among the user's own
//     memberships (any status) or owned organisations, so a page cannot be positioned
//     by another tenant's account name; the first page starts before every key.
//   - head is the favourite, when it can be entered, and the accounts in
//     account_entries entered most recently (account_entries_recent_idx), shown on the
//     first page only and left out of every page of the ordered part.
//   - Accounts are looked up row by row through lateral subqueries (LIMIT 1 keeps
//     each one a probe by key): a generic plan that misjudges how many rows a filter
//     keeps cannot turn them into a walk of the accounts table.
//   - rest reads memberships_entries_idx (user, organisation key, organisation,
//     account key, account; role and join time included) from the cursor, stopping
//     after $4 rows, merged with the accounts of owned organisations in the same order
//     (accounts_organisation_entries_idx); memberships in owned organisations are left
//     to the latter, which gives them their organisation-owner role.
const entryPageSQL = `
WITH ` + entriesOwnedCTE + `,
cur AS (
	SELECT lower(o.name) AS okey, o.id AS oid, lower(a.name) AS akey, a.id AS aid
	FROM accounts a JOIN organisations o ON o.id = a.organisation_id
	WHERE a.id = $3 AND (EXISTS (SELECT 1 FROM memberships cm WHERE cm.account_id = a.id AND cm.user_id = $1)
		OR a.organisation_id IN (SELECT id FROM owned))
	UNION ALL
	SELECT '', 0, '', 0 WHERE $3 = 0),
head AS (
	(SELECT ` + entryColumns + `, 0 AS section, NULL::timestamptz AS entered_at
	 FROM ` + entryFrom + `
	 JOIN organisations o ON o.id = a.organisation_id
	 WHERE a.id = $2 AND a.status = 'active' AND ` + entryEnterable + ` /*head search*/)
	UNION ALL
	(SELECT e.*, 1, ae.entered_at
	 FROM account_entries ae
	 CROSS JOIN LATERAL (
		SELECT ` + entryColumns + `
		FROM ` + entryFrom + `
		JOIN organisations o ON o.id = a.organisation_id
		WHERE a.id = ae.account_id AND a.status = 'active' AND ` + entryEnterable + ` /*head search*/
		LIMIT 1) e
	 WHERE ae.user_id = $1 AND ae.account_id <> $2
	 ORDER BY ae.entered_at DESC, ae.account_id
	 LIMIT $5)),
rest AS (
	SELECT * FROM (
		(SELECT m.account_id AS id, a.slug, a.name, m.organisation_id AS oid, m.role_id, m.created_at AS joined,
		        NULL::bigint AS owid, NULL::timestamptz AS owjoined, m.organisation_key AS okey, m.account_key AS akey
		 FROM memberships m
		 CROSS JOIN LATERAL (SELECT a.slug, a.name FROM accounts a WHERE a.id = m.account_id AND a.status = 'active' LIMIT 1) a
		 WHERE m.user_id = $1 AND m.status = 'active'
		   AND (m.organisation_key, m.organisation_id, m.account_key, m.account_id) >
		       ((SELECT okey FROM cur), (SELECT oid FROM cur), (SELECT akey FROM cur), (SELECT aid FROM cur))
		   AND m.organisation_id NOT IN (SELECT id FROM owned)
		   AND m.account_id NOT IN (SELECT id FROM head) /*member search*/
		 ORDER BY m.organisation_key, m.organisation_id, m.account_key, m.account_id
		 LIMIT $4)
		UNION ALL
		(SELECT oa.id, oa.slug, oa.name, ow.id, NULL, NULL, ow.id, ow.created_at, ow.okey, oa.akey
		 FROM owned ow CROSS JOIN cur c
		 CROSS JOIN LATERAL (
			SELECT a.id, a.slug, a.name, lower(a.name) AS akey
			FROM accounts a
			WHERE a.organisation_id = ow.id AND a.status = 'active'
			  AND (lower(a.name), a.id) > (CASE WHEN ow.id = c.oid THEN c.akey ELSE '' END, CASE WHEN ow.id = c.oid THEN c.aid ELSE 0 END)
			  AND a.id NOT IN (SELECT id FROM head) /*owned search*/
			ORDER BY lower(a.name), a.id
			LIMIT $4) oa
		 WHERE (ow.okey, ow.id) >= (c.okey, c.oid))
	) r
	ORDER BY okey, oid, akey, id
	LIMIT $4),
x AS (
	SELECT id, slug, name, oid, role_id, joined, owid, owjoined, section, entered_at, NULL AS okey, NULL AS akey
	FROM head WHERE $3 = 0
	UNION ALL
	SELECT id, slug, name, oid, role_id, joined, owid, owjoined, 2, NULL, okey, akey FROM rest)
` + entryDetails + `
ORDER BY x.section, x.entered_at DESC, x.okey, x.oid, x.akey, x.id`

// EntryPageSQL returns the SQL of one page of a user's accounts, with or without a
// search filter ($6 is a LikePattern). Search and no search are two SQL
// texts, so a cached generic plan never serves both shapes. Exposed for tests.
func EntryPageSQL(search bool) string {
	if !search {
		return entryPageSQL
	}
	return entrySearch.Replace(entryPageSQL)
}

// entrySearch adds the search filter to entryPageSQL: $6 is a LIKE pattern, lowered
// once (an init plan) by PostgreSQL's lower(), the function that made the keys.
var entrySearch = strings.NewReplacer(
	"/*head search*/", "AND (lower(a.name) LIKE "+entryPattern+" OR lower(o.name) LIKE "+entryPattern+")",
	"/*member search*/", "AND (m.account_key LIKE "+entryPattern+" OR m.organisation_key LIKE "+entryPattern+")",
	"/*owned search*/", "AND (lower(a.name) LIKE "+entryPattern+" OR ow.okey LIKE "+entryPattern+")")

const entryPattern = "(SELECT lower($6::text))"

func scanEntry(r pgx.CollectableRow) (sectionEntry, error) {
	var e sectionEntry
	var entered *time.Time
	err := r.Scan(&e.section, &e.AccountID, &e.AccountSlug, &e.AccountName, &e.OrganisationID, &e.OrganisationSlug,
		&e.OrganisationName, &e.RoleID, &e.RoleName, &e.ViaOrganisation, &e.JoinedAt, &entered)
	if entered != nil {
		e.LastEnteredAt = *entered
	}
	return e, err
}

type sectionEntry struct {
	section int
	domain.Entry
}

// EntryPage returns one page of the accounts userID may enter (domain.EntryPage):
// after 0 asks for the first page, with the favourite and the RecentEntries accounts
// entered most recently; another page starts after the account whose id the previous
// page gave. query (plain text, "" for all) keeps the accounts whose name or
// organisation's name contains it. An after that is not one of the user's accounts
// gives an empty page.
func (q Q) EntryPage(ctx context.Context, userID, favouriteID int64, query string, after int64) (domain.EntryPage, error) {
	args := []any{userID, favouriteID, after, EntriesPageSize + 1, RecentEntries}
	if query != "" {
		args = append(args, LikePattern(query))
	}
	rows, _ := q.db.Query(ctx, EntryPageSQL(query != ""), args...)
	all, err := collect(rows, scanEntry)
	if err != nil {
		return domain.EntryPage{}, err
	}
	var p domain.EntryPage
	for _, e := range all {
		if e.section < 2 {
			p.Recent = append(p.Recent, e.Entry)
		} else {
			p.Entries = append(p.Entries, e.Entry)
		}
	}
	if len(p.Entries) > EntriesPageSize {
		p.Entries, p.More = p.Entries[:EntriesPageSize], true
		p.After = p.Entries[EntriesPageSize-1].AccountID
	}
	return p, nil
}

// landingSQL returns the accounts among which the landing policy chooses (policy.Land),
// each only when $1 may enter it: the favourite $2; else the account entered most
// recently (with any entered at the same moment); else the oldest own membership and
// the oldest organisation-owner access. Land picks the same from these as from all of
// the user's accounts, and the parts not needed are not read.
const landingSQL = `
WITH ` + entriesOwnedCTE + `,
fav AS (
	SELECT a.id FROM ` + entryFrom + ` WHERE a.id = $2 AND a.status = 'active' AND ` + entryEnterable + `),
latest AS (
	SELECT ae.entered_at FROM account_entries ae JOIN ` + entryFrom + ` ON a.id = ae.account_id
	WHERE ae.user_id = $1 AND NOT EXISTS (SELECT 1 FROM fav) AND a.status = 'active' AND ` + entryEnterable + `
	ORDER BY ae.entered_at DESC LIMIT 1),
recent AS (
	SELECT a.id FROM account_entries ae JOIN ` + entryFrom + ` ON a.id = ae.account_id
	WHERE ae.user_id = $1 AND ae.entered_at = (SELECT entered_at FROM latest) AND a.status = 'active' AND ` + entryEnterable + `),
own AS (
	SELECT m.account_id AS id FROM memberships m
	WHERE m.user_id = $1 AND m.status = 'active' AND NOT EXISTS (SELECT 1 FROM fav) AND NOT EXISTS (SELECT 1 FROM latest)
	  AND (m.role_id = 1 OR m.organisation_id NOT IN (SELECT id FROM owned))
	  AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = m.account_id AND a.status = 'active')
	ORDER BY m.created_at, m.account_id LIMIT 1),
via AS (
	SELECT a.id FROM owned ow JOIN accounts a ON a.organisation_id = ow.id AND a.status = 'active'
	WHERE NOT EXISTS (SELECT 1 FROM fav) AND NOT EXISTS (SELECT 1 FROM latest)
	  AND NOT EXISTS (SELECT 1 FROM memberships vm WHERE vm.account_id = a.id AND vm.user_id = $1 AND vm.role_id = 1)
	ORDER BY ow.created_at, a.id LIMIT 1),
x AS (
	SELECT ` + entryColumns + `, 0 AS section, NULL::timestamptz AS entered_at
	FROM ` + entryFrom + `
	WHERE a.id IN (SELECT id FROM fav UNION SELECT id FROM recent UNION SELECT id FROM own UNION SELECT id FROM via))
` + entryDetails + `
ORDER BY x.id`

// LandingEntries returns the accounts userID may enter among which policy.Land decides
// where sign-in lands, given the favourite (see landingSQL): at most a few rows, read
// through indexes, whatever the number of accounts.
func (q Q) LandingEntries(ctx context.Context, userID, favouriteID int64) ([]domain.Entry, error) {
	rows, _ := q.db.Query(ctx, landingSQL, userID, favouriteID)
	all, err := collect(rows, scanEntry)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Entry, len(all))
	for i, e := range all {
		out[i] = e.Entry
	}
	return out, nil
}

// RecordEntry records that userID entered accountID at the time at (the caller has
// checked that they may). Like a session write it commits without waiting for the WAL
// flush: a crash can only forget when someone last entered an account.
func (q Q) RecordEntry(ctx context.Context, userID, accountID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
		INSERT INTO account_entries (user_id, account_id, entered_at) SELECT $1, $2, $3 FROM relaxed
		ON CONFLICT (user_id, account_id) DO UPDATE SET entered_at = EXCLUDED.entered_at`, userID, accountID, at)
	return mapErr(err)
}
