package app_test

import (
	"context"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// TestAccessHandle_OnlyAppMakesOneAndItGoesStale: a use case inside an account refuses
// a handle app did not make (the zero value is all code outside app can build), one
// whose load failed, and one kept past a request's lifetime; a fresh one works, and
// changing its View changes nothing app sees.
func TestAccessHandle_OnlyAppMakesOneAndItGoesStale(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	a := app.New(s, auth.NewHasher(pgtest.FastParams, 1), "http://127.0.0.1")
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, pgtest.Unique("owner")+"@h.test")
	viewer := pgtest.MustUser(t, s, pgtest.Unique("viewer")+"@h.test")
	org := pgtest.MustOrganisation(t, s, "Handles", owner)
	acc := pgtest.MustAccount(t, s, org, "Handles", owner)
	pgtest.MustGrant(t, s, acc, viewer, domain.ViewerRoleID)
	now := time.Now()
	a.SetClock(func() time.Time { return now })

	if _, err := a.Members(ctx, app.Access{}, "", 1); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("zero handle: %v, want ENOTFOUND", err)
	}
	stranger := pgtest.MustUser(t, s, pgtest.Unique("stranger")+"@h.test")
	failed, err := a.Access(ctx, stranger.ID, acc.Slug)
	if err == nil {
		t.Fatal("a stranger got access")
	}
	if _, err := a.Members(ctx, failed, "", 1); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("handle of a failed load: %v, want ENOTFOUND", err)
	}

	h, err := a.Access(ctx, viewer.ID, acc.Slug)
	if err != nil {
		t.Fatal(err)
	}
	// The viewer may not see members; granting themself the permission through the
	// view changes nothing.
	v := h.View()
	v.Permissions[domain.PermMembersView] = true
	if _, err := a.Members(ctx, h, "", 1); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("viewer after editing the view: %v, want EFORBIDDEN", err)
	}
	if _, err := a.Campaigns(ctx, h, 1); err != nil {
		t.Fatalf("fresh handle: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := a.Campaigns(ctx, h, 1); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("handle kept two minutes: %v, want ENOTFOUND", err)
	}
}
