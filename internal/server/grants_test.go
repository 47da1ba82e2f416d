package server_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// A member who may manage members but holds few other permissions cannot hand out a
// role stronger than their own: the change is refused with the reason and nothing
// changes. A role within their permissions is granted.
func TestChangeRole_NeverGrantsMoreThanTheGranterHolds(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	// What a custom role of members.view and members.manage is (every custom role
	// holds account.view).
	manager := rolesCustom(t, e, w.AccA1, "Member manager", domain.PermAccountView, domain.PermMembersView, domain.PermMembersManage)
	lesser := rolesCustom(t, e, w.AccA1, "Member lookup", domain.PermAccountView, domain.PermMembersView)
	observer := rolesCustom(t, e, w.AccA1, "Observer", domain.PermAccountView)
	_, c := rolesUser(t, e, w.AccA1, manager)
	// The target's own role lies within the manager's, so only the role granted can
	// be refused.
	target, targetC := rolesUser(t, e, w.AccA1, observer)
	path := memberPath(w.AccA1, target, "role")

	before := auditCount(t, e)
	for _, tc := range []struct {
		role int64
		name string
	}{
		{domain.AdministratorRoleID, "Administrator"},
		{domain.EditorRoleID, "Editor"},
	} {
		res, body := c.post(path, url.Values{"role": {fmt.Sprint(tc.role)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString("You cannot grant "+tc.name+": that includes")) {
			t.Errorf("granting %s: %d, want 422 saying it cannot be granted", tc.name, res.StatusCode)
		}
	}
	if _, role := ouMemberStatus(t, e, w.AccA1.ID, target.ID); role != observer {
		t.Fatalf("the target's role is %d after refused grants", role)
	}
	if n := auditCount(t, e); n != before {
		t.Fatalf("refused grants wrote %d audit events", n-before)
	}
	// The target's session still sees an observer's pages only.
	if res, _ := targetC.get("/a/" + w.AccA1.Slug + "/members"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("target on the members page after refused grants: %d, want 403", res.StatusCode)
	}

	// A role holding only permissions the granter holds is granted, and audited.
	res, _ := c.post(path, url.Values{"role": {fmt.Sprint(lesser)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("granting a role within the granter's permissions: %d, want 303", res.StatusCode)
	}
	if _, role := ouMemberStatus(t, e, w.AccA1.ID, target.ID); role != lesser {
		t.Fatalf("the target's role is %d, want %d", role, lesser)
	}
	if n := countAudit(t, e, w.AccA1.ID, "Members > Change role > "+target.Email+" (Observer → Member lookup)"); n != 1 {
		t.Fatalf("the grant was audited %d times", n)
	}
}

// An organisation owner grants with an Administrator's reach: never the Owner role,
// never a role holding a permission only the Owner has.
func TestOrgUserGrant_NeverOwnerNorMoreThanAdministrator(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	// Made in the store: the roles page would not create it, so only the grant rule
	// stands between it and a member.
	closer := rolesCustom(t, e, w.AccA1, "Closer", domain.PermAccountView, domain.PermAccountClose)
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	path := ouUser(w.OrgA, w.Viewer, "access")

	before := auditCount(t, e)
	for _, tc := range []struct {
		role int64
		want string
	}{
		{domain.OwnerRoleID, "Ownership cannot be granted"},
		{closer, "You cannot grant Closer: that includes"},
	} {
		res, body := c.post(path, url.Values{"account": {fmt.Sprint(w.AccA1.ID)}, "role": {fmt.Sprint(tc.role)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString(tc.want)) {
			t.Errorf("granting role %d to a viewer: %d, want 422 with %q", tc.role, res.StatusCode, tc.want)
		}
	}
	if st, role := ouMemberStatus(t, e, w.AccA1.ID, w.Viewer.ID); st != "active" || role != domain.ViewerRoleID {
		t.Fatalf("the viewer is %s/%d after refused grants", st, role)
	}
	if n := auditCount(t, e); n != before {
		t.Fatalf("refused grants wrote %d audit events", n-before)
	}
	// The Administrator role is within reach.
	res, _ := c.post(path, url.Values{"account": {fmt.Sprint(w.AccA1.ID)}, "role": {fmt.Sprint(domain.AdministratorRoleID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("granting Administrator: %d, want 303", res.StatusCode)
	}
	if _, role := ouMemberStatus(t, e, w.AccA1.ID, w.Viewer.ID); role != domain.AdministratorRoleID {
		t.Fatalf("the viewer's role is %d, want Administrator", role)
	}
}
