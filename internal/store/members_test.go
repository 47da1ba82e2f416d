package store_test

import (
	"context"
	"fmt"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

func TestMembers_OrderAcrossPagesAndSearch(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, "zz-owner@m.test")
	org := pgtest.MustOrganisation(t, s, "Org", owner)
	acc := pgtest.MustAccount(t, s, org, "Acc", owner)
	if _, err := pool.Exec(ctx, `UPDATE accounts SET seat_limit = 1000 WHERE id = $1`, acc.ID); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 70; i++ {
		u, err := s.CreateUser(ctx, fmt.Sprintf("m%02d@m.test", i), fmt.Sprintf("Member %02d", i), "", false)
		if err != nil {
			t.Fatal(err)
		}
		pgtest.MustGrant(t, s, acc, u, domain.ViewerRoleID)
		if i%10 == 0 { // Member 00, 10, …, 60 are deactivated
			if err := s.SetMembershipStatus(ctx, acc.ID, u.ID, domain.MembershipDeactivated); err != nil {
				t.Fatal(err)
			}
		}
	}
	var all []domain.Member
	for page := 1; page <= 3; page++ {
		ms, err := s.Members(ctx, acc.ID, "", page)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) > store.MembersPageSize {
			ms = ms[:store.MembersPageSize]
		}
		all = append(all, ms...)
	}
	if len(all) != 71 {
		t.Fatalf("%d members over the pages, want 71", len(all))
	}
	if all[0].UserID != owner.ID {
		t.Fatalf("first member is %s, want the owner", all[0].Email)
	}
	for i := 1; i < 64; i++ {
		if all[i].Status != domain.MembershipActive {
			t.Fatalf("row %d (%s) is %s; actives must come before inactive members", i, all[i].FullName, all[i].Status)
		}
		if i > 1 && all[i-1].FullName > all[i].FullName {
			t.Fatalf("active members out of name order: %s before %s", all[i-1].FullName, all[i].FullName)
		}
	}
	for i := 64; i < 71; i++ {
		if all[i].Status != domain.MembershipDeactivated {
			t.Fatalf("row %d (%s) is %s, want deactivated at the end", i, all[i].FullName, all[i].Status)
		}
	}
	found, err := s.Members(ctx, acc.ID, "member 4", 1)
	if err != nil || len(found) != 10 {
		t.Fatalf("search 'member 4': %d rows, %v", len(found), err)
	}
	if found, _ := s.Members(ctx, acc.ID, "%", 1); len(found) != 0 {
		t.Fatalf("a %% in the search matched %d rows; it must be taken literally", len(found))
	}
}
