package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// memberRow is what a refused change must leave alone.
func memberRow(t *testing.T, e *env, a domain.Account, u domain.User) domain.Member {
	t.Helper()
	m, err := e.Store.Member(context.Background(), a.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.Scope = nil
	return m
}

// TestMembersManage_OnlyOnMembersWithinOwnReach: a custom role holding just
// members.view and members.manage can neither deactivate, remove nor re-role an
// Administrator (or a Viewer, whose role reaches lists and campaigns it lacks), nor
// grant its own role's betters; it can act on a member whose role lies within its own.
func TestMembersManage_OnlyOnMembersWithinOwnReach(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	managerRole := rolesCustom(t, e, w.AccA1, "People manager", domain.PermAccountView, domain.PermMembersView, domain.PermMembersManage)
	observerRole := rolesCustom(t, e, w.AccA1, "Observer", domain.PermAccountView)
	_, manager := rolesUser(t, e, w.AccA1, managerRole)
	observer := pgtest.MustUser(t, e.Store, pgtest.Unique("observer")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, observer, observerRole)

	for _, target := range []domain.User{w.Agency, w.Viewer} { // Administrator, Viewer
		before, audits := memberRow(t, e, w.AccA1, target), auditCount(t, e)
		for _, tc := range []struct {
			action string
			form   url.Values
		}{
			{"deactivate", url.Values{}},
			{"remove", url.Values{}},
			{"role", url.Values{"role": {fmt.Sprint(managerRole)}}},
			{"role", url.Values{"role": {fmt.Sprint(observerRole)}}},
		} {
			res, body := manager.post(memberPath(w.AccA1, target, tc.action), tc.form)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "which your own role lacks") {
				t.Errorf("%s %s: %d, want 403 naming what they lack", tc.action, target.Email, res.StatusCode)
			}
		}
		if after := memberRow(t, e, w.AccA1, target); after.RoleID != before.RoleID || after.Status != before.Status || auditCount(t, e) != audits {
			t.Errorf("%s changed: %+v → %+v", target.Email, before, after)
		}
	}
	// Granting a role beyond its own, even to someone within reach.
	res, body := manager.post(memberPath(w.AccA1, observer, "role"), url.Values{"role": {fmt.Sprint(domain.AdministratorRoleID)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "which your own role lacks") {
		t.Fatalf("grant Administrator: %d, want 422", res.StatusCode)
	}
	if memberRow(t, e, w.AccA1, observer).RoleID != observerRole {
		t.Fatal("the observer became an Administrator")
	}
	// Within reach: the Observer can be given the manager's own role, deactivated,
	// reactivated and removed.
	for _, tc := range []struct {
		action string
		form   url.Values
	}{
		{"role", url.Values{"role": {fmt.Sprint(managerRole)}}},
		{"deactivate", url.Values{}},
		{"reactivate", url.Values{}},
		{"remove", url.Values{}},
	} {
		if res, body := manager.post(memberPath(w.AccA1, observer, tc.action), tc.form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s on a member within reach: %d\n%s", tc.action, res.StatusCode, body)
		}
	}
	if m := memberRow(t, e, w.AccA1, observer); m.Status != domain.MembershipRemoved {
		t.Fatalf("observer is %s after removal", m.Status)
	}
}

// TestRoles_ScopedEditorCannotWidenReach: a member whose custom role is limited to one
// list cannot drop or widen that scope, on their own role or a new one; keeping within
// it works. Dropping the scope would otherwise let them read every list.
func TestRoles_ScopedEditorCannotWidenReach(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	mine := wsList(t, e, w.AccA1, "Mine")
	other := wsList(t, e, w.AccA1, "Other")
	perms := []domain.Permission{domain.PermAccountView, domain.PermListsView, domain.PermListsEdit, domain.PermMembersView, domain.PermRolesManage}
	roleID := rolesCustom(t, e, w.AccA1, "One list keeper", perms...)
	if err := e.Store.SetRoleScope(context.Background(), w.AccA1.ID, roleID, []int64{mine.ID}, nil); err != nil {
		t.Fatal(err)
	}
	_, c := rolesUser(t, e, w.AccA1, roleID)
	form := func(lists ...int64) url.Values {
		v := url.Values{"name": {"One list keeper"}}
		for _, p := range perms {
			v.Add("permissions", string(p))
		}
		for _, id := range lists {
			v.Add("lists", fmt.Sprint(id))
		}
		return v
	}
	audits := auditCount(t, e)
	for name, v := range map[string]url.Values{"no scope": form(), "a wider scope": form(mine.ID, other.ID)} {
		res, body := c.post(rolesPath(w.AccA1, "/"+fmt.Sprint(roleID)), v)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "reaches lists beyond") {
			t.Errorf("own role with %s: %d, want 422", name, res.StatusCode)
		}
		v.Set("name", "Wide "+name)
		if res, _ := c.post(rolesPath(w.AccA1, ""), v); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("new role with %s: %d, want 422", name, res.StatusCode)
		}
	}
	if auditCount(t, e) != audits {
		t.Fatal("a widening edit changed something")
	}
	if res, _ := c.get("/a/" + w.AccA1.Slug + "/lists/" + fmt.Sprint(other.ID)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the other list after refused edits: %d, want 404", res.StatusCode)
	}
	// Within the scope: allowed.
	if res, body := c.post(rolesPath(w.AccA1, "/"+fmt.Sprint(roleID)), form(mine.ID)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("own role kept within its scope: %d\n%s", res.StatusCode, body)
	}
}

// TestForms_UnreadableBodyIsAnErrorNotAnEmptyScope: a body that fails to parse is
// refused; it never counts as "no lists chosen", which would mean all lists.
func TestForms_UnreadableBodyIsAnErrorNotAnEmptyScope(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	mine := wsList(t, e, w.AccA1, "Mine")
	lm := pgtest.MustUser(t, e.Store, pgtest.Unique("lm")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, lm, domain.ListManagerRoleID)
	if err := e.Store.SetMemberScope(context.Background(), w.AccA1.ID, lm.ID, []int64{mine.ID}); err != nil {
		t.Fatal(err)
	}
	roleID := rolesCustom(t, e, w.AccA1, "Scoped", domain.PermAccountView, domain.PermListsView)
	if err := e.Store.SetRoleScope(context.Background(), w.AccA1.ID, roleID, []int64{mine.ID}, nil); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password) // administrator
	audits := auditCount(t, e)
	for _, path := range []string{
		memberPath(w.AccA1, lm, "scope"),
		rolesPath(w.AccA1, "/"+fmt.Sprint(roleID)),
		rolesPath(w.AccA1, ""),
	} {
		res, body := c.raw(http.MethodPost, path, "name=X&lists=%zz&list=%zz")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The form could not be read") {
			t.Errorf("POST %s with an unreadable body: %d, want 422", path, res.StatusCode)
		}
	}
	if auditCount(t, e) != audits {
		t.Fatal("an unreadable form changed something")
	}
	scopes, err := e.Store.MemberScopes(context.Background(), w.AccA1.ID, []int64{lm.ID})
	if err != nil || len(scopes[lm.ID]) != 1 {
		t.Fatalf("the list manager's scope changed: %v %v", scopes, err)
	}
	if r, _ := e.Store.RoleForAccount(context.Background(), w.AccA1.ID, roleID); len(r.Scope) != 1 {
		t.Fatalf("the role's scope changed: %v", r.Scope)
	}
}
