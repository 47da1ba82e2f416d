package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// allEntries reads every account userID may enter, through every page of the list.
func allEntries(t *testing.T, s *store.Store, userID int64) []domain.Entry {
	t.Helper()
	var all []domain.Entry
	var after int64
	for {
		p, err := s.EntryPage(context.Background(), userID, 0, "", after)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Recent...)
		all = append(all, p.Entries...)
		if !p.More {
			return all
		}
		after = p.After
	}
}

// TestLandingEntries_LandAsAmongAllAccounts: sign-in reads only a few candidate
// accounts (store.LandingEntries); the landing policy must choose from them what it
// would choose from all of the user's accounts — favourite, most recently entered
// (ties included), oldest own membership, organisation-owner access.
func TestLandingEntries_LandAsAmongAllAccounts(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, pgtest.Unique("owner")+"@x.test")
	u := pgtest.MustUser(t, s, pgtest.Unique("agency")+"@x.test")
	var accs []domain.Account
	for i, name := range []string{"Zeta", "alpha", "Beta"} {
		org := pgtest.MustOrganisation(t, s, name, owner)
		for j := range 20 {
			a := pgtest.MustAccount(t, s, org, fmt.Sprintf("%s %02d", name, 20-j), owner)
			pgtest.MustGrant(t, s, a, u, []int64{domain.EditorRoleID, domain.ViewerRoleID}[(i+j)%2])
			accs = append(accs, a)
		}
	}
	owned := pgtest.MustOrganisation(t, s, "Owned", u)
	var ownedAccs []domain.Account
	for j := range 5 {
		ownedAccs = append(ownedAccs, pgtest.MustAccount(t, s, owned, fmt.Sprintf("Owned %d", j), owner))
	}
	mine := pgtest.MustAccount(t, s, owned, "Owned by me", u)
	closed := accs[30]
	if err := s.SetAccountStatus(ctx, closed.ID, domain.AccountClosed); err != nil {
		t.Fatal(err)
	}
	check := func(step string, fav int64) policy.Landing {
		t.Helper()
		cands, err := s.LandingEntries(ctx, u.ID, fav)
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) > 4 {
			t.Errorf("%s: %d landing candidates, want a few", step, len(cands))
		}
		got, want := policy.Land(cands, fav), policy.Land(allEntries(t, s, u.ID), fav)
		if got.None != want.None || got.FellBack != want.FellBack || !sameLanding(got.Entry, want.Entry) {
			t.Fatalf("%s: lands in %+v (fell back %v), all accounts say %+v (fell back %v)", step, got.Entry, got.FellBack, want.Entry, want.FellBack)
		}
		return got
	}
	base := time.Now().Add(-time.Hour)
	for i, a := range []domain.Account{accs[3], closed, accs[50], ownedAccs[2], accs[12]} {
		if err := s.RecordEntry(ctx, u.ID, a.ID, base.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got := check("favourite enterable", accs[7].ID); got.Entry.AccountID != accs[7].ID {
		t.Fatalf("lands in %s, want the favourite", got.Entry.AccountName)
	}
	if got := check("favourite closed", closed.ID); got.Entry.AccountID != accs[12].ID || !got.FellBack {
		t.Fatalf("lands in %s, want the account entered most recently", got.Entry.AccountName)
	}
	check("no favourite", 0)
	// The most recent entry is an account that can no longer be entered.
	if err := s.RecordEntry(ctx, u.ID, closed.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	check("entered last, since closed", closed.ID)
	// Entered at the same moment: the landing order's own tie-break decides.
	at := time.Now().Add(time.Minute)
	for _, a := range []domain.Account{ownedAccs[4], accs[40], accs[2], mine} {
		if err := s.RecordEntry(ctx, u.ID, a.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	check("tie on the entry time", closed.ID)
	// Nothing entered: the oldest own membership, before organisation-owner access.
	if _, err := pool.Exec(ctx, `DELETE FROM account_entries WHERE user_id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := check("nothing entered", closed.ID); got.Entry.AccountID != accs[0].ID {
		t.Fatalf("lands in %+v, want the oldest own membership %s", got.Entry, accs[0].Name)
	}
	// Only organisation-owner access left.
	if _, err := pool.Exec(ctx, `UPDATE memberships SET status = 'removed' WHERE user_id = $1 AND role_id <> 1`, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAccountStatus(ctx, mine.ID, domain.AccountClosed); err != nil {
		t.Fatal(err)
	}
	if got := check("organisation access only", closed.ID); !got.Entry.ViaOrganisation || got.Entry.AccountID != ownedAccs[0].ID {
		t.Fatalf("lands in %+v, want organisation-owner access to %s", got.Entry, ownedAccs[0].Name)
	}
	for _, a := range ownedAccs {
		if err := s.SetAccountStatus(ctx, a.ID, domain.AccountClosed); err != nil {
			t.Fatal(err)
		}
	}
	if got := check("nothing left", closed.ID); !got.None {
		t.Fatalf("lands in %+v with nothing left", got.Entry)
	}
}

func sameLanding(a, b domain.Entry) bool {
	return a.AccountID == b.AccountID && a.RoleID == b.RoleID && a.RoleName == b.RoleName && a.ViaOrganisation == b.ViaOrganisation &&
		a.JoinedAt.Equal(b.JoinedAt) && a.LastEnteredAt.Equal(b.LastEnteredAt)
}
