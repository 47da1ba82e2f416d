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

// TestInvitations_AppChecksPermissionsAgain: whatever the routes let through, the use
// cases refuse a caller without members.invite (invitations) or members.manage
// (access requests) with EFORBIDDEN, and nobody offers the Owner role.
func TestInvitations_AppChecksPermissionsAgain(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	a := app.New(s, auth.NewHasher(pgtest.FastParams, 1), "http://127.0.0.1")
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, pgtest.Unique("owner")+"@i.test")
	viewer := pgtest.MustUser(t, s, pgtest.Unique("viewer")+"@i.test")
	admin := pgtest.MustUser(t, s, pgtest.Unique("admin")+"@i.test")
	org := pgtest.MustOrganisation(t, s, "Invites", owner)
	acc := pgtest.MustAccount(t, s, org, "Invites", owner)
	pgtest.MustGrant(t, s, acc, viewer, domain.ViewerRoleID)
	pgtest.MustGrant(t, s, acc, admin, domain.AdministratorRoleID)
	handle := func(u domain.User) (app.Access, app.Actor) {
		h, err := a.Access(ctx, u.ID, acc.Slug)
		if err != nil {
			t.Fatal(err)
		}
		return h, app.Actor{UserID: u.ID, Email: u.Email}
	}
	in := app.InviteInput{FirstName: "Jo", Email: "jo@example.com", RoleID: domain.ViewerRoleID}

	// The administrator's invitation, for the viewer to try to change.
	ah, aa := handle(admin)
	res, err := a.Invite(ctx, aa, ah, in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := func() (domain.AccessRequest, error) {
		vh, va := handle(viewer)
		return a.RequestAccess(ctx, va, vh, string(domain.PermCampaignsEdit), "")
	}()
	if err != nil {
		t.Fatal(err)
	}

	vh, va := handle(viewer)
	in.Email = "other@example.com"
	for name, call := range map[string]func() error{
		"invite":        func() error { _, err := a.Invite(ctx, va, vh, in); return err },
		"preview":       func() error { _, err := a.PreviewInvitation(ctx, va, vh, in); return err },
		"invitable":     func() error { _, err := a.InvitableRoles(ctx, vh); return err },
		"resend":        func() error { _, err := a.ResendInvitation(ctx, va, vh, res.Invitation.ID); return err },
		"revoke":        func() error { _, err := a.RevokeInvitation(ctx, va, vh, res.Invitation.ID); return err },
		"list requests": func() error { _, err := a.AccessRequests(ctx, vh, 1); return err },
		"approve": func() error {
			_, err := a.ApproveAccessRequest(ctx, va, vh, req.ID, domain.EditorRoleID, "")
			return err
		},
		"deny":             func() error { _, err := a.DenyAccessRequest(ctx, va, vh, req.ID, ""); return err },
		"list invitations": func() error { _, err := a.Invitations(ctx, vh, 1); return err },
	} {
		if code := domain.ErrorCode(call()); code != domain.EFORBIDDEN {
			t.Errorf("%s as a viewer: %q, want EFORBIDDEN", name, code)
		}
	}
	in.RoleID = domain.OwnerRoleID
	if _, err := a.Invite(ctx, aa, ah, in); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("invite as Owner: %v, want EINVALID", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM invitations`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d invitations stored (%v), want 1", n, err)
	}
}

// TestSweepInvitations_ExpiresOverdueAndFreesSeats: invitations last the configured
// time; the periodic sweep expires overdue ones, which frees their seats, and forgets
// sends no limit looks at.
func TestSweepInvitations_ExpiresOverdueAndFreesSeats(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	a := app.New(s, auth.NewHasher(pgtest.FastParams, 1), "http://127.0.0.1")
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, pgtest.Unique("owner")+"@s.test")
	org := pgtest.MustOrganisation(t, s, "Sweep", owner)
	acc := pgtest.MustAccount(t, s, org, "Sweep", owner)
	now := time.Now()
	a.SetClock(func() time.Time { return now })
	a.SetInvitationTTL(48 * time.Hour)
	h, err := a.Access(ctx, owner.ID, acc.Slug)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Invite(ctx, app.Actor{UserID: owner.ID, Email: owner.Email}, h, app.InviteInput{FirstName: "Jo", Email: "jo@example.com", RoleID: domain.ViewerRoleID})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Invitation.ExpiresAt.Sub(now); got < 48*time.Hour-time.Second || got > 48*time.Hour+time.Second {
		t.Fatalf("invitation lasts %v, want the configured 48h", got)
	}
	pending := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT pending_invitations FROM accounts WHERE id = $1`, acc.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n, err := a.SweepInvitations(ctx); err != nil || n != 0 || pending() != 1 {
		t.Fatalf("sweep before expiry: %d expired (%v), %d pending", n, err, pending())
	}
	now = now.Add(49 * time.Hour)
	if n, err := a.SweepInvitations(ctx); err != nil || n != 1 || pending() != 0 {
		t.Fatalf("sweep after expiry: %d expired (%v), %d pending", n, err, pending())
	}
	var sends int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM invitation_sends`).Scan(&sends); err != nil || sends != 0 {
		t.Fatalf("%d sends older than a day kept (%v)", sends, err)
	}
}
