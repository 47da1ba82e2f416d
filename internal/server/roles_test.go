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

// rolesMust inserts one row and returns its id.
func rolesMust(t *testing.T, e *env, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := e.Store.Pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// rolesCustom creates a custom role in the account straight in the store.
func rolesCustom(t *testing.T, e *env, a domain.Account, name string, perms ...domain.Permission) int64 {
	t.Helper()
	id, err := e.Store.CreateRole(context.Background(), a.ID, name, perms)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// rolesUser makes a user holding roleID in the account and a client signed in as them.
func rolesUser(t *testing.T, e *env, a domain.Account, roleID int64) (domain.User, *client) {
	t.Helper()
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("roles")+"@a.test")
	pgtest.MustGrant(t, e.Store, a, u, roleID)
	c := e.client()
	c.login(u.Email, pgtest.Password)
	return u, c
}

func rolesFind(t *testing.T, e *env, a domain.Account, name string) (domain.Role, bool) {
	t.Helper()
	roles, err := e.Store.RolesOfAccount(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if strings.EqualFold(r.Name, name) && !r.Predefined() {
			return r, true
		}
	}
	return domain.Role{}, false
}

func rolesCountCustom(t *testing.T, e *env) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM roles WHERE account_id IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rolesPath(a domain.Account, rest string) string { return "/a/" + a.Slug + "/roles" + rest }

func TestRoles_AdminCreatesEditsAndDeletes(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	listID := rolesMust(t, e, `INSERT INTO lists (account_id, name) VALUES ($1, 'Newsletter') RETURNING id`, w.AccA1.ID)
	campID := rolesMust(t, e, `INSERT INTO campaigns (account_id, name) VALUES ($1, 'Spring sale') RETURNING id`, w.AccA1.ID)
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password) // Administrator of A1

	res, body := c.get(rolesPath(w.AccA1, ""))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET roles: %d", res.StatusCode)
	}
	for _, want := range []string{"Predefined roles", "List manager", "Manage roles", "Create a custom role", "Newsletter", "Spring sale"} {
		if !strings.Contains(body, want) {
			t.Errorf("roles page lacks %q", want)
		}
	}
	if strings.Contains(body, `value="account.close"`) || strings.Contains(body, `value="account.transfer"`) {
		t.Error("the form offers an Owner-only permission")
	}

	res, body = c.post(rolesPath(w.AccA1, ""), url.Values{"name": {"  Collaborator "},
		"permissions": {"campaigns.view", "campaigns.edit"}, "lists": {fmt.Sprint(listID)}, "campaigns": {fmt.Sprint(campID)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != rolesPath(w.AccA1, "") {
		t.Fatalf("create: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	r, ok := rolesFind(t, e, w.AccA1, "Collaborator")
	if !ok || r.Name != "Collaborator" {
		t.Fatalf("role not stored: %+v", r)
	}
	if fmt.Sprint(r.Permissions) != "[account.view campaigns.view campaigns.edit]" {
		t.Fatalf("permissions %v, want account.view added", r.Permissions)
	}
	if len(r.Scope) != 2 {
		t.Fatalf("scope %+v, want the list and the campaign", r.Scope)
	}
	_, body = c.get(rolesPath(w.AccA1, ""))
	if !strings.Contains(body, "The role Collaborator was created.") || !strings.Contains(body, "List: Newsletter") ||
		!strings.Contains(body, "Create and edit campaigns") {
		t.Fatal("the roles page does not show the new role with its scope")
	}

	edit := rolesPath(w.AccA1, fmt.Sprintf("/%d", r.ID))
	if res, body := c.get(edit); res.StatusCode != http.StatusOK || !strings.Contains(body, `value="campaigns.edit" checked`) {
		t.Fatalf("edit page: %d", res.StatusCode)
	}
	res, body = c.post(edit, url.Values{"name": {"Collaborator"}, "permissions": {"campaigns.view", "lists.view"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", res.StatusCode, body)
	}
	r, _ = rolesFind(t, e, w.AccA1, "Collaborator")
	if fmt.Sprint(r.Permissions) != "[account.view campaigns.view lists.view]" || len(r.Scope) != 0 {
		t.Fatalf("after update: %v scope %v", r.Permissions, r.Scope)
	}

	if res, _ := c.post(edit+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if _, ok := rolesFind(t, e, w.AccA1, "Collaborator"); ok {
		t.Fatal("role still there after delete")
	}

	for _, action := range []string{"Roles > Create > Collaborator", "Roles > Edit > Collaborator", "Roles > Delete > Collaborator"} {
		var n int
		err := e.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events
			WHERE action = $1 AND account_id = $2 AND organisation_id = $3 AND actor_user_id = $4`,
			action, w.AccA1.ID, w.OrgA.ID, w.Agency.ID).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("audit %q: %d events (%v), want 1", action, n, err)
		}
	}
}

func TestRoles_WithoutRolesManage_ReadOnly(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	target := rolesCustom(t, e, w.AccA1, "Target", domain.PermAccountView)
	auditor := rolesCustom(t, e, w.AccA1, "Auditor", domain.PermAccountView, domain.PermMembersView)
	_, c := rolesUser(t, e, w.AccA1, auditor)
	res, body := c.get(rolesPath(w.AccA1, ""))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Auditor") || !strings.Contains(body, "Target") {
		t.Fatalf("members.view holder GET roles: %d", res.StatusCode)
	}
	if strings.Contains(body, "<form method=\"post\" action=\"/a/"+w.AccA1.Slug+"/roles") || strings.Contains(body, "Create a custom role") ||
		strings.Contains(body, "/delete") {
		t.Fatal("a caller without roles.manage sees role forms")
	}

	_, editor := rolesUser(t, e, w.AccA1, domain.EditorRoleID)
	before := rolesCountCustom(t, e)
	for who, cl := range map[string]*client{"auditor": c, "editor": editor} {
		for _, path := range []string{"", fmt.Sprintf("/%d", target), fmt.Sprintf("/%d/delete", target)} {
			if res, _ := cl.post(rolesPath(w.AccA1, path), url.Values{"name": {"Sneaky"}, "permissions": {"account.view"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST roles%s: %d, want 403", who, path, res.StatusCode)
			}
		}
		if res, _ := cl.get(rolesPath(w.AccA1, fmt.Sprintf("/%d", target))); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s GET edit page: %d, want 403", who, res.StatusCode)
		}
	}
	if res, _ := editor.get(rolesPath(w.AccA1, "")); res.StatusCode != http.StatusForbidden {
		t.Errorf("editor (no members.view) GET roles: %d, want 403", res.StatusCode)
	}
	if r, _ := rolesFind(t, e, w.AccA1, "Target"); r.Name != "Target" || rolesCountCustom(t, e) != before {
		t.Fatal("a refused caller changed roles")
	}
}

func TestRoles_DuplicateNameRefused(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	rolesCustom(t, e, w.AccA1, "Collaborator", domain.PermAccountView)
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	res, body := c.post(rolesPath(w.AccA1, ""), url.Values{"name": {"COLLABORATOR"}, "permissions": {"campaigns.view"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "A role with that name already exists") {
		t.Fatalf("duplicate name: %d", res.StatusCode)
	}
	if !strings.Contains(body, `value="COLLABORATOR"`) {
		t.Error("the form lost the submitted name")
	}
	// Renaming another role onto the name is refused too.
	other := rolesCustom(t, e, w.AccA1, "Other", domain.PermAccountView)
	res, body = c.post(rolesPath(w.AccA1, fmt.Sprintf("/%d", other)), url.Values{"name": {"collaborator"}, "permissions": {"account.view"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "A role with that name already exists") {
		t.Fatalf("rename onto a taken name: %d", res.StatusCode)
	}
	// The same name in another account is fine.
	b := e.client()
	b.login(w.OwnerB.Email, pgtest.Password)
	if res, _ := b.post(rolesPath(w.AccB, ""), url.Values{"name": {"Collaborator"}, "permissions": {"campaigns.view"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same name in another account: %d", res.StatusCode)
	}
}

func TestRoles_BadInputRefused(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password) // the owner holds account.close and account.transfer
	before := rolesCountCustom(t, e)
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"name": {"Closer"}, "permissions": {"account.close"}}, "only the Owner holds it"},
		{url.Values{"name": {"Mover"}, "permissions": {"campaigns.view", "account.transfer"}}, "only the Owner holds it"},
		{url.Values{"name": {""}, "permissions": {"campaigns.view"}}, "Enter a name."},
		{url.Values{"name": {strings.Repeat("x", 61)}, "permissions": {"campaigns.view"}}, "at most 60 characters"},
		{url.Values{"name": {"Nothing"}}, "Choose at least one permission."},
		{url.Values{"name": {"Made up"}, "permissions": {"campaigns.fly"}}, "is not a permission"},
		{url.Values{"name": {"Bad scope"}, "permissions": {"lists.view"}, "lists": {"abc"}}, "Choose only lists and campaigns of this account."},
	} {
		res, body := c.post(rolesPath(w.AccA1, ""), tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, res.StatusCode, tc.want)
		}
	}
	if n := rolesCountCustom(t, e); n != before {
		t.Fatalf("refused forms created %d roles", n-before)
	}
	// Sixty characters is fine.
	if res, _ := c.post(rolesPath(w.AccA1, ""), url.Values{"name": {strings.Repeat("x", 60)}, "permissions": {"account.view"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("60-character name: %d", res.StatusCode)
	}
}

func TestRoles_CannotGiveMoreThanOwnPermissions(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	manager := rolesCustom(t, e, w.AccA1, "Role manager", domain.PermAccountView, domain.PermMembersView,
		domain.PermRolesManage, domain.PermCampaignsView)
	strong := rolesCustom(t, e, w.AccA1, "Strong", domain.PermAccountView, domain.PermAuditView)
	_, c := rolesUser(t, e, w.AccA1, manager)
	before := rolesCountCustom(t, e)

	res, body := c.post(rolesPath(w.AccA1, ""), url.Values{"name": {"Auditor"}, "permissions": {"audit.view"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "See the activity log") {
		t.Fatalf("create with audit.view: %d", res.StatusCode)
	}
	if rolesCountCustom(t, e) != before {
		t.Fatal("a role beyond the caller's permissions was created")
	}
	// A role holding audit.view cannot be edited or deleted by them either.
	for _, path := range []string{fmt.Sprintf("/%d", strong), fmt.Sprintf("/%d/delete", strong)} {
		if res, body := c.post(rolesPath(w.AccA1, path), url.Values{"name": {"Weak"}, "permissions": {"account.view"}}); res.StatusCode != http.StatusForbidden ||
			!strings.Contains(body, "See the activity log") {
			t.Errorf("POST %s on a stronger role: %d, want 403", path, res.StatusCode)
		}
	}
	if r, ok := rolesFind(t, e, w.AccA1, "Strong"); !ok || len(r.Permissions) != 2 {
		t.Fatal("the stronger role changed")
	}
	// Editing their own role to add audit.view is refused.
	if res, _ := c.post(rolesPath(w.AccA1, fmt.Sprintf("/%d", manager)), url.Values{"name": {"Role manager"},
		"permissions": {"members.view", "roles.manage", "campaigns.view", "audit.view"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("self-escalation: %d, want 422", res.StatusCode)
	}
	// Within their permissions it works.
	if res, body := c.post(rolesPath(w.AccA1, ""), url.Values{"name": {"Campaign watcher"}, "permissions": {"campaigns.view"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create within own permissions: %d\n%s", res.StatusCode, body)
	}
}

func TestRoles_DeleteOfUsedRoleRefused_ReassignMoves(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	role := rolesCustom(t, e, w.AccA1, "Collaborator", domain.PermAccountView, domain.PermCampaignsView)
	active, _ := rolesUser(t, e, w.AccA1, role)
	parked := pgtest.MustUser(t, e.Store, pgtest.Unique("parked")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, parked, role)
	if err := e.Store.SetMembershipStatus(ctx, w.AccA1.ID, parked.ID, domain.MembershipDeactivated); err != nil {
		t.Fatal(err)
	}
	gone := pgtest.MustUser(t, e.Store, pgtest.Unique("gone")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, gone, role)
	if err := e.Store.SetMembershipStatus(ctx, w.AccA1.ID, gone.ID, domain.MembershipRemoved); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	del := rolesPath(w.AccA1, fmt.Sprintf("/%d/delete", role))

	res, body := c.post(del, url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Reassign its 2 members first") {
		t.Fatalf("delete of a used role: %d", res.StatusCode)
	}
	if _, ok := rolesFind(t, e, w.AccA1, "Collaborator"); !ok {
		t.Fatal("a used role was deleted")
	}
	_, body = c.get(rolesPath(w.AccA1, ""))
	if !strings.Contains(body, `name="reassign_to"`) {
		t.Fatal("no reassign choice offered for a used role")
	}
	// Not to the Owner role, nor to the role itself.
	for _, to := range []int64{domain.OwnerRoleID, role, 999999} {
		if res, _ := c.post(del, url.Values{"reassign_to": {fmt.Sprint(to)}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("reassign to %d: %d, want 422", to, res.StatusCode)
		}
	}
	res, body = c.post(del, url.Values{"reassign_to": {fmt.Sprint(domain.ViewerRoleID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete with reassign: %d\n%s", res.StatusCode, body)
	}
	if _, ok := rolesFind(t, e, w.AccA1, "Collaborator"); ok {
		t.Fatal("role still there")
	}
	for _, u := range []domain.User{active, parked} {
		m, err := e.Store.Member(ctx, w.AccA1.ID, u.ID)
		if err != nil || m.RoleID != domain.ViewerRoleID {
			t.Errorf("%s: role %d (%v), want Viewer", u.Email, m.RoleID, err)
		}
	}
	var n int
	if err := e.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action IN
		('Roles > Reassign > Collaborator → Viewer', 'Roles > Delete > Collaborator')`, w.AccA1.ID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("audit: %d events (%v), want 2", n, err)
	}
}

func TestRoles_OtherTenantAndBadIDsAre404(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	foreign := rolesCustom(t, e, w.AccB, "Beta role", domain.PermAccountView)
	foreignList := rolesMust(t, e, `INSERT INTO lists (account_id, name) VALUES ($1, 'Beta list') RETURNING id`, w.AccB.ID)
	foreignCampaign := rolesMust(t, e, `INSERT INTO campaigns (account_id, name) VALUES ($1, 'Beta campaign') RETURNING id`, w.AccB.ID)
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password) // Administrator of A1, Viewer of B
	for _, id := range []string{fmt.Sprint(foreign), "abc", "0", "-1", fmt.Sprint(domain.AdministratorRoleID), "99999999"} {
		if res, _ := c.get(rolesPath(w.AccA1, "/"+id)); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET role %s: %d, want 404", id, res.StatusCode)
		}
		for _, suffix := range []string{"", "/delete"} {
			if res, _ := c.post(rolesPath(w.AccA1, "/"+id+suffix), url.Values{"name": {"Hijack"}, "permissions": {"account.view"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("POST role %s%s: %d, want 404", id, suffix, res.StatusCode)
			}
		}
	}
	if r, ok := rolesFind(t, e, w.AccB, "Beta role"); !ok || r.Name != "Beta role" {
		t.Fatal("another tenant's role changed")
	}
	// Another account's lists and campaigns cannot scope a role; nothing is saved.
	before := rolesCountCustom(t, e)
	for _, f := range []url.Values{
		{"name": {"Scoped"}, "permissions": {"lists.view"}, "lists": {fmt.Sprint(foreignList)}},
		{"name": {"Scoped"}, "permissions": {"campaigns.view"}, "campaigns": {fmt.Sprint(foreignCampaign)}},
		{"name": {"Scoped"}, "permissions": {"lists.view"}, "lists": {fmt.Sprint(foreignCampaign + foreignList + 1000)}},
	} {
		if res, body := c.post(rolesPath(w.AccA1, ""), f); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "Choose only lists and campaigns of this account.") {
			t.Errorf("foreign scope %v: %d, want 422", f, res.StatusCode)
		}
	}
	if rolesCountCustom(t, e) != before {
		t.Fatal("a role scoped to another account was saved")
	}
	// Reassigning members to another account's role is refused too.
	own := rolesCustom(t, e, w.AccA1, "Own", domain.PermAccountView)
	rolesUser(t, e, w.AccA1, own)
	if res, _ := c.post(rolesPath(w.AccA1, fmt.Sprintf("/%d/delete", own)), url.Values{"reassign_to": {fmt.Sprint(foreign)}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("reassign to a foreign role: %d, want 422", res.StatusCode)
	}
}

func TestRoles_CustomRoleTakesEffect(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	campaign := rolesMust(t, e, `INSERT INTO campaigns (account_id, name) VALUES ($1, 'Launch') RETURNING id`, w.AccA1.ID)
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	if res, _ := admin.post(rolesPath(w.AccA1, ""), url.Values{"name": {"Collaborator"},
		"permissions": {"campaigns.view", "campaigns.edit"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	r, _ := rolesFind(t, e, w.AccA1, "Collaborator")
	u, c := rolesUser(t, e, w.AccA1, r.ID)

	base := "/a/" + w.AccA1.Slug
	if res, _ := c.post(fmt.Sprintf("%s/campaigns/%d/publish", base, campaign), url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("collaborator publish: %d, want 403", res.StatusCode)
	}
	if res, _ := c.get(base + "/members"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("collaborator members: %d, want 403", res.StatusCode)
	}
	res, body := c.get(base + "/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, base+"/campaigns") || strings.Contains(body, base+"/members") {
		t.Fatalf("collaborator home: %d (the menu should show Campaigns, not Members)", res.StatusCode)
	}
	// Adding campaigns.publish to the role applies on the next request.
	if res, _ := admin.post(rolesPath(w.AccA1, fmt.Sprintf("/%d", r.ID)), url.Values{"name": {"Collaborator"},
		"permissions": {"campaigns.view", "campaigns.edit", "campaigns.publish"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", res.StatusCode)
	}
	if res, _ := c.post(fmt.Sprintf("%s/campaigns/%d/publish", base, campaign), url.Values{}); res.StatusCode == http.StatusForbidden {
		t.Fatalf("collaborator with campaigns.publish still gets 403 (user %d)", u.ID)
	}
}
