package store_test

import (
	"context"
	"sync"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

func TestUsers_EmailUniqueCaseInsensitive(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	pgtest.MustUser(t, s, "jane@example.com")
	_, err := s.CreateUser(context.Background(), "JANE@Example.COM", "Jane Again", "", false)
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("second user with the same email in another case: %v, want conflict", err)
	}
	u, err := s.UserByEmail(context.Background(), "Jane@EXAMPLE.com")
	if err != nil || u.Email != "jane@example.com" {
		t.Fatalf("lookup by other case: %v %+v", err, u)
	}
}

func TestOrganisationOwners_ConcurrentRemovalsKeepOne(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	first := pgtest.MustUser(t, s, "o0@x.test")
	org := pgtest.MustOrganisation(t, s, "Concurrent", first)
	owners := []domain.User{first}
	for i := 1; i < 10; i++ {
		u := pgtest.MustUser(t, s, pgtest.Unique("o")+"@x.test")
		if err := s.AddOrganisationOwner(ctx, org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		owners = append(owners, u)
	}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, u := range owners {
			wg.Add(1)
			go func(u domain.User) {
				defer wg.Done()
				<-start
				tx, err := s.Begin(ctx)
				if err != nil {
					return
				}
				defer tx.Rollback(ctx)
				if err := tx.RemoveOrganisationOwner(ctx, org.ID, u.ID); err != nil {
					return
				}
				_ = tx.Commit(ctx)
			}(u)
		}
		close(start)
		wg.Wait()
		n, err := s.OrganisationOwnerCount(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("round %d: %d owners left, want exactly 1", round, n)
		}
		for _, u := range owners {
			if err := s.AddOrganisationOwner(ctx, org.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestAccountOwner_ExactlyOne(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, "owner@x.test")
	other := pgtest.MustUser(t, s, "other@x.test")
	org := pgtest.MustOrganisation(t, s, "Org", owner)
	acc := pgtest.MustAccount(t, s, org, "Acc", owner)
	pgtest.MustGrant(t, s, acc, other, domain.AdministratorRoleID)

	// A second owner is refused at once.
	_, err := pool.Exec(ctx, `UPDATE memberships SET role_id = 1 WHERE account_id = $1 AND user_id = $2`, acc.ID, other.ID)
	if domain.ErrorCode(mapped(err)) != domain.ECONFLICT {
		t.Fatalf("a second owner: %v, want conflict", err)
	}
	// Demoting the only owner fails at commit.
	tx, _ := s.Begin(ctx)
	err = demote(ctx, tx, acc.ID, owner.ID)
	if err == nil {
		err = tx.Commit(ctx)
	}
	tx.Rollback(ctx)
	if domain.ErrorCode(err) != domain.EINVARIANT {
		t.Fatalf("demoting the only owner: %v, want invariant", err)
	}
	// An account without an owner cannot be created.
	_, err = pool.Exec(ctx, `INSERT INTO accounts (organisation_id, slug, name) VALUES ($1, 'ownerless', 'Ownerless')`, org.ID)
	if err == nil {
		t.Fatal("an account without owner was created")
	}
	// Transfer in one transaction works: demote, then promote.
	tx, _ = s.Begin(ctx)
	defer tx.Rollback(ctx)
	if err := demote(ctx, tx, acc.ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	if err := promote(ctx, tx, acc.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	email, err := s.AccountOwnerEmail(ctx, acc.ID)
	if err != nil || email != other.Email {
		t.Fatalf("owner after transfer: %q %v", email, err)
	}
}

func TestMemberCount_KeptCurrent(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, "owner@x.test")
	org := pgtest.MustOrganisation(t, s, "Org", owner)
	acc := pgtest.MustAccount(t, s, org, "Acc", owner)
	for i := 0; i < 3; i++ {
		pgtest.MustGrant(t, s, acc, pgtest.MustUser(t, s, pgtest.Unique("m")+"@x.test"), domain.ViewerRoleID)
	}
	u := pgtest.MustUser(t, s, "leaver@x.test")
	pgtest.MustGrant(t, s, acc, u, domain.EditorRoleID)
	if err := s.SetMembershipStatus(ctx, acc.ID, u.ID, domain.MembershipDeactivated); err != nil {
		t.Fatal(err)
	}
	got, _ := s.AccountBySlug(ctx, acc.Slug)
	var real int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE account_id = $1 AND status = 'active'`, acc.ID).Scan(&real)
	if got.MemberCount != 4 || real != 4 {
		t.Fatalf("member_count %d, active memberships %d; want 4", got.MemberCount, real)
	}
}
