package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// ouPath is an organisation's Users page, or a user's page and action under it.
func ouPath(o domain.Organisation, parts ...string) string {
	p := "/org/" + o.Slug + "/users"
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

func ouUser(o domain.Organisation, u domain.User, parts ...string) string {
	return ouPath(o, append([]string{fmt.Sprint(u.ID)}, parts...)...)
}

// ouFollow expects a 303 and returns the page it leads to.
func ouFollow(t *testing.T, c *client, res *http.Response, body string) (*http.Response, string) {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("want 303, got %d\n%s", res.StatusCode, body)
	}
	return c.get(res.Header.Get("Location"))
}

// ouMemberStatus is userID's membership status in accountID ("" when none).
func ouMemberStatus(t *testing.T, e *env, accountID, userID int64) (string, int64) {
	t.Helper()
	var status string
	var role int64
	err := e.Store.Pool.QueryRow(context.Background(), `SELECT coalesce(max(status), ''), coalesce(max(role_id), 0)
		FROM memberships WHERE account_id = $1 AND user_id = $2`, accountID, userID).Scan(&status, &role)
	if err != nil {
		t.Fatal(err)
	}
	return status, role
}

// ouAudit counts events of an organisation with that action.
func ouAudit(t *testing.T, e *env, orgID int64, action string) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE organisation_id = $1 AND action = $2`, orgID, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ouNewcomer is a user listed in the organisation with no account access.
func ouNewcomer(t *testing.T, e *env, o domain.Organisation) domain.User {
	t.Helper()
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("newcomer")+"@a.test")
	if err := e.Store.AddOrganisationMember(context.Background(), o.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOrgUsers_ListSearchPaginate(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	// 120 more users in organisation A: "Bulk 001" … "Bulk 120" sort before the world's "User …".
	_, err := e.Store.Pool.Exec(ctx, `WITH nu AS (
		INSERT INTO users (email, full_name) SELECT 'bulk' || g || '@bulk.test', 'Bulk ' || lpad(g::text, 3, '0')
		FROM generate_series(1, 120) g RETURNING id)
		INSERT INTO organisation_members (organisation_id, user_id) SELECT $1, id FROM nu`, w.OrgA.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)

	res, body := c.get(ouPath(w.OrgA))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("users page: %d", res.StatusCode)
	}
	if !strings.Contains(body, "Bulk 001") || !strings.Contains(body, "Bulk 050") || strings.Contains(body, "Bulk 051") {
		t.Fatal("page 1 should list Bulk 001 to Bulk 050 only")
	}
	if !strings.Contains(body, "Next") || strings.Contains(body, "Previous") {
		t.Fatal("page 1 should offer Next only")
	}
	if !strings.Contains(body, "+ Create a new user") {
		t.Fatal("no create form")
	}

	_, body = c.get(ouPath(w.OrgA) + "?page=2")
	if !strings.Contains(body, "Bulk 051") || !strings.Contains(body, "Bulk 100") || strings.Contains(body, "Bulk 050") ||
		!strings.Contains(body, "Previous") || !strings.Contains(body, "Next") {
		t.Fatal("page 2 should list Bulk 051 to Bulk 100 with Previous and Next")
	}

	// Page 3: Bulk 101-120 then the world's users of organisation A (not OwnerB).
	_, body = c.get(ouPath(w.OrgA) + "?page=3")
	for _, want := range []string{"Bulk 120", w.OwnerA.Email, w.Agency.Email, w.Viewer.Email, "Organisation owner"} {
		if !strings.Contains(body, want) {
			t.Errorf("page 3 lacks %q", want)
		}
	}
	if strings.Contains(body, w.OwnerB.Email) {
		t.Error("organisation B's owner is listed in organisation A")
	}
	if strings.Contains(body, "Next") {
		t.Error("the last page offers Next")
	}
	// Agency: 2 accounts in organisation A (their access to B does not count).
	if !strings.Contains(body, "<td>"+w.Agency.Email+"</td><td>2</td>") {
		t.Error("Agency's account count should be 2")
	}

	// Search by email (case-insensitive) and by name.
	_, body = c.get(ouPath(w.OrgA) + "?q=" + url.QueryEscape("BULK7@"))
	if !strings.Contains(body, "bulk7@bulk.test") || strings.Contains(body, "bulk8@bulk.test") || strings.Contains(body, w.Agency.Email) {
		t.Fatal("search by email should find bulk7 only")
	}
	_, body = c.get(ouPath(w.OrgA) + "?q=bulk+11")
	for _, want := range []string{"Bulk 110", "Bulk 119"} {
		if !strings.Contains(body, want) {
			t.Errorf("search by name lacks %s", want)
		}
	}
	if strings.Contains(body, "Bulk 001") {
		t.Error("search by name lists non-matching users")
	}
	// LIKE wildcards are searched literally; other organisations' users are not found.
	if _, body = c.get(ouPath(w.OrgA) + "?q=%25"); strings.Contains(body, "Bulk 001") {
		t.Error("% matched every user")
	}
	if _, body = c.get(ouPath(w.OrgA) + "?q=" + url.QueryEscape(w.OwnerB.Email)); strings.Contains(body, w.OwnerB.Email+"</td>") {
		t.Error("search found a user of another organisation")
	}
}

// ouInviteForm is the Users page's "+ Create a new user" form.
func ouInviteForm(first, email string, acc domain.Account, roleID int64) url.Values {
	return url.Values{"first_name": {first}, "last_name": {"Doe"}, "email": {email}, "account": {fmt.Sprint(acc.ID)},
		"role": {fmt.Sprint(roleID)}}
}

// TestOrgUsers_CreateUser_SendsAnInvitationNotALink: "+ Create a new user" creates no
// user: it invites them to a first account, the Users page lists the invitation, and
// the owner never sees a link or password for them. The invitee becomes a user of the
// organisation when they accept.
func TestOrgUsers_CreateUser_SendsAnInvitationNotALink(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	res, body := c.post(ouPath(w.OrgA), ouInviteForm("Jane", "Jane.Doe@Example.com", w.AccA2, domain.EditorRoleID))
	if res.StatusCode != http.StatusSeeOther || strings.Contains(body, "/set-password/") || invitationLinkRE.MatchString(body) {
		t.Fatalf("create: %d, want 303 and no link", res.StatusCode)
	}
	res, body = c.get(res.Header.Get("Location"))
	if res.StatusCode != http.StatusOK || strings.Contains(body, "/set-password/") || invitationLinkRE.MatchString(body) {
		t.Fatalf("users page after the invitation: %d, or it shows a link", res.StatusCode)
	}
	for _, want := range []string{"Invitation sent to jane.doe@example.com for " + w.AccA2.Name + " as Editor", "Pending invitations", "jane.doe@example.com"} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	if _, err := e.Store.UserByEmail(context.Background(), "jane.doe@example.com"); err == nil {
		t.Fatal("a user exists before the invitation is accepted")
	}
	if ouAudit(t, e, w.OrgA.ID, "Users > Invite > jane.doe@example.com (Editor)") != 1 {
		t.Fatal("no audit event for the invitation")
	}
	m := lastMail(t, e, "jane.doe@example.com")
	if m.Kind != "invitation" || m.AccountID != w.AccA2.ID || !strings.Contains(m.Text, w.AccA2.Name) || !strings.Contains(m.Text, w.OrgA.Name) {
		t.Fatalf("invitation email: %+v", m)
	}
	// Accepting makes the user, lists them here, and lands them in the account.
	jane := e.client()
	res, body = acceptAsNew(jane, invitationLink(t, e, "jane.doe@example.com"), "Jane Doe", "a long enough passphrase")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA2.Slug+"/" {
		t.Fatalf("accept: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	if _, body = c.get(ouPath(w.OrgA)); !strings.Contains(body, "jane.doe@example.com</td>") {
		t.Fatal("the new user is not listed once they accepted")
	}
	// Bad input re-renders the form.
	if res, body = c.post(ouPath(w.OrgA), ouInviteForm("", "nope", w.AccA1, domain.ViewerRoleID)); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enter a name.") {
		t.Fatalf("empty name: %d", res.StatusCode)
	}
	if res, body = c.post(ouPath(w.OrgA), ouInviteForm("Bo", "bo@example.com", w.AccB, domain.ViewerRoleID)); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Choose one of this organisation&#39;s open accounts.") {
		t.Fatalf("an account of another organisation: %d", res.StatusCode)
	}
}

func TestOrgUsers_DuplicateEmail(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	before := auditCount(t, e)

	// Already in this organisation (other case): link to their page.
	res, body := c.post(ouPath(w.OrgA), ouInviteForm("Someone", strings.ToUpper(w.Agency.Email), w.AccA1, domain.ViewerRoleID))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Sorry, that user already exists") {
		t.Fatalf("duplicate email: %d, want 422 with the message", res.StatusCode)
	}
	if !strings.Contains(body, `href="`+ouUser(w.OrgA, w.Agency)+`"`) || strings.Contains(body, `name="invite_existing"`) {
		t.Fatal("no link to the existing user's page, or an invitation offered to someone already here")
	}
	// Only in another organisation: refused, nothing added; an invitation is offered.
	res, body = c.post(ouPath(w.OrgA), ouInviteForm("Someone", strings.ToUpper(w.OwnerB.Email), w.AccA2, domain.ViewerRoleID))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Sorry, that user already exists") ||
		!strings.Contains(body, "Nothing was added") || !strings.Contains(body, `name="invite_existing"`) ||
		!strings.Contains(body, "Invite them to "+w.AccA2.Name) {
		t.Fatalf("duplicate from another organisation: %d, want 422 offering an invitation to %s", res.StatusCode, w.AccA2.Name)
	}
	// The old "add existing" form, forged: still nothing added.
	res, _ = c.post(ouPath(w.OrgA), url.Values{"existing": {"1"}, "email": {w.OwnerB.Email}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("forged add-existing: %d, want 422", res.StatusCode)
	}
	// Each "already exists" answer is audited (and rate-limited); nothing else changed
	// and nothing was sent.
	if auditCount(t, e) != before+2 || ouAudit(t, e, w.OrgA.ID, "Users > Create > already exists > "+w.OwnerB.Email) != 1 ||
		mailCount(t, e, w.OwnerB.Email, "invitation") != 0 {
		t.Fatal("a refused creation changed something or sent something, or its answer was not audited")
	}
	if res, _ := c.get(ouUser(w.OrgA, w.OwnerB)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("user of another organisation: %d, want 404", res.StatusCode)
	}
	listed := func() bool {
		var listed bool
		if err := e.Store.Pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM organisation_members
			WHERE organisation_id = $1 AND user_id = $2)`, w.OrgA.ID, w.OwnerB.ID).Scan(&listed); err != nil {
			t.Fatal(err)
		}
		return listed
	}
	if listed() {
		t.Fatal("the other organisation's owner is listed in A")
	}
	// "Invite them": an invitation, still no access and no listing until they accept.
	form := ouInviteForm("Someone", w.OwnerB.Email, w.AccA2, domain.ViewerRoleID)
	form.Set("invite_existing", "1")
	if res, body := c.post(ouPath(w.OrgA), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite an existing user: %d\n%s", res.StatusCode, excerpt(body))
	}
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, w.OwnerB.ID); st != "" || listed() {
		t.Fatal("an existing user of another organisation was added before accepting")
	}
	link := invitationLink(t, e, w.OwnerB.Email)
	b := e.client()
	b.login(w.OwnerB.Email, pgtest.Password)
	if res, body := b.post(link+"/accept", url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA2.Slug+"/" {
		t.Fatalf("accept as the existing user: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, w.OwnerB.ID); st != "active" || !listed() {
		t.Fatal("accepting did not give access and list the user in A")
	}
}

func TestOrgUsers_GrantThenRevoke(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	jane := ouNewcomer(t, e, w.OrgA)
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)

	res, body := owner.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(w.AccA2.ID)}, "role": {fmt.Sprint(domain.EditorRoleID)}})
	_, body = ouFollow(t, owner, res, body)
	if !strings.Contains(body, "now has access to "+w.AccA2.Name+" as Editor") {
		t.Fatal("no flash for the grant")
	}
	if st, role := ouMemberStatus(t, e, w.AccA2.ID, jane.ID); st != "active" || role != domain.EditorRoleID {
		t.Fatalf("membership %s/%d after grant", st, role)
	}
	if ouAudit(t, e, w.OrgA.ID, "Users > Account access > Add > "+jane.Email+" ("+w.AccA2.Name+": Editor)") != 1 {
		t.Fatal("no audit event for the grant")
	}
	janeC := e.client()
	janeC.login(jane.Email, pgtest.Password)
	if res, _ := janeC.get("/a/" + w.AccA2.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the user cannot open the granted account: %d", res.StatusCode)
	}

	// Granting again changes the role, and says so.
	res, body = owner.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(w.AccA2.ID)}, "role": {fmt.Sprint(domain.ViewerRoleID)}})
	_, body = ouFollow(t, owner, res, body)
	if !strings.Contains(body, "role changed from Editor to Viewer") {
		t.Fatal("no flash for the role change")
	}
	if _, role := ouMemberStatus(t, e, w.AccA2.ID, jane.ID); role != domain.ViewerRoleID {
		t.Fatalf("role %d after the second grant", role)
	}

	// The access tab lists it with a confirmed Remove button.
	_, body = owner.get(ouUser(w.OrgA, jane))
	if !strings.Contains(body, w.AccA2.Name) || !strings.Contains(body, "data-confirm=") {
		t.Fatal("access tab lacks the grant or its confirmation")
	}

	res, body = owner.post(ouUser(w.OrgA, jane, "access", "remove"), url.Values{"account": {fmt.Sprint(w.AccA2.ID)}})
	ouFollow(t, owner, res, body)
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, jane.ID); st != "removed" {
		t.Fatalf("membership %s after removal", st)
	}
	res, body = janeC.get("/a/" + w.AccA2.Slug + "/")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Your access to "+w.AccA2.Name+" has been revoked") {
		t.Fatalf("after removal: %d, want the revoked page", res.StatusCode)
	}

	// The account owner's access cannot be removed.
	res, body = owner.post(ouUser(w.OrgA, w.OwnerA, "access", "remove"), url.Values{"account": {fmt.Sprint(w.AccA1.ID)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "transfer ownership first") {
		t.Fatalf("removing the account owner: %d", res.StatusCode)
	}
}

func TestOrgUsers_NonOwner404(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password) // Administrator of Alpha One, not an organisation owner
	other := e.client()
	other.login(w.OwnerB.Email, pgtest.Password) // owns organisation B only
	routes, _ := e.Server.Routes().(chi.Routes)
	n := 0
	before := auditCount(t, e)
	_ = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/org/{org}/users") {
			return nil
		}
		n++
		path := strings.NewReplacer("{org}", w.OrgA.Slug, "{user}", fmt.Sprint(w.Viewer.ID)).Replace(route)
		var form url.Values
		if method == http.MethodPost {
			form = url.Values{"full_name": {"X"}, "email": {"x@x.test"}, "account": {fmt.Sprint(w.AccA1.ID)},
				"role": {"3"}, "organisation": {w.OrgA.Slug}}
		}
		for who, c := range map[string]*client{"account administrator": admin, "owner of another organisation": other} {
			res, body := c.do(method, path, form)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s as %s: %d, want 404", method, path, who, res.StatusCode)
			}
			if strings.Contains(body, w.Viewer.Email) {
				t.Errorf("%s %s as %s: the 404 names the user", method, path, who)
			}
		}
		return nil
	})
	if n != 11 {
		t.Fatalf("found %d /users routes, want 11", n)
	}
	if auditCount(t, e) != before {
		t.Fatal("a non-owner changed something")
	}
}

func TestOrgUsers_UserOfAnotherOrganisation404(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	for _, p := range []string{ouUser(w.OrgA, w.OwnerB), ouUser(w.OrgA, w.OwnerB) + "?tab=organisation", ouPath(w.OrgA, "abc"), ouPath(w.OrgA, "0")} {
		if res, _ := c.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	before := auditCount(t, e)
	for _, a := range []string{"access", "access/remove", "owner", "owner/remove", "remove"} {
		res, _ := c.post(ouUser(w.OrgA, w.OwnerB, a), url.Values{"account": {fmt.Sprint(w.AccA1.ID)}, "role": {"5"}, "organisation": {w.OrgA.Slug}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s for a user of another organisation: %d, want 404", a, res.StatusCode)
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("a change reached a user of another organisation")
	}
	if st, _ := ouMemberStatus(t, e, w.AccA1.ID, w.OwnerB.ID); st != "" {
		t.Fatal("a user of another organisation got access")
	}
}

func TestOrgUsers_GrantRefusals(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	jane := ouNewcomer(t, e, w.OrgA)
	var roleA1, roleB int64
	if err := e.Store.Pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, 'A1 only') RETURNING id`, w.AccA1.ID).Scan(&roleA1); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.Pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, 'B only') RETURNING id`, w.AccB.ID).Scan(&roleB); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	_, body := c.get(ouUser(w.OrgA, jane))
	if !strings.Contains(body, "A1 only") || strings.Contains(body, "B only") {
		t.Fatal("the role dropdown should offer this organisation's custom roles only")
	}
	before := auditCount(t, e)
	for name, tc := range map[string]struct {
		account, role int64
		want          string
	}{
		"custom role of another account":      {w.AccA2.ID, roleA1, "Choose one of this account's roles."},
		"custom role of another organisation": {w.AccA1.ID, roleB, "Choose one of this account's roles."},
		"the Owner role":                      {w.AccA1.ID, domain.OwnerRoleID, "Ownership cannot be granted"},
		"account of another organisation":     {w.AccB.ID, domain.ViewerRoleID, "Choose one of this organisation's open accounts."},
	} {
		res, body := c.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(tc.account)}, "role": {fmt.Sprint(tc.role)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString(tc.want)) {
			t.Errorf("%s: %d, want 422 with %q", name, res.StatusCode, tc.want)
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("a refused grant changed something")
	}
	for _, acc := range []domain.Account{w.AccA1, w.AccA2, w.AccB} {
		if st, _ := ouMemberStatus(t, e, acc.ID, jane.ID); st != "" {
			t.Fatalf("a refused grant created a membership in %s", acc.Name)
		}
	}
	// The account's own custom role works.
	res, body := c.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(w.AccA1.ID)}, "role": {fmt.Sprint(roleA1)}})
	ouFollow(t, c, res, body)
	if st, role := ouMemberStatus(t, e, w.AccA1.ID, jane.ID); st != "active" || role != roleA1 {
		t.Fatalf("custom role grant: %s/%d", st, role)
	}
}

func TestOrgUsers_SeatLimit(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	jane := ouNewcomer(t, e, w.OrgA)
	// Alpha Two has its owner and Agency: make those all its seats.
	if err := e.Store.SetAccountPlan(ctx, w.AccA2.ID, "team", 2); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	before := auditCount(t, e)
	res, body := c.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(w.AccA2.ID)}, "role": {fmt.Sprint(domain.ViewerRoleID)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, w.AccA2.Name+" uses all 2 of its seats") {
		t.Fatalf("seat limit: %d, want 422 naming the limit", res.StatusCode)
	}
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, jane.ID); st != "" || auditCount(t, e) != before {
		t.Fatal("a grant over the seat limit changed something")
	}
	// An existing active member's role still changes: no extra seat is used.
	res, body = c.post(ouUser(w.OrgA, w.Agency, "access"), url.Values{"account": {fmt.Sprint(w.AccA2.ID)}, "role": {fmt.Sprint(domain.ViewerRoleID)}})
	ouFollow(t, c, res, body)
	// Solo plan: owner only.
	if err := e.Store.SetAccountPlan(ctx, w.AccA1.ID, "solo", 25); err != nil {
		t.Fatal(err)
	}
	res, body = c.post(ouUser(w.OrgA, jane, "access"), url.Values{"account": {fmt.Sprint(w.AccA1.ID)}, "role": {fmt.Sprint(domain.ViewerRoleID)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Solo plan") {
		t.Fatalf("solo plan: %d", res.StatusCode)
	}
}

func TestOrgUsers_OrganisationOwnerRoles(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	gamma := pgtest.MustOrganisation(t, e.Store, "Gamma", w.OwnerA)
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)

	_, body := c.get(ouUser(w.OrgA, w.Agency) + "?tab=organisation")
	if !strings.Contains(body, "+ Add role") || !strings.Contains(body, "Gamma") || strings.Contains(body, w.OrgB.Name+"</option>") {
		t.Fatal("organisation tab should offer the actor's organisations only")
	}
	// Agency also belongs to organisation B: they may own A (they are one of its
	// users) but never join Gamma without consent.
	before := auditCount(t, e)
	if res, body := c.post(ouUser(w.OrgA, w.Agency, "owner"), url.Values{"organisation": {gamma.Slug}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "only by accepting an invitation") {
		t.Fatalf("owner of Gamma for a user of another organisation: %d, want 422", res.StatusCode)
	}
	if ok, _ := e.Store.IsOrganisationOwner(context.Background(), gamma.ID, w.Agency.ID); ok || auditCount(t, e) != before {
		t.Fatal("a user of another organisation was added to Gamma")
	}
	// A user A alone holds may be given the owner role of Gamma too.
	jane := ouNewcomer(t, e, w.OrgA)
	if res, body := c.post(ouUser(w.OrgA, jane, "owner"), url.Values{"organisation": {gamma.Slug}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner of Gamma for a user A manages: %d\n%s", res.StatusCode, body)
	}
	// Add the owner role of this organisation.
	for _, o := range []domain.Organisation{w.OrgA} {
		res, body := c.post(ouUser(w.OrgA, w.Agency, "owner"), url.Values{"organisation": {o.Slug}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add owner of %s: %d\n%s", o.Name, res.StatusCode, body)
		}
		if ouAudit(t, e, o.ID, "Users > Organisation > Add owner > "+w.Agency.Email+" ("+o.Name+")") != 1 {
			t.Fatalf("no audit event for the owner role of %s", o.Name)
		}
	}
	agency := e.client()
	agency.login(w.Agency.Email, pgtest.Password)
	if res, _ := agency.get(ouPath(w.OrgA)); res.StatusCode != http.StatusOK {
		t.Fatalf("new organisation owner opens the Users page: %d", res.StatusCode)
	}
	// Not an organisation the actor owns.
	if res, body := c.post(ouUser(w.OrgA, w.Agency, "owner"), url.Values{"organisation": {w.OrgB.Slug}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Choose one of the organisations you own.") {
		t.Fatalf("owner role of a foreign organisation: %d", res.StatusCode)
	}
	// Remove Agency's role of A.
	for _, o := range []domain.Organisation{w.OrgA} {
		res, body := c.post(ouUser(w.OrgA, w.Agency, "owner", "remove"), url.Values{"organisation": {o.Slug}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove owner of %s: %d\n%s", o.Name, res.StatusCode, body)
		}
	}
	if res, _ := agency.get(ouPath(w.OrgA)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("former owner opens the Users page: %d, want 404", res.StatusCode)
	}
	// The last owner stays.
	before = auditCount(t, e)
	res, body := c.post(ouUser(w.OrgA, w.OwnerA, "owner", "remove"), url.Values{"organisation": {w.OrgA.Slug}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "is the last owner of "+w.OrgA.Name) {
		t.Fatalf("removing the last owner: %d, want 409 with the reason", res.StatusCode)
	}
	if ok, _ := e.Store.IsOrganisationOwner(context.Background(), w.OrgA.ID, w.OwnerA.ID); !ok || auditCount(t, e) != before {
		t.Fatal("the last owner was removed")
	}
}

func TestOrgUsers_RemoveFromOrganisation(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	agency := e.client()
	agency.login(w.Agency.Email, pgtest.Password)

	_, body := c.get(ouUser(w.OrgA, w.Agency))
	if !strings.Contains(body, "Remove from organisation") || !strings.Contains(body, `data-confirm="Remove `+w.Agency.Email+` from`) {
		t.Fatal("no confirmed Remove from organisation button")
	}
	if res, body := c.post(ouUser(w.OrgA, w.Agency, "remove"), url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != ouPath(w.OrgA) {
		t.Fatalf("remove from organisation: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	for _, acc := range []domain.Account{w.AccA1, w.AccA2} {
		if st, _ := ouMemberStatus(t, e, acc.ID, w.Agency.ID); st != "removed" {
			t.Fatalf("membership in %s is %s, want removed", acc.Name, st)
		}
	}
	if st, _ := ouMemberStatus(t, e, w.AccB.ID, w.Agency.ID); st != "active" {
		t.Fatal("access to another organisation's account ended")
	}
	if res, _ := c.get(ouUser(w.OrgA, w.Agency)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("removed user's page: %d, want 404", res.StatusCode)
	}
	if res, body := agency.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "has been revoked") {
		t.Fatalf("removed user's next request: %d", res.StatusCode)
	}
	if ouAudit(t, e, w.OrgA.ID, "Users > Remove from organisation > "+w.Agency.Email) != 1 {
		t.Fatal("no audit event for the removal")
	}

	// Refused while the user owns one of the organisation's accounts.
	co := ouNewcomer(t, e, w.OrgA)
	if err := e.Store.AddOrganisationOwner(ctx, w.OrgA.ID, co.ID); err != nil {
		t.Fatal(err)
	}
	coC := e.client()
	coC.login(co.Email, pgtest.Password)
	solo := pgtest.MustUser(t, e.Store, pgtest.Unique("solo")+"@d.test")
	delta := pgtest.MustOrganisation(t, e.Store, "Delta", solo)
	soloC := e.client()
	soloC.login(solo.Email, pgtest.Password)
	before := auditCount(t, e)
	res, body := coC.post(ouUser(w.OrgA, w.OwnerA, "remove"), url.Values{})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "transfer ownership of "+w.AccA1.Name+", "+w.AccA2.Name+" first") {
		t.Fatalf("removing an account owner: %d, want 422 naming the accounts", res.StatusCode)
	}
	// Refused for the last organisation owner.
	res, body = soloC.post(ouUser(delta, solo, "remove"), url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "is the last owner of Delta") {
		t.Fatalf("removing the last owner: %d, want 409", res.StatusCode)
	}
	if auditCount(t, e) != before {
		t.Fatal("a refused removal changed something")
	}
	// A co-owner owning no account can be removed, owner role included.
	if res, _ := c.post(ouUser(w.OrgA, co, "remove"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("removing a co-owner: %d", res.StatusCode)
	}
	if ok, _ := e.Store.IsOrganisationOwner(ctx, w.OrgA.ID, co.ID); ok {
		t.Fatal("the removed user still owns the organisation")
	}
}
