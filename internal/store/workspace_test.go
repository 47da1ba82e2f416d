package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// twoAccounts is two accounts of two organisations, for workspace tests.
func twoAccounts(t *testing.T, s *store.Store) (a, b domain.Account, ua domain.User) {
	t.Helper()
	ua = pgtest.MustUser(t, s, pgtest.Unique("wa")+"@a.test")
	ub := pgtest.MustUser(t, s, pgtest.Unique("wb")+"@b.test")
	a = pgtest.MustAccount(t, s, pgtest.MustOrganisation(t, s, "A", ua), "Account A", ua)
	b = pgtest.MustAccount(t, s, pgtest.MustOrganisation(t, s, "B", ub), "Account B", ub)
	return a, b, ua
}

func TestWorkspace_EveryQueryFiltersByAccount(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	a, b, _ := twoAccounts(t, s)
	c, err := s.CreateCampaign(ctx, b.ID, "B campaign")
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.CreateList(ctx, b.ID, "B list")
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{}
	_, checks["Campaign"] = s.Campaign(ctx, a.ID, c.ID)
	_, checks["LockCampaign"] = s.LockCampaign(ctx, a.ID, c.ID)
	_, checks["RenameCampaign"] = s.RenameCampaign(ctx, a.ID, c.ID, "Taken")
	_, checks["PublishCampaign"] = s.PublishCampaign(ctx, a.ID, c.ID)
	_, checks["List"] = s.List(ctx, a.ID, l.ID)
	_, checks["LockList"] = s.LockList(ctx, a.ID, l.ID)
	_, checks["RenameList"] = s.RenameList(ctx, a.ID, l.ID, "Taken")
	for name, err := range checks {
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("%s with another account's id: %v, want not found", name, err)
		}
	}
	if _, err := s.AddContact(ctx, a.ID, l.ID, "spy@example.com", ""); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("AddContact on another account's list: %v, want not found", err)
	}
	// An empty page must be an answer, not a failed query.
	if cs, err := s.Campaigns(ctx, a.ID, nil, 1); err != nil || len(cs) != 0 {
		t.Errorf("account A lists B's campaigns: %+v %v", cs, err)
	}
	if ls, err := s.Lists(ctx, a.ID, []int64{l.ID}, 1); err != nil || len(ls) != 0 {
		t.Errorf("account A lists B's lists by id: %+v %v", ls, err)
	}
	if cs, err := s.Contacts(ctx, a.ID, l.ID, 1); err != nil || len(cs) != 0 {
		t.Errorf("account A lists B's contacts: %+v %v", cs, err)
	}
	gotC, err := s.Campaign(ctx, b.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotL, err := s.List(ctx, b.ID, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotC.Name != "B campaign" || gotC.Status != "draft" || gotL.Name != "B list" || gotL.ContactCount != 0 {
		t.Fatalf("B's resources changed: %+v %+v", gotC, gotL)
	}
}

func TestWorkspace_IDsLimitPages(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	a, _, _ := twoAccounts(t, s)
	var ids []int64
	for _, n := range []string{"Zeta", "alpha", "Mid"} {
		l, err := s.CreateList(ctx, a.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	names := func(ls []domain.List) (out []string) {
		for _, l := range ls {
			out = append(out, l.Name)
		}
		return out
	}
	all, err := s.Lists(ctx, a.ID, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(all); !slices.Equal(got, []string{"alpha", "Mid", "Zeta"}) {
		t.Fatalf("all lists by name: %v", got)
	}
	if some, err := s.Lists(ctx, a.ID, []int64{ids[0]}, 1); err != nil || !slices.Equal(names(some), []string{"Zeta"}) {
		t.Fatalf("scoped lists: %v %v", names(some), err)
	}
	if none, err := s.Lists(ctx, a.ID, []int64{}, 1); err != nil || len(none) != 0 {
		t.Fatalf("an empty scope shows lists: %v %v", names(none), err)
	}
}

func TestWorkspace_PublishOnlyDrafts(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	a, _, _ := twoAccounts(t, s)
	c, err := s.CreateCampaign(ctx, a.ID, "Launch")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.PublishCampaign(ctx, a.ID, c.ID)
	if err != nil || p.Status != "published" || p.PublishedAt == nil {
		t.Fatalf("publish: %+v %v", p, err)
	}
	if _, err := s.PublishCampaign(ctx, a.ID, c.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("publish twice: %v, want not found", err)
	}
	if _, err := s.CreateCampaign(ctx, a.ID, fmt.Sprintf("%0121d", 0)); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("overlong name: %v, want invalid", err)
	}
}

func TestWorkspace_ContactsUniquePerListAndCountKept(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	a, _, _ := twoAccounts(t, s)
	l, err := s.CreateList(ctx, a.ID, "Newsletter")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateList(ctx, a.ID, "Other")
	if err != nil {
		t.Fatal(err)
	}
	add := func(listID int64, email string) error {
		tx, err := s.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.LockList(ctx, a.ID, listID); err != nil {
			return err
		}
		if _, err := tx.AddContact(ctx, a.ID, listID, email, ""); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	if err := add(l.ID, "jane@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := add(l.ID, "JANE@example.com"); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("duplicate in another case: %v, want conflict", err)
	}
	if err := add(other.ID, "jane@example.com"); err != nil {
		t.Fatalf("same address on another list: %v", err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := add(l.ID, fmt.Sprintf("c%d@example.com", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.List(ctx, a.ID, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE list_id = $1`, l.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got.ContactCount != 21 || n != 21 {
		t.Fatalf("kept count %d, rows %d, want 21", got.ContactCount, n)
	}
}

func TestWorkspace_ScopeSeparatesMemberAndRole(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	a, b, _ := twoAccounts(t, s)
	u := pgtest.MustUser(t, s, pgtest.Unique("scoped")+"@a.test")
	pgtest.MustGrant(t, s, a, u, domain.ListManagerRoleID)
	list := func(accountID int64, name string) domain.List {
		t.Helper()
		l, err := s.CreateList(ctx, accountID, name)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l1, l2, lb := list(a.ID, "One"), list(a.ID, "Two"), list(b.ID, "Foreign")
	if err := s.SetMemberScope(ctx, a.ID, u.ID, []int64{l2.ID, lb.ID}); err != nil {
		t.Fatal(err)
	}
	var roleID int64
	if err := pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, 'Scoped') RETURNING id`, a.ID).Scan(&roleID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO resource_scopes (account_id, role_id, resource_type, resource_id) VALUES ($1, $2, 'list', $3)`,
		a.ID, roleID, l1.ID); err != nil {
		t.Fatal(err)
	}
	member, role, err := s.WorkspaceScope(ctx, a.ID, u.ID, roleID, "list")
	if err != nil || !slices.Equal(member, []int64{l2.ID}) || !slices.Equal(role, []int64{l1.ID}) {
		t.Fatalf("scope: member %v role %v err %v", member, role, err)
	}
	member, role, err = s.WorkspaceScope(ctx, a.ID, u.ID, 0, "list")
	if err != nil || !slices.Equal(member, []int64{l2.ID}) || role != nil {
		t.Fatalf("predefined role scope: member %v role %v err %v", member, role, err)
	}
	member, role, err = s.WorkspaceScope(ctx, a.ID, u.ID, roleID, "campaign")
	if err != nil || member != nil || role != nil {
		t.Fatalf("campaign scope: member %v role %v err %v, want none", member, role, err)
	}
	member, role, err = s.WorkspaceScope(ctx, b.ID, u.ID, roleID, "list")
	if err != nil || member != nil || role != nil {
		t.Fatalf("another account's scope: member %v role %v err %v, want none", member, role, err)
	}
}
