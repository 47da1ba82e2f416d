package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// wsAudit returns the actions of the newest audit events of one account.
func wsAudit(t *testing.T, e *env, accountID int64) []domain.AuditEvent {
	t.Helper()
	rows, err := e.Store.Pool.Query(context.Background(), `SELECT action, target, coalesce(account_id, 0), coalesce(organisation_id, 0)
		FROM audit_events WHERE account_id = $1 ORDER BY id DESC`, accountID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []domain.AuditEvent
	for rows.Next() {
		var ev domain.AuditEvent
		if err := rows.Scan(&ev.Action, &ev.Target, &ev.AccountID, &ev.OrganisationID); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// wsHasAudit fails unless the account's log holds action with the account and
// organisation set.
func wsHasAudit(t *testing.T, e *env, acc domain.Account, action string) {
	t.Helper()
	for _, ev := range wsAudit(t, e, acc.ID) {
		if ev.Action == action {
			if ev.AccountID != acc.ID || ev.OrganisationID != acc.OrganisationID {
				t.Fatalf("%q audited with account %d organisation %d", action, ev.AccountID, ev.OrganisationID)
			}
			return
		}
	}
	t.Fatalf("no audit event %q in %+v", action, wsAudit(t, e, acc.ID))
}

func wsCount(t *testing.T, e *env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wsCampaign(t *testing.T, e *env, acc domain.Account, name string) domain.Campaign {
	t.Helper()
	c, err := e.Store.CreateCampaign(context.Background(), acc.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wsList(t *testing.T, e *env, acc domain.Account, name string) domain.List {
	t.Helper()
	l, err := e.Store.CreateList(context.Background(), acc.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func wsID(n int64) string { return strconv.FormatInt(n, 10) }

func TestWorkspace_EditorCreatesRenamesAndPublishesCampaign(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password) // Editor in A2
	base := "/a/" + w.AccA2.Slug

	res, body := c.get(base + "/campaigns")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "No campaigns yet") || !strings.Contains(body, `<label for="name">Campaign name</label>`) {
		t.Fatalf("empty campaigns page: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, w.AccA2.Name) {
		t.Fatal("the campaigns page lacks the account menu")
	}
	res, _ = c.post(base+"/campaigns", url.Values{"name": {"  Spring   sale "}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), base+"/campaigns/") {
		t.Fatalf("create: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	show := res.Header.Get("Location")
	res, body = c.get(show)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Spring sale") || !strings.Contains(body, "created as a draft") ||
		!strings.Contains(body, ">Publish campaign</button>") || !strings.Contains(body, ">Save name</button>") {
		t.Fatalf("campaign page: %d\n%s", res.StatusCode, body)
	}
	wsHasAudit(t, e, w.AccA2, "Campaigns > Create > Spring sale")

	if res, _ := c.post(show, url.Values{"name": {"Summer sale"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rename: %d", res.StatusCode)
	}
	wsHasAudit(t, e, w.AccA2, "Campaigns > Rename > Spring sale → Summer sale")

	if res, _ := c.post(show+"/publish", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	wsHasAudit(t, e, w.AccA2, "Campaigns > Publish > Summer sale")
	_, body = c.get(show)
	if !strings.Contains(body, `data-testid="campaign-status">Published<`) || strings.Contains(body, ">Publish campaign</button>") {
		t.Fatalf("published campaign page:\n%s", body)
	}
	before := auditCount(t, e)
	res, body = c.post(show+"/publish", url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Summer sale is already published") {
		t.Fatalf("publish twice: %d\n%s", res.StatusCode, body)
	}
	if auditCount(t, e) != before {
		t.Fatal("publishing twice was audited")
	}
	_, body = c.get(base + "/campaigns")
	if !strings.Contains(body, "Summer sale") || !strings.Contains(body, `class="badge published"`) {
		t.Fatalf("campaigns list:\n%s", body)
	}
}

func TestWorkspace_ViewerSeesCampaignsButCannotChangeThem(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	camp := wsCampaign(t, e, w.AccA1, "Autumn launch")
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password) // Viewer in A1
	base := "/a/" + w.AccA1.Slug
	res, body := c.get(base + "/campaigns")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Autumn launch") || strings.Contains(body, "Create campaign") {
		t.Fatalf("viewer campaigns page: %d\n%s", res.StatusCode, body)
	}
	show := base + "/campaigns/" + wsID(camp.ID)
	res, body = c.get(show)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "Publish campaign") || strings.Contains(body, "Save name") {
		t.Fatalf("viewer campaign page shows controls: %d\n%s", res.StatusCode, body)
	}
	before := auditCount(t, e)
	for path, form := range map[string]url.Values{
		base + "/campaigns": {"name": {"Sneaky"}},
		show:                {"name": {"Sneaky"}},
		show + "/publish":   {},
		base + "/lists":     {"name": {"Sneaky"}},
	} {
		if res, _ := c.post(path, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", path, res.StatusCode)
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("a viewer's POST was audited")
	}
	got, err := e.Store.Campaign(context.Background(), w.AccA1.ID, camp.ID)
	if err != nil || got.Name != "Autumn launch" || got.Status != "draft" {
		t.Fatalf("viewer changed the campaign: %+v %v", got, err)
	}
	if n := wsCount(t, e, `SELECT count(*) FROM campaigns WHERE account_id = $1`, w.AccA1.ID); n != 1 {
		t.Fatalf("%d campaigns after a viewer's create, want 1", n)
	}
}

func TestWorkspace_ListManagerEditsListsButNotCampaigns(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	lm := pgtest.MustUser(t, e.Store, pgtest.Unique("lists")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, lm, domain.ListManagerRoleID)
	c := e.client()
	c.login(lm.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug

	res, body := c.get(base + "/lists")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "No lists yet") || !strings.Contains(body, `<label for="name">List name</label>`) {
		t.Fatalf("empty lists page: %d\n%s", res.StatusCode, body)
	}
	res, _ = c.post(base+"/lists", url.Values{"name": {"Newsletter"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create list: %d", res.StatusCode)
	}
	show := res.Header.Get("Location")
	res, body = c.get(show)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "No contacts on this list yet") ||
		!strings.Contains(body, `<label for="email">Email address</label>`) || !strings.Contains(body, ">Add contact</button>") {
		t.Fatalf("empty list page: %d\n%s", res.StatusCode, body)
	}
	res, _ = c.post(show+"/contacts", url.Values{"email": {" Jane@Example.com "}, "full_name": {"Jane Doe"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != show {
		t.Fatalf("add contact: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = c.get(show)
	if !strings.Contains(body, "jane@example.com") || !strings.Contains(body, "Jane Doe") || !strings.Contains(body, "was added to") {
		t.Fatalf("list page after adding:\n%s", body)
	}
	wsHasAudit(t, e, w.AccA1, "Lists > Create > Newsletter")
	wsHasAudit(t, e, w.AccA1, "Lists > Add contact > jane@example.com (Newsletter)")
	if res, _ := c.post(show, url.Values{"name": {"Weekly news"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rename list: %d", res.StatusCode)
	}
	wsHasAudit(t, e, w.AccA1, "Lists > Rename > Newsletter → Weekly news")
	_, body = c.get(base + "/lists")
	if !strings.Contains(body, "Weekly news") || !strings.Contains(body, `data-testid="contact-count">1 contact<`) {
		t.Fatalf("lists page count:\n%s", body)
	}

	before := auditCount(t, e)
	if res, _ := c.get(base + "/campaigns"); res.StatusCode != http.StatusForbidden {
		t.Errorf("list manager GET campaigns: %d, want 403", res.StatusCode)
	}
	if res, _ := c.post(base+"/campaigns", url.Values{"name": {"Nope"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("list manager POST campaigns: %d, want 403", res.StatusCode)
	}
	if auditCount(t, e) != before || wsCount(t, e, `SELECT count(*) FROM campaigns`) != 0 {
		t.Fatal("a list manager changed campaigns")
	}
}

func TestWorkspace_ScopedListManagerSeesOnlyChosenLists(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	a := wsList(t, e, w.AccA1, "Alpha customers")
	b := wsList(t, e, w.AccA1, "Board members")
	lm := pgtest.MustUser(t, e.Store, pgtest.Unique("scoped")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, lm, domain.ListManagerRoleID)
	if err := e.Store.SetMemberScope(ctx, w.AccA1.ID, lm.ID, []int64{a.ID}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(lm.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug

	res, body := c.get(base + "/lists")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Alpha customers") || strings.Contains(body, "Board members") {
		t.Fatalf("scoped lists page: %d\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, "Create list") {
		t.Fatal("a scoped list manager is offered the create form")
	}
	if res, _ := c.get(base + "/lists/" + wsID(a.ID)); res.StatusCode != http.StatusOK {
		t.Fatalf("list in scope: %d", res.StatusCode)
	}
	before := auditCount(t, e)
	other := base + "/lists/" + wsID(b.ID)
	if res, body := c.get(other); res.StatusCode != http.StatusNotFound || strings.Contains(body, "Board members") {
		t.Fatalf("list out of scope: %d", res.StatusCode)
	}
	if res, _ := c.post(other, url.Values{"name": {"Hijacked"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("rename out of scope: %d, want 404", res.StatusCode)
	}
	if res, _ := c.post(other+"/contacts", url.Values{"email": {"spy@example.com"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("add contact out of scope: %d, want 404", res.StatusCode)
	}
	if res, _ := c.post(base+"/lists", url.Values{"name": {"Outside"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("scoped create: %d, want 403", res.StatusCode)
	}
	if auditCount(t, e) != before {
		t.Fatal("out-of-scope requests changed something")
	}
	got, _ := e.Store.List(ctx, w.AccA1.ID, b.ID)
	if got.Name != "Board members" || got.ContactCount != 0 || wsCount(t, e, `SELECT count(*) FROM lists WHERE account_id = $1`, w.AccA1.ID) != 2 {
		t.Fatalf("list B changed: %+v", got)
	}
	if res, _ := c.post(base+"/lists/"+wsID(a.ID)+"/contacts", url.Values{"email": {"ok@example.com"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add contact in scope: %d", res.StatusCode)
	}
	// Unscoped again: everything shows.
	if err := e.Store.SetMemberScope(ctx, w.AccA1.ID, lm.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, body := c.get(base + "/lists"); !strings.Contains(body, "Board members") {
		t.Fatal("unscoped list manager does not see every list")
	}
}

func TestWorkspace_CustomRoleScopedToCampaigns(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	mine := wsCampaign(t, e, w.AccA1, "Mine")
	theirs := wsCampaign(t, e, w.AccA1, "Theirs")
	var roleID int64
	err := e.Store.Pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, 'Campaign helper') RETURNING id`, w.AccA1.ID).Scan(&roleID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Store.Pool.Exec(ctx, `INSERT INTO role_permissions (role_id, permission)
		VALUES ($1, 'account.view'), ($1, 'campaigns.view'), ($1, 'campaigns.edit')`, roleID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Store.Pool.Exec(ctx, `INSERT INTO resource_scopes (account_id, role_id, resource_type, resource_id)
		VALUES ($1, $2, 'campaign', $3)`, w.AccA1.ID, roleID, mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("helper")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, u, roleID)
	c := e.client()
	c.login(u.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug
	res, body := c.get(base + "/campaigns")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, ">Mine<") || strings.Contains(body, "Theirs") {
		t.Fatalf("custom scoped campaigns page: %d\n%s", res.StatusCode, body)
	}
	if res, _ := c.get(base + "/campaigns/" + wsID(theirs.ID)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("campaign out of role scope: %d, want 404", res.StatusCode)
	}
	if res, _ := c.post(base+"/campaigns/"+wsID(theirs.ID), url.Values{"name": {"Taken"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("rename out of role scope: %d, want 404", res.StatusCode)
	}
	if res, _ := c.post(base+"/campaigns/"+wsID(mine.ID), url.Values{"name": {"Still mine"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rename in role scope: %d", res.StatusCode)
	}
	if res, _ := c.post(base+"/campaigns/"+wsID(mine.ID)+"/publish", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("publish without campaigns.publish: %d, want 403", res.StatusCode)
	}
}

func TestWorkspace_OtherAccountIDsAndBadIDsAre404(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	foreignCampaign := wsCampaign(t, e, w.AccB, "Beta secret")
	foreignList := wsList(t, e, w.AccB, "Beta list")
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password) // Administrator in A1, viewer in B
	base := "/a/" + w.AccA1.Slug
	before := auditCount(t, e)
	paths := []struct{ method, path string }{
		{"GET", base + "/campaigns/" + wsID(foreignCampaign.ID)},
		{"POST", base + "/campaigns/" + wsID(foreignCampaign.ID)},
		{"POST", base + "/campaigns/" + wsID(foreignCampaign.ID) + "/publish"},
		{"GET", base + "/lists/" + wsID(foreignList.ID)},
		{"POST", base + "/lists/" + wsID(foreignList.ID)},
		{"POST", base + "/lists/" + wsID(foreignList.ID) + "/contacts"},
	}
	for _, bad := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
		paths = append(paths,
			struct{ method, path string }{"GET", base + "/campaigns/" + bad},
			struct{ method, path string }{"POST", base + "/campaigns/" + bad + "/publish"},
			struct{ method, path string }{"GET", base + "/lists/" + bad},
			struct{ method, path string }{"POST", base + "/lists/" + bad + "/contacts"})
	}
	for _, p := range paths {
		var form url.Values
		if p.method == "POST" {
			form = url.Values{"name": {"Hijacked"}, "email": {"spy@example.com"}}
		}
		res, body := c.do(p.method, p.path, form)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", p.method, p.path, res.StatusCode)
		}
		if strings.Contains(body, "Beta secret") || strings.Contains(body, "Beta list") {
			t.Errorf("%s %s: the 404 names the other account's resource", p.method, p.path)
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("requests with another account's ids changed something")
	}
	gotC, _ := e.Store.Campaign(ctx, w.AccB.ID, foreignCampaign.ID)
	gotL, _ := e.Store.List(ctx, w.AccB.ID, foreignList.ID)
	if gotC.Name != "Beta secret" || gotC.Status != "draft" || gotL.Name != "Beta list" || gotL.ContactCount != 0 {
		t.Fatalf("foreign resources changed: %+v %+v", gotC, gotL)
	}
	if n := wsCount(t, e, `SELECT count(*) FROM contacts`); n != 0 {
		t.Fatalf("%d contacts written", n)
	}
}

func TestWorkspace_ValidationIs422AndWritesNothing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	camp := wsCampaign(t, e, w.AccA1, "Valid")
	list := wsList(t, e, w.AccA1, "Newsletter")
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug
	listPath := base + "/lists/" + wsID(list.ID)
	if res, _ := c.post(listPath+"/contacts", url.Values{"email": {"jane@example.com"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first contact: %d", res.StatusCode)
	}
	before := auditCount(t, e)
	long := strings.Repeat("x", 121)
	cases := []struct {
		path string
		form url.Values
		want string
	}{
		{base + "/campaigns", url.Values{"name": {long}}, "Use at most 120 characters."},
		{base + "/campaigns", url.Values{"name": {"   "}}, "Enter a name."},
		{base + "/campaigns/" + wsID(camp.ID), url.Values{"name": {long}}, "Use at most 120 characters."},
		{base + "/lists", url.Values{"name": {long}}, "Use at most 120 characters."},
		{listPath, url.Values{"name": {long}}, "Use at most 120 characters."},
		{listPath + "/contacts", url.Values{"email": {"JANE@example.com"}}, "jane@example.com is already on this list."},
		{listPath + "/contacts", url.Values{"email": {"not-an-email"}}, "Enter an email address"},
		{listPath + "/contacts", url.Values{"email": {"ok@example.com"}, "full_name": {long}}, "Use at most 120 characters."},
	}
	for _, tc := range cases {
		res, body := c.post(tc.path, tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %v: %d, want 422 with %q", tc.path, tc.form, res.StatusCode, tc.want)
		}
		if !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("POST %s: the field is not marked invalid", tc.path)
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("invalid input was audited")
	}
	got, _ := e.Store.List(ctx, w.AccA1.ID, list.ID)
	if got.ContactCount != 1 || wsCount(t, e, `SELECT count(*) FROM contacts WHERE list_id = $1`, list.ID) != 1 {
		t.Fatalf("contact count %d after a duplicate", got.ContactCount)
	}
	if n := wsCount(t, e, `SELECT count(*) FROM campaigns WHERE account_id = $1`, w.AccA1.ID); n != 1 {
		t.Fatalf("%d campaigns after invalid creates", n)
	}
}

func TestWorkspace_CampaignsPaginateNewestFirst(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for i := 1; i <= 51; i++ {
		wsCampaign(t, e, w.AccA1, "Campaign "+strconv.Itoa(i))
	}
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug + "/campaigns"
	_, body := c.get(base)
	if !strings.Contains(body, ">Campaign 51<") || strings.Contains(body, ">Campaign 1<") || !strings.Contains(body, `href="`+base+`?page=2"`) {
		t.Fatalf("first page:\n%s", body)
	}
	if strings.Index(body, ">Campaign 51<") > strings.Index(body, ">Campaign 50<") {
		t.Fatal("campaigns are not newest first")
	}
	_, body = c.get(base + "?page=2")
	if !strings.Contains(body, ">Campaign 1<") || strings.Contains(body, ">Campaign 2<") || !strings.Contains(body, "Previous page") {
		t.Fatalf("second page:\n%s", body)
	}
}
