package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// referenceEntriesSQL lists every account $1 may enter the plain way — a join and a
// sort of all of them — in the order of the pages: organisation name, organisation,
// account name, account. The pages must agree with it.
const referenceEntriesSQL = `
SELECT e.* FROM (
	SELECT a.id, a.slug, a.name, o.id AS oid, o.slug AS oslug, o.name AS oname, m.role_id, r.name AS role_name,
	       false AS via, m.created_at, ae.entered_at
	FROM memberships m
	JOIN accounts a ON a.id = m.account_id AND a.status = 'active'
	JOIN organisations o ON o.id = a.organisation_id
	JOIN roles r ON r.id = m.role_id
	LEFT JOIN account_entries ae ON ae.user_id = $1 AND ae.account_id = a.id
	WHERE m.user_id = $1 AND m.status = 'active'
	  AND (m.role_id = 1 OR NOT EXISTS (SELECT 1 FROM organisation_owners oo
	       WHERE oo.organisation_id = a.organisation_id AND oo.user_id = $1))
	UNION ALL
	SELECT a.id, a.slug, a.name, o.id, o.slug, o.name, 2, 'Administrator (organisation owner)', true, oo.created_at, ae.entered_at
	FROM organisation_owners oo
	JOIN accounts a ON a.organisation_id = oo.organisation_id AND a.status = 'active'
	JOIN organisations o ON o.id = a.organisation_id
	LEFT JOIN account_entries ae ON ae.user_id = $1 AND ae.account_id = a.id
	WHERE oo.user_id = $1
	  AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = a.id AND m.user_id = $1 AND m.role_id = 1)
) e
ORDER BY lower(e.oname), e.oid, lower(e.name), e.id`

func referenceEntries(t *testing.T, pool *pgxpool.Pool, userID int64) []domain.Entry {
	t.Helper()
	rows, _ := pool.Query(context.Background(), referenceEntriesSQL, userID)
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Entry, error) {
		var e domain.Entry
		var entered *time.Time
		err := r.Scan(&e.AccountID, &e.AccountSlug, &e.AccountName, &e.OrganisationID, &e.OrganisationSlug, &e.OrganisationName,
			&e.RoleID, &e.RoleName, &e.ViaOrganisation, &e.JoinedAt, &entered)
		if entered != nil {
			e.LastEnteredAt = *entered
		}
		return e, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// entriesWorld is an agency user with accounts spread over organisations whose names
// tie and differ only in case, memberships of every status, an organisation they own
// (holding an account they own themselves and one where they are also a viewer), a
// closed account, a favourite and recorded entries; and another user in the same
// accounts.
type entriesWorld struct {
	pool                          *pgxpool.Pool
	s                             *store.Store
	agency, other                 domain.User
	fav, closed, deactivated      domain.Account
	removed, ownedViewer, ownedMe domain.Account
	foreign                       domain.Account // an account the agency user has nothing to do with
	entered                       []domain.Account
	accounts                      int
}

func newEntriesWorld(t *testing.T) entriesWorld {
	t.Helper()
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	w := entriesWorld{pool: pool, s: s}
	owner := pgtest.MustUser(t, s, pgtest.Unique("owner")+"@x.test")
	w.agency = pgtest.MustUser(t, s, pgtest.Unique("agency")+"@x.test")
	w.other = pgtest.MustUser(t, s, pgtest.Unique("other")+"@x.test")
	roles := []int64{domain.AdministratorRoleID, domain.EditorRoleID, domain.ListManagerRoleID, domain.ViewerRoleID}
	names := []string{"Shop", "shop", "Outlet", "Alpha Shop", "zebra", "Événements", "100% Juice", "under_score", "Shop"}
	var all []domain.Account
	for i, orgName := range []string{"Zeta Group", "alpha partners", "Beta", "Beta", "BETA labs"} {
		org := pgtest.MustOrganisation(t, s, orgName, owner)
		for j := range 26 {
			a := pgtest.MustAccount(t, s, org, fmt.Sprintf("%s %02d", names[(i+j)%len(names)], j%13), owner)
			pgtest.MustGrant(t, s, a, w.agency, roles[j%len(roles)])
			if j%3 == 0 {
				pgtest.MustGrant(t, s, a, w.other, domain.ViewerRoleID)
			}
			all = append(all, a)
		}
	}
	w.fav, w.closed, w.deactivated, w.removed = all[7], all[11], all[40], all[90]
	if err := s.SetAccountStatus(ctx, w.closed.ID, domain.AccountClosed); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMembershipStatus(ctx, w.deactivated.ID, w.agency.ID, domain.MembershipDeactivated); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMembershipStatus(ctx, w.removed.ID, w.agency.ID, domain.MembershipRemoved); err != nil {
		t.Fatal(err)
	}
	owned := pgtest.MustOrganisation(t, s, "Owned Co", w.agency)
	for j := range 30 {
		a := pgtest.MustAccount(t, s, owned, fmt.Sprintf("Owned %02d", j), owner)
		if j == 4 {
			w.ownedViewer = a
			pgtest.MustGrant(t, s, a, w.agency, domain.ViewerRoleID)
		}
	}
	w.ownedMe = pgtest.MustAccount(t, s, owned, "Owned by me", w.agency)
	stranger := pgtest.MustOrganisation(t, s, "Alpha Strangers", owner)
	w.foreign = pgtest.MustAccount(t, s, stranger, "Aaa Foreign", owner)
	pgtest.MustGrant(t, s, w.foreign, w.other, domain.ViewerRoleID)
	if err := s.SetFavourite(ctx, w.agency.ID, w.fav.ID); err != nil {
		t.Fatal(err)
	}
	// Entries, newest last: two that can no longer be entered, the favourite itself,
	// and seven that can.
	base := time.Now().Add(-time.Hour)
	w.entered = []domain.Account{all[3], w.closed, all[50], w.ownedViewer, w.fav, all[120], w.deactivated, all[60], w.ownedMe, all[101]}
	for i, a := range w.entered {
		if err := s.RecordEntry(ctx, w.agency.ID, a.ID, base.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordEntry(ctx, w.other.ID, all[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	w.accounts = len(referenceEntries(t, pool, w.agency.ID))
	return w
}

// allPages reads every page of userID's accounts for query, checking each page's shape,
// and returns the first page's Recent and every page's Entries in order.
func allPages(t *testing.T, s *store.Store, userID, favouriteID int64, query string) (recent, entries []domain.Entry) {
	t.Helper()
	var after int64
	for n := 1; ; n++ {
		p, err := s.EntryPage(context.Background(), userID, favouriteID, query, after)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			recent = p.Recent
		} else if len(p.Recent) != 0 {
			t.Fatalf("page %d repeats the recent accounts", n)
		}
		entries = append(entries, p.Entries...)
		if !p.More {
			return recent, entries
		}
		if len(p.Entries) != store.EntriesPageSize || p.After != p.Entries[len(p.Entries)-1].AccountID {
			t.Fatalf("page %d: %d entries, after %d: a page with a next one is full and ends at its after", n, len(p.Entries), p.After)
		}
		after = p.After
		if n > 100 {
			t.Fatal("pages never end")
		}
	}
}

func ids(entries []domain.Entry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.AccountID
	}
	return out
}

func sameEntry(a, b domain.Entry) bool {
	return a.AccountID == b.AccountID && a.AccountSlug == b.AccountSlug && a.AccountName == b.AccountName &&
		a.OrganisationID == b.OrganisationID && a.OrganisationName == b.OrganisationName && a.OrganisationSlug == b.OrganisationSlug &&
		a.RoleID == b.RoleID && a.RoleName == b.RoleName && a.ViaOrganisation == b.ViaOrganisation &&
		a.JoinedAt.Equal(b.JoinedAt) && a.LastEnteredAt.Equal(b.LastEnteredAt)
}

func TestEntryPage_EveryAccountOnce_FavouriteAndRecentFirst(t *testing.T) {
	w := newEntriesWorld(t)
	ref := referenceEntries(t, w.pool, w.agency.ID)
	if w.accounts < 3*store.EntriesPageSize {
		t.Fatalf("the world has %d accounts: too few for several pages", w.accounts)
	}
	recent, entries := allPages(t, w.s, w.agency.ID, w.fav.ID, "")

	// The favourite, then the accounts entered most recently that can still be entered,
	// newest first, at most RecentEntries of them.
	want := []int64{w.fav.ID, w.entered[9].ID, w.entered[8].ID, w.entered[7].ID, w.entered[5].ID, w.entered[3].ID}
	if got := ids(recent); !slices.Equal(got, want) {
		t.Fatalf("recent = %v, want the favourite then the 5 entered most recently %v", got, want)
	}
	// Then every other account exactly once, in the reference order, with the same facts.
	var rest []domain.Entry
	byID := map[int64]domain.Entry{}
	for _, e := range ref {
		byID[e.AccountID] = e
		if !slices.Contains(want, e.AccountID) {
			rest = append(rest, e)
		}
	}
	if got, wantIDs := ids(entries), ids(rest); !slices.Equal(got, wantIDs) {
		t.Fatalf("pages list %d accounts, want %d in reference order:\n got %v\nwant %v", len(got), len(wantIDs), got, wantIDs)
	}
	for _, e := range append(slices.Clone(recent), entries...) {
		if !sameEntry(e, byID[e.AccountID]) {
			t.Errorf("entry %+v\nwant %+v", e, byID[e.AccountID])
		}
	}
	for _, gone := range []domain.Account{w.closed, w.deactivated, w.removed, w.foreign} {
		if _, ok := byID[gone.ID]; ok || slices.Contains(ids(entries), gone.ID) || slices.Contains(ids(recent), gone.ID) {
			t.Errorf("%s listed, but the agency user cannot enter it", gone.Name)
		}
	}
	owned := byID[w.ownedViewer.ID]
	if !owned.ViaOrganisation || owned.RoleID != domain.AdministratorRoleID {
		t.Errorf("a viewer in an account of an organisation they own: %+v, want Administrator through the organisation", owned)
	}
	if me := byID[w.ownedMe.ID]; me.ViaOrganisation || me.RoleID != domain.OwnerRoleID {
		t.Errorf("the owner of an account of an organisation they own: %+v, want their own Owner role", me)
	}

	// Without a favourite the recent accounts lead alone (the old favourite was entered
	// after the account entered fifth most recently).
	recent, entries = allPages(t, w.s, w.agency.ID, 0, "")
	if got, want := ids(recent), []int64{w.entered[9].ID, w.entered[8].ID, w.entered[7].ID, w.entered[5].ID, w.entered[4].ID}; !slices.Equal(got, want) {
		t.Fatalf("recent without a favourite = %v, want %v", got, want)
	}
	if len(recent)+len(entries) != len(ref) {
		t.Fatalf("without a favourite the pages list %d accounts, want %d", len(recent)+len(entries), len(ref))
	}
}

func TestEntryPage_Search(t *testing.T) {
	w := newEntriesWorld(t)
	ref := referenceEntries(t, w.pool, w.agency.ID)
	// Entered accounts that can still be entered, newest first (the favourite apart).
	byRecency := []int64{w.entered[9].ID, w.entered[8].ID, w.entered[7].ID, w.entered[5].ID, w.entered[3].ID, w.entered[2].ID, w.entered[0].ID}
	for _, q := range []string{"shop", "SHOP 0", "alpha", "beta", "% juice", "_score", "é", "owned", "nothing like it"} {
		recent, entries := allPages(t, w.s, w.agency.ID, w.fav.ID, q)
		matching := map[int64]bool{}
		for _, e := range ref {
			lq := strings.ToLower(q)
			if strings.Contains(strings.ToLower(e.AccountName), lq) || strings.Contains(strings.ToLower(e.OrganisationName), lq) {
				matching[e.AccountID] = true
			}
		}
		// The favourite and the RecentEntries entered most recently lead, among matches.
		var wantRecent, wantRest []int64
		if matching[w.fav.ID] {
			wantRecent = append(wantRecent, w.fav.ID)
		}
		others := 0
		for _, id := range byRecency {
			if matching[id] && others < store.RecentEntries {
				wantRecent = append(wantRecent, id)
				others++
			}
		}
		for _, e := range ref {
			if matching[e.AccountID] && !slices.Contains(wantRecent, e.AccountID) {
				wantRest = append(wantRest, e.AccountID)
			}
		}
		if got := ids(recent); !slices.Equal(got, wantRecent) {
			t.Errorf("search %q: recent %v, want %v", q, got, wantRecent)
		}
		if got := ids(entries); !slices.Equal(got, wantRest) {
			t.Errorf("search %q: %d entries %v, want %d %v", q, len(got), got, len(wantRest), wantRest)
		}
		if q == "nothing like it" && len(recent)+len(entries) != 0 {
			t.Errorf("search %q lists accounts", q)
		}
	}
	// "shop" matches enough accounts for several pages.
	if _, entries := allPages(t, w.s, w.agency.ID, w.fav.ID, "shop"); len(entries) <= store.EntriesPageSize {
		t.Fatalf("search shop: %d entries, want more than a page", len(entries))
	}
}

func TestEntryPage_CursorOnlyAmongOwnAccounts(t *testing.T) {
	w := newEntriesWorld(t)
	ctx := context.Background()
	// Another tenant's account cannot position a page: the page is empty.
	p, err := w.s.EntryPage(ctx, w.agency.ID, w.fav.ID, "", w.foreign.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Recent)+len(p.Entries) != 0 || p.More {
		t.Fatalf("a page after another tenant's account lists %d accounts", len(p.Recent)+len(p.Entries))
	}
	// An account the user was removed from still positions the page: after it come the
	// accounts after its name.
	p, err = w.s.EntryPage(ctx, w.agency.ID, w.fav.ID, "", w.removed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) == 0 || len(p.Recent) != 0 {
		t.Fatalf("a page after an account the user left lists %d entries, %d recent", len(p.Entries), len(p.Recent))
	}
}

func TestMembershipSortKeys_FollowRenames(t *testing.T) {
	w := newEntriesWorld(t)
	ctx := context.Background()
	stale := func(step string) {
		t.Helper()
		var n int
		err := w.pool.QueryRow(ctx, `SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id
			JOIN organisations o ON o.id = a.organisation_id
			WHERE m.organisation_id <> a.organisation_id OR m.organisation_key <> lower(o.name) OR m.account_key <> lower(a.name)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%s: %d memberships carry stale sort keys", step, n)
		}
	}
	stale("after the inserts")
	if err := w.s.RenameOrganisation(ctx, w.fav.OrganisationID, "Aardvark Holdings"); err != nil {
		t.Fatal(err)
	}
	stale("after renaming an organisation")
	if _, err := w.pool.Exec(ctx, `UPDATE accounts SET name = 'Zz last' WHERE id = $1`, w.entered[0].ID); err != nil {
		t.Fatal(err)
	}
	stale("after renaming an account")
	// The pages follow: the renamed organisation's accounts now come first.
	_, entries := allPages(t, w.s, w.agency.ID, w.fav.ID, "")
	if entries[0].OrganisationName != "Aardvark Holdings" {
		t.Fatalf("first account after the rename is in %s, want Aardvark Holdings", entries[0].OrganisationName)
	}
	ref := referenceEntries(t, w.pool, w.agency.ID)
	var want []int64
	recent, _ := allPages(t, w.s, w.agency.ID, w.fav.ID, "")
	for _, e := range ref {
		if !slices.Contains(ids(recent), e.AccountID) {
			want = append(want, e.AccountID)
		}
	}
	if !slices.Equal(ids(entries), want) {
		t.Fatal("after the renames the pages do not follow the names' order")
	}
}

// TestMembershipSortKeys_InsertDuringRename: a membership added while its account or
// organisation is being renamed (the rename not yet committed) waits for the rename and
// carries the new name's key; without the trigger's row locks it would keep the old
// one, which the rename's own update never sees.
func TestMembershipSortKeys_InsertDuringRename(t *testing.T) {
	for _, rename := range []struct {
		what, sql string
	}{
		{"organisation", `UPDATE organisations SET name = 'Renamed Org' WHERE id = $1`},
		{"account", `UPDATE accounts SET name = 'Renamed Account' WHERE id = $1`},
	} {
		t.Run(rename.what, func(t *testing.T) {
			pool, _ := pgtest.New(t)
			s := store.New(pool)
			ctx := context.Background()
			owner := pgtest.MustUser(t, s, pgtest.Unique("owner")+"@x.test")
			joiner := pgtest.MustUser(t, s, pgtest.Unique("joiner")+"@x.test")
			org := pgtest.MustOrganisation(t, s, "Old Org", owner)
			acc := pgtest.MustAccount(t, s, org, "Old Account", owner)

			renamer, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer renamer.Rollback(ctx)
			id := org.ID
			if rename.what == "account" {
				id = acc.ID
			}
			if _, err := renamer.Exec(ctx, rename.sql, id); err != nil {
				t.Fatal(err)
			}
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			var pid int
			if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			inserted := make(chan error, 1)
			go func() {
				_, err := conn.Exec(ctx, `INSERT INTO memberships (account_id, user_id, role_id) VALUES ($1, $2, $3)`,
					acc.ID, joiner.ID, domain.ViewerRoleID)
				inserted <- err
			}()
			// Either the insert waits for the rename's lock, or it has finished already.
			waiting := false
			for !waiting {
				select {
				case err := <-inserted:
					inserted <- err
					waiting = true
				default:
					var ev *string
					if err := pool.QueryRow(ctx, `SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&ev); err != nil {
						t.Fatal(err)
					}
					waiting = ev != nil && *ev == "Lock"
					time.Sleep(5 * time.Millisecond)
				}
			}
			if err := renamer.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-inserted; err != nil {
				t.Fatal(err)
			}
			var okey, akey string
			if err := pool.QueryRow(ctx, `SELECT organisation_key, account_key FROM memberships WHERE account_id = $1 AND user_id = $2`,
				acc.ID, joiner.ID).Scan(&okey, &akey); err != nil {
				t.Fatal(err)
			}
			if want := map[string][2]string{"organisation": {"renamed org", "old account"}, "account": {"old org", "renamed account"}}[rename.what]; okey != want[0] || akey != want[1] {
				t.Fatalf("membership added during the %s's rename has keys %q, %q; want %q, %q", rename.what, okey, akey, want[0], want[1])
			}
		})
	}
}
