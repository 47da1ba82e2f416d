package server_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

func requestPath(acc domain.Account, id int64, action string) string {
	return fmt.Sprintf("/a/%s/access-requests/%d/%s", acc.Slug, id, action)
}

// requestRow is the newest access request of the user in the account.
func requestRow(t *testing.T, e *env, accountID, userID int64) (int64, string) {
	t.Helper()
	var id int64
	var status string
	if err := e.Store.Pool.QueryRow(t.Context(), `SELECT id, status FROM access_requests WHERE account_id = $1 AND user_id = $2
		ORDER BY id DESC LIMIT 1`, accountID, userID).Scan(&id, &status); err != nil {
		t.Fatalf("no access request: %v", err)
	}
	return id, status
}

// TestRequestAccess_ApprovedThenTheNextRequestSucceeds: a viewer refused "Create and
// edit campaigns" asks for it from the 403 page; the members who can grant it (the
// owner and the administrator, not the other members) are emailed; the administrator
// sees the request with the roles that qualify, approves with one, and the viewer's
// next request succeeds; the viewer is emailed. One open request per permission.
func TestRequestAccess_ApprovedThenTheNextRequestSucceeds(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	editor := pgtest.MustUser(t, e.Store, pgtest.Unique("editor")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, editor, domain.EditorRoleID)
	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	createCampaign := func() *http.Response {
		res, _ := viewer.post("/a/"+w.AccA1.Slug+"/campaigns", url.Values{"name": {"Spring sale"}})
		return res
	}

	res, body := viewer.post("/a/"+w.AccA1.Slug+"/campaigns", url.Values{"name": {"Spring sale"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Request access") || !strings.Contains(body, `value="campaigns.edit"`) {
		t.Fatalf("403 page: %d, want the Request access form\n%s", res.StatusCode, excerpt(body))
	}
	res, body = viewer.post("/a/"+w.AccA1.Slug+"/access-requests", url.Values{"permission": {"campaigns.edit"}, "reason": {"I run the spring campaign."}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA1.Slug+"/" {
		t.Fatalf("request: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	for _, approver := range []string{w.OwnerA.Email, w.Agency.Email} {
		m := lastMail(t, e, approver)
		if m.Kind != "access_request" || !strings.Contains(m.Text, "Create and edit campaigns") || !strings.Contains(m.Text, "I run the spring campaign.") ||
			!strings.Contains(m.Text, e.URL+"/a/"+w.AccA1.Slug+"/members#access-requests") {
			t.Errorf("message to %s: %s\n%s", approver, m.Kind, m.Text)
		}
	}
	for _, other := range []string{editor.Email, w.Viewer.Email} {
		if n := mailCount(t, e, other, "access_request"); n != 0 {
			t.Errorf("%s, who cannot grant it, was emailed", other)
		}
	}
	// The 403 page now says the request is waiting, and a second one is refused.
	if _, body = viewer.post("/a/"+w.AccA1.Slug+"/campaigns", url.Values{"name": {"x"}}); !strings.Contains(body, "The request is waiting") {
		t.Fatal("the 403 page does not say the request is waiting")
	}
	if res, _ := viewer.post("/a/"+w.AccA1.Slug+"/access-requests", url.Values{"permission": {"campaigns.edit"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("second open request: %d, want 422", res.StatusCode)
	}
	if n := countWhere(t, e, `SELECT count(*) FROM access_requests WHERE user_id = $1`, w.Viewer.ID); n != 1 {
		t.Fatalf("%d requests stored, want 1", n)
	}

	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	_, body = admin.get(membersPath(w.AccA1))
	section := body[strings.Index(body, `id="access-requests"`):]
	section = section[:strings.Index(section, "</section>")]
	if !strings.Contains(section, w.Viewer.Email) || !strings.Contains(section, "I run the spring campaign.") {
		t.Fatal("the request is not on the members page")
	}
	offered := regexp.MustCompile(`<option value="\d+">([^<]+)</option>`).FindAllStringSubmatch(section, -1)
	var names []string
	for _, o := range offered {
		names = append(names, o[1])
	}
	if strings.Join(names, ",") != "Editor,Administrator" {
		t.Fatalf("roles offered for approval: %v, want Editor then Administrator (the least powerful first)", names)
	}
	id, _ := requestRow(t, e, w.AccA1.ID, w.Viewer.ID)
	// A role that lacks the permission, or the viewer's own, does not do.
	for _, role := range []int64{domain.ListManagerRoleID, domain.ViewerRoleID} {
		res, body := admin.post(requestPath(w.AccA1, id, "approve"), url.Values{"role": {fmt.Sprint(role)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString("does not hold “Create and edit campaigns”")) {
			t.Errorf("approve with role %d: %d", role, res.StatusCode)
		}
	}
	if createCampaign().StatusCode != http.StatusForbidden {
		t.Fatal("the permission came before approval")
	}
	res, _ = admin.post(requestPath(w.AccA1, id, "approve"), url.Values{"role": {fmt.Sprint(domain.EditorRoleID)}, "note": {"Go for it."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	if createCampaign().StatusCode != http.StatusSeeOther {
		t.Fatal("the viewer's next request is still refused after approval")
	}
	m := lastMail(t, e, w.Viewer.Email)
	if m.Kind != "access_request_approved" || !strings.Contains(m.Text, "Your role is now Editor") || !strings.Contains(m.Text, "Go for it.") {
		t.Fatalf("requester's message: %s\n%s", m.Kind, m.Text)
	}
	if _, st := requestRow(t, e, w.AccA1.ID, w.Viewer.ID); st != "approved" {
		t.Fatalf("request %s", st)
	}
	if n := countWhere(t, e, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2`, w.AccA1.ID,
		"Members > Access request > Approve > "+w.Viewer.Email+" (campaigns.edit: Viewer → Editor)"); n != 1 {
		t.Fatal("the approval is not audited")
	}
	if res, _ := admin.post(requestPath(w.AccA1, id, "deny"), url.Values{}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("deciding a decided request: %d, want 422", res.StatusCode)
	}
}

// TestRequestAccess_Denied: a denial with a note is emailed to the requester, changes
// nothing, and they may ask again later.
func TestRequestAccess_Denied(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	if res, _ := viewer.post("/a/"+w.AccA1.Slug+"/access-requests", url.Values{"permission": {"members.view"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	id, _ := requestRow(t, e, w.AccA1.ID, w.Viewer.ID)
	if res, _ := owner.post(requestPath(w.AccA1, id, "deny"), url.Values{"note": {"Ask Dana, she keeps the list."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deny: %d", res.StatusCode)
	}
	m := lastMail(t, e, w.Viewer.Email)
	if m.Kind != "access_request_denied" || !strings.Contains(m.Text, "Ask Dana, she keeps the list.") || !strings.Contains(m.Text, "Your role has not changed") {
		t.Fatalf("requester's message: %s\n%s", m.Kind, m.Text)
	}
	if res, _ := viewer.get(membersPath(w.AccA1)); res.StatusCode != http.StatusForbidden {
		t.Fatalf("after denial: %d, want 403", res.StatusCode)
	}
	if st, role := ouMemberStatus(t, e, w.AccA1.ID, w.Viewer.ID); st != "active" || role != domain.ViewerRoleID {
		t.Fatal("the denial changed the role")
	}
	if res, _ := viewer.post("/a/"+w.AccA1.Slug+"/access-requests", url.Values{"permission": {"members.view"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("asking again after a denial: %d", res.StatusCode)
	}
}

// TestRequestAccess_Refusals: owner-only permissions cannot be asked for (no form),
// nor one already held, nor an unknown one; the reason is short plain text; another
// account's request ids are 404.
func TestRequestAccess_Refusals(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	res, body := admin.post("/a/"+w.AccA1.Slug+"/close", url.Values{"confirm": {w.AccA1.Name}})
	if res.StatusCode != http.StatusForbidden || strings.Contains(body, "Request access") || !strings.Contains(body, "Only the owner") {
		t.Fatalf("403 for an owner-only permission: %d, want no request form", res.StatusCode)
	}
	for perm, want := range map[string]string{"account.close": "not a permission you can ask for", "nonsense": "not a permission you can ask for",
		"members.view": "Your role already includes"} {
		if res, body := admin.post("/a/"+w.AccA1.Slug+"/access-requests", url.Values{"permission": {perm}}); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, want) {
			t.Errorf("request %s: %d, want 422 with %q", perm, res.StatusCode, want)
		}
	}
	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	if res, body := viewer.post("/a/"+w.AccA1.Slug+"/access-requests", url.Values{"permission": {"members.view"}, "reason": {"see https://evil.test"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Leave links out") || !strings.Contains(body, "Request access") {
		t.Fatalf("reason with a link: %d", res.StatusCode)
	}
	if n := countWhere(t, e, `SELECT count(*) FROM access_requests`); n != 0 {
		t.Fatalf("%d refused requests stored", n)
	}
	// Another account's request: Agency is a viewer in Beta Main and asks there.
	if res, _ := admin.post("/a/"+w.AccB.Slug+"/access-requests", url.Values{"permission": {"campaigns.edit"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request in B: %d", res.StatusCode)
	}
	idB, _ := requestRow(t, e, w.AccB.ID, w.Agency.ID)
	before := auditCount(t, e)
	for _, action := range []string{"approve", "deny"} {
		if res, _ := admin.post(requestPath(w.AccA1, idB, action), url.Values{"role": {fmt.Sprint(domain.EditorRoleID)}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s another account's request: %d, want 404", action, res.StatusCode)
		}
	}
	if _, st := requestRow(t, e, w.AccB.ID, w.Agency.ID); st != "open" || auditCount(t, e) != before {
		t.Fatal("another account's request changed")
	}
}

// TestLeaveAccount: a member leaves an account themself (with confirmation), loses it
// on their next request, and it is audited; the owner cannot leave.
func TestLeaveAccount(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	_, body := viewer.get("/a/" + w.AccA1.Slug + "/settings")
	if !strings.Contains(body, "Leave this account") || !strings.Contains(body, `data-confirm="Leave `+w.AccA1.Name) {
		t.Fatal("settings offer no confirmed Leave")
	}
	if _, body = viewer.get("/profile"); !strings.Contains(body, `action="/a/`+w.AccA1.Slug+`/leave"`) {
		t.Fatal("the profile offers no Leave")
	}
	res, _ := viewer.post("/a/"+w.AccA1.Slug+"/leave", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile" {
		t.Fatalf("leave: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := viewer.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "has been revoked") {
		t.Fatalf("after leaving: %d", res.StatusCode)
	}
	if n := countWhere(t, e, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2`, w.AccA1.ID,
		"Members > Leave > "+w.Viewer.Email+" (Viewer)"); n != 1 {
		t.Fatal("leaving is not audited")
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	if _, body = owner.get("/a/" + w.AccA1.Slug + "/settings"); strings.Contains(body, "Leave this account") {
		t.Fatal("the owner is offered Leave")
	}
	if res, body := owner.post("/a/"+w.AccA1.Slug+"/leave", url.Values{}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "transfer ownership") {
		t.Fatalf("owner leaves: %d", res.StatusCode)
	}
}

// TestGrant_EmailsTheUserGivenAccess: an organisation owner giving an existing user
// access emails them; changing a role does not.
func TestGrant_EmailsTheUserGivenAccess(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	jane := ouNewcomer(t, e, w.OrgA)
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	if res, _ := owner.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(w.AccA2.ID)}, "role": {fmt.Sprint(domain.EditorRoleID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: %d", res.StatusCode)
	}
	m := lastMail(t, e, jane.Email)
	if m.Kind != "access_granted" || !strings.Contains(m.Subject, "You were given access to "+w.AccA2.Name) || !strings.Contains(m.Text, "Editor") ||
		!strings.Contains(m.Text, e.URL+"/a/"+w.AccA2.Slug+"/") {
		t.Fatalf("message: %s %q", m.Kind, m.Subject)
	}
	if res, _ := owner.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(w.AccA2.ID)}, "role": {fmt.Sprint(domain.ViewerRoleID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change: %d", res.StatusCode)
	}
	if n := mailCount(t, e, jane.Email, "access_granted"); n != 1 {
		t.Fatalf("%d access messages, want 1", n)
	}
}

// TestRequestAccess_ApproverStaysWithinTheirReach: a lead who manages members but
// holds less than an Editor is offered only roles within their own reach, and a forged
// approval with a stronger role is refused and changes nothing.
func TestRequestAccess_ApproverStaysWithinTheirReach(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := t.Context()
	customRole := func(name string, perms ...string) int64 {
		var id int64
		if err := e.Store.Pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for _, p := range perms {
			e.exec(`INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)`, id, p)
		}
		return id
	}
	viewerPerms := []string{"account.view", "campaigns.view", "lists.view", "reports.view"}
	lead := customRole("Lead", append(viewerPerms, "members.view", "members.manage", "campaigns.edit")...)
	writer := customRole("Campaign writer", append(viewerPerms, "campaigns.edit")...)
	leadUser := pgtest.MustUser(t, e.Store, pgtest.Unique("lead")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, leadUser, lead)

	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	if res, _ := viewer.post("/a/"+w.AccA1.Slug+"/access-requests", url.Values{"permission": {"campaigns.edit"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	if n := mailCount(t, e, leadUser.Email, "access_request"); n != 1 {
		t.Fatalf("the lead, who may grant it, got %d messages", n)
	}
	lc := e.client()
	lc.login(leadUser.Email, pgtest.Password)
	_, body := lc.get(membersPath(w.AccA1))
	section := body[strings.Index(body, `id="access-requests"`):]
	section = section[:strings.Index(section, "</section>")]
	if !strings.Contains(section, ">Campaign writer</option>") || strings.Contains(section, ">Editor</option>") || strings.Contains(section, ">Administrator</option>") {
		t.Fatal("the lead is offered roles beyond their own, or not the one within it")
	}
	id, _ := requestRow(t, e, w.AccA1.ID, w.Viewer.ID)
	res, body := lc.post(requestPath(w.AccA1, id, "approve"), url.Values{"role": {fmt.Sprint(domain.AdministratorRoleID)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "You cannot grant Administrator") {
		t.Fatalf("forged approval with Administrator: %d", res.StatusCode)
	}
	if _, role := ouMemberStatus(t, e, w.AccA1.ID, w.Viewer.ID); role != domain.ViewerRoleID {
		t.Fatal("the forged approval changed the role")
	}
	if res, _ := lc.post(requestPath(w.AccA1, id, "approve"), url.Values{"role": {fmt.Sprint(writer)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approval within reach: %d", res.StatusCode)
	}
	if _, role := ouMemberStatus(t, e, w.AccA1.ID, w.Viewer.ID); role != writer {
		t.Fatal("the approval did not give the chosen role")
	}
}
