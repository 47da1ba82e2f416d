package app_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// TestOwners_ConcurrentChangesNeverLeaveNone has 50 goroutines at once transfer
// ownership, demote and remove administrators and owners, and remove organisation
// owners; afterwards every account still has exactly one owner and the organisation
// at least one owner.
func TestOwners_ConcurrentChangesNeverLeaveNone(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	a := app.New(s, auth.NewHasher(pgtest.FastParams, 2), "http://127.0.0.1")
	ctx := context.Background()
	first := pgtest.MustUser(t, s, "first@c.test")
	org := pgtest.MustOrganisation(t, s, "Concurrent", first)
	acc := pgtest.MustAccount(t, s, org, "Concurrent account", first)
	users := []domain.User{first}
	for i := 0; i < 12; i++ {
		u := pgtest.MustUser(t, s, pgtest.Unique("u")+"@c.test")
		pgtest.MustGrant(t, s, acc, u, domain.AdministratorRoleID)
		if err := s.AddOrganisationOwner(ctx, org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	staff := app.Actor{Email: "staff", IsStaff: true}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			<-start
			for i := 0; i < 6; i++ {
				actorU := users[r.IntN(len(users))]
				target := users[r.IntN(len(users))]
				access, err := a.Access(ctx, actorU.ID, acc.Slug)
				if err != nil {
					continue // removed or deactivated meanwhile
				}
				actor := app.Actor{UserID: actorU.ID, Email: actorU.Email}
				switch r.IntN(5) {
				case 0:
					_, _ = a.TransferOwnership(ctx, actor, access, target.ID)
				case 1:
					_, _ = a.ChangeRole(ctx, actor, access, target.ID, domain.EditorRoleID)
				case 2:
					_, _ = a.Remove(ctx, actor, access, target.ID)
				case 3:
					_, _ = a.ChangeRole(ctx, actor, access, target.ID, domain.AdministratorRoleID)
				case 4:
					_ = a.RemoveOrganisationOwner(ctx, staff, org.Slug, target.ID)
				}
			}
		}(g)
	}
	close(start)
	wg.Wait()
	var owners, orgOwners int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE account_id = $1 AND role_id = 1 AND status = 'active'`, acc.ID).Scan(&owners); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM organisation_owners WHERE organisation_id = $1`, org.ID).Scan(&orgOwners); err != nil {
		t.Fatal(err)
	}
	if owners != 1 {
		t.Fatalf("account has %d owners, want exactly 1", owners)
	}
	if orgOwners < 1 {
		t.Fatal("organisation has no owner left")
	}
	var changes int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE account_id = $1 OR organisation_id = $2`, acc.ID, org.ID).Scan(&changes)
	if changes == 0 {
		t.Fatal("no change went through: the test exercised nothing")
	}
	t.Logf("%d changes went through; %d organisation owners remain", changes, orgOwners)
}
