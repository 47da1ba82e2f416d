package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

func memberPath(a domain.Account, u domain.User, action string) string {
	return fmt.Sprintf("/a/%s/members/%d/%s", a.Slug, u.ID, action)
}

func TestMembersList_OwnerFirstThenActiveThenInactive(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	zed := pgtest.MustUser(t, e.Store, "zed@a.test")
	amy := pgtest.MustUser(t, e.Store, "amy@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, zed, domain.EditorRoleID)
	pgtest.MustGrant(t, e.Store, w.AccA1, amy, domain.EditorRoleID)
	if err := e.Store.SetMembershipStatus(ctx, w.AccA1.ID, amy.ID, domain.MembershipDeactivated); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	res, body := c.get("/a/" + w.AccA1.Slug + "/members")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("members page: %d", res.StatusCode)
	}
	pos := func(email string) int {
		i := strings.Index(body, `data-email="`+email+`"`)
		if i < 0 {
			t.Fatalf("%s missing from the members list", email)
		}
		return i
	}
	owner, inactive := pos(w.OwnerA.Email), pos(amy.Email)
	for _, active := range []string{w.Agency.Email, w.Viewer.Email, zed.Email} {
		if p := pos(active); p < owner || p > inactive {
			t.Errorf("%s is not between the owner and the inactive members", active)
		}
	}
	for _, col := range []string{"Name", "Role", "Email", "Last login"} {
		if !strings.Contains(body, ">"+col+"<") {
			t.Errorf("column %s missing", col)
		}
	}
	if res, body := c.get("/a/" + w.AccA1.Slug + "/members?q=zed"); res.StatusCode != 200 || strings.Contains(body, amy.Email) || !strings.Contains(body, zed.Email) {
		t.Fatal("search does not filter")
	}
}

func TestDeactivate_RevokesOnNextRequest_ReactivateRestores(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin, viewer := e.client(), e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	viewer.login(w.Viewer.Email, pgtest.Password)
	home := "/a/" + w.AccA1.Slug + "/"
	if res, _ := viewer.get(home); res.StatusCode != http.StatusOK {
		t.Fatalf("viewer before: %d", res.StatusCode)
	}
	if res, _ := admin.post(memberPath(w.AccA1, w.Viewer, "deactivate"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", res.StatusCode)
	}
	res, body := viewer.get(home)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Your access to "+w.AccA1.Name+" has been revoked") {
		t.Fatalf("viewer after deactivation: %d", res.StatusCode)
	}
	if res, _ := admin.post(memberPath(w.AccA1, w.Viewer, "reactivate"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", res.StatusCode)
	}
	if res, _ := viewer.get(home); res.StatusCode != http.StatusOK {
		t.Fatalf("viewer after reactivation: %d", res.StatusCode)
	}
	if n := countAudit(t, e, w.AccA1.ID, "Members > Deactivate > "+w.Viewer.Email); n != 1 {
		t.Fatalf("deactivation audited %d times", n)
	}
}

func TestRemove_IsFinalAndOtherAccountsKeepWorking(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	owner, agency := e.client(), e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	agency.login(w.Agency.Email, pgtest.Password)
	if res, _ := owner.post(memberPath(w.AccA1, w.Agency, "remove"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if res, body := agency.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "has been revoked") {
		t.Fatalf("removed member: %d", res.StatusCode)
	}
	if res, _ := agency.get("/a/" + w.AccA2.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("other account after removal: %d", res.StatusCode)
	}
	if res, _ := owner.post(memberPath(w.AccA1, w.Agency, "reactivate"), url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("reactivating a removed member: %d, want 404", res.StatusCode)
	}
	_, body := owner.get("/a/" + w.AccA1.Slug + "/members")
	if strings.Contains(body, `data-email="`+w.Agency.Email+`"`) {
		t.Fatal("a removed member is still listed")
	}
}

func TestRoleChange_AppliesOnNextRequest(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	owner, agency := e.client(), e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	agency.login(w.Agency.Email, pgtest.Password)
	members := "/a/" + w.AccA1.Slug + "/members"
	if res, _ := agency.get(members); res.StatusCode != http.StatusOK {
		t.Fatalf("administrator on members: %d", res.StatusCode)
	}
	res, _ := owner.post(memberPath(w.AccA1, w.Agency, "role"), url.Values{"role": {fmt.Sprint(domain.ViewerRoleID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change role: %d", res.StatusCode)
	}
	if res, _ := agency.get(members); res.StatusCode != http.StatusForbidden {
		t.Fatalf("downgraded member on members page: %d, want 403", res.StatusCode)
	}
	if n := countAudit(t, e, w.AccA1.ID, "Members > Change role > "+w.Agency.Email+" (Administrator → Viewer)"); n != 1 {
		t.Fatalf("role change audited %d times", n)
	}
}

func TestMembers_BadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password) // administrator of A1
	before := auditCount(t, e)
	cases := []struct {
		path string
		form url.Values
		want int
	}{
		{memberPath(w.AccA1, w.Viewer, "role"), url.Values{"role": {"999999"}}, http.StatusUnprocessableEntity},
		{memberPath(w.AccA1, w.Viewer, "role"), url.Values{"role": {"abc"}}, http.StatusUnprocessableEntity},
		{memberPath(w.AccA1, w.Viewer, "role"), url.Values{"role": {fmt.Sprint(domain.OwnerRoleID)}}, http.StatusUnprocessableEntity},
		{memberPath(w.AccA1, w.Viewer, "role"), url.Values{"role": {fmt.Sprint(domain.ViewerRoleID)}}, http.StatusUnprocessableEntity},
		{memberPath(w.AccA1, w.OwnerB, "deactivate"), url.Values{}, http.StatusNotFound}, // another tenant's user
		{"/a/" + w.AccA1.Slug + "/members/not-a-number/remove", url.Values{}, http.StatusNotFound},
		{memberPath(w.AccA1, w.OwnerA, "deactivate"), url.Values{}, http.StatusForbidden},              // the owner: above an administrator
		{memberPath(w.AccA1, w.OwnerA, "remove"), url.Values{}, http.StatusForbidden},                  // the owner: above an administrator
		{memberPath(w.AccA1, w.Viewer, "transfer"), url.Values{}, http.StatusForbidden},                // not the owner
		{"/a/" + w.AccA1.Slug + "/close", url.Values{"confirm": {w.AccA1.Name}}, http.StatusForbidden}, // not the owner
	}
	for _, tc := range cases {
		if res, _ := c.post(tc.path, tc.form); res.StatusCode != tc.want {
			t.Errorf("POST %s %v: %d, want %d", tc.path, tc.form, res.StatusCode, tc.want)
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("refused requests changed something")
	}
	m, _ := e.Store.Member(context.Background(), w.AccA1.ID, w.Viewer.ID)
	if m.RoleID != domain.ViewerRoleID || m.Status != domain.MembershipActive {
		t.Fatalf("viewer changed: %+v", m)
	}
}

func TestTransferOwnership_OwnerOnly(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	if res, _ := owner.post(memberPath(w.AccA1, w.Agency, "transfer"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("transfer: %d", res.StatusCode)
	}
	email, _ := e.Store.AccountOwnerEmail(ctx, w.AccA1.ID)
	if email != w.Agency.Email {
		t.Fatalf("owner is %s", email)
	}
	old, _ := e.Store.Member(ctx, w.AccA1.ID, w.OwnerA.ID)
	if old.RoleID != domain.AdministratorRoleID {
		t.Fatalf("old owner's role: %s", old.RoleName)
	}
}

func TestCloseAccount_MembersToldClosed_StaffReopens(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	if err := e.Store.SetFavourite(ctx, w.Viewer.ID, w.AccA1.ID); err != nil {
		t.Fatal(err)
	}
	pgtest.MustGrant(t, e.Store, w.AccA2, w.Viewer, domain.ViewerRoleID)
	owner, viewer := e.client(), e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	viewer.login(w.Viewer.Email, pgtest.Password)
	settings := "/a/" + w.AccA1.Slug + "/settings"
	if _, body := owner.get(settings); !strings.Contains(body, "Close account") {
		t.Fatal("owner sees no close form")
	}
	if _, body := viewer.get(settings); strings.Contains(body, "Close account</button>") {
		t.Fatal("a viewer sees the close form")
	}
	if res, _ := owner.post("/a/"+w.AccA1.Slug+"/close", url.Values{"confirm": {"wrong"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("close with wrong confirmation: %d", res.StatusCode)
	}
	if res, _ := owner.post("/a/"+w.AccA1.Slug+"/close", url.Values{"confirm": {w.AccA1.Name}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d", res.StatusCode)
	}
	res, body := viewer.get("/a/" + w.AccA1.Slug + "/")
	if res.StatusCode != http.StatusGone || !strings.Contains(body, w.AccA1.Name+" has been closed") {
		t.Fatalf("member of the closed account: %d", res.StatusCode)
	}
	if res, _ := viewer.get("/"); res.Header.Get("Location") != "/a/"+w.AccA2.Slug+"/" {
		t.Fatalf("favourite did not fall back: %s", res.Header.Get("Location"))
	}
	staff := pgtest.MustUser(t, e.Store, "staff@atrium.test")
	_ = e.Store.SetStaff(ctx, staff.ID, true)
	sc := e.client()
	sc.login(staff.Email, pgtest.Password)
	if res, _ := sc.post("/staff/accounts/"+w.AccA1.Slug+"/reopen", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopen: %d", res.StatusCode)
	}
	if res, _ := viewer.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("after reopening: %d", res.StatusCode)
	}
}

func TestSeats_PlanAndLimit(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	staff := pgtest.MustUser(t, e.Store, "staff@atrium.test")
	_ = e.Store.SetStaff(ctx, staff.ID, true)
	sc := e.client()
	sc.login(staff.Email, pgtest.Password)
	// A1 has owner, agency and viewer active: 3 seats.
	if res, body := sc.post("/staff/accounts/"+w.AccA1.Slug+"/plan", url.Values{"plan": {"team"}, "seats": {"2"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "fewer seats than") {
		t.Fatalf("limit below use: %d", res.StatusCode)
	}
	if res, _ := sc.post("/staff/accounts/"+w.AccA1.Slug+"/plan", url.Values{"plan": {"team"}, "seats": {"3"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set limit: %d", res.StatusCode)
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	owner.post(memberPath(w.AccA1, w.Viewer, "deactivate"), url.Values{})
	// Fill the freed seat from elsewhere, then reactivation must say the limit.
	extra := pgtest.MustUser(t, e.Store, "extra@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, extra, domain.ViewerRoleID)
	res, body := owner.post(memberPath(w.AccA1, w.Viewer, "reactivate"), url.Values{})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "uses all 3 of its seats") {
		t.Fatalf("reactivation over the limit: %d", res.StatusCode)
	}
	if m, _ := e.Store.Member(ctx, w.AccA1.ID, w.Viewer.ID); m.Status != domain.MembershipDeactivated {
		t.Fatal("reactivated over the seat limit")
	}
	// A Solo plan allows only the owner.
	if res, _ := sc.post("/staff/accounts/"+w.AccB.Slug+"/plan", url.Values{"plan": {"solo"}, "seats": {"5"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("solo with members: %d", res.StatusCode)
	}
	ob := e.client()
	ob.login(w.OwnerB.Email, pgtest.Password)
	ob.post(memberPath(w.AccB, w.Agency, "remove"), url.Values{})
	if res, _ := sc.post("/staff/accounts/"+w.AccB.Slug+"/plan", url.Values{"plan": {"solo"}, "seats": {"5"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("solo: %d", res.StatusCode)
	}
	if _, _, err := grantDirect(e, w.AccB, w.Viewer); err == nil || !strings.Contains(err.Error(), "Upgrade to add users") {
		t.Fatalf("grant on a Solo account: %v", err)
	}
}

func countAudit(t *testing.T, e *env, accountID int64, action string) int {
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2`,
		accountID, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// grantDirect has the owner of a grant the user a Viewer role through the app layer.
func grantDirect(e *env, a domain.Account, u domain.User) (app.Access, domain.User, error) {
	ctx := context.Background()
	owner, err := e.Store.AccountOwnerEmail(ctx, a.ID)
	if err != nil {
		return app.Access{}, u, err
	}
	ou, _ := e.Store.UserByEmail(ctx, owner)
	access, err := e.App.Access(ctx, ou.ID, a.Slug)
	if err != nil {
		return access, u, err
	}
	return access, u, e.App.Grant(ctx, app.Actor{UserID: ou.ID, Email: ou.Email}, access, u.ID, domain.ViewerRoleID)
}

func TestLimitListManagerToChosenLists(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	lm := pgtest.MustUser(t, e.Store, "lm@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, lm, domain.ListManagerRoleID)
	var listA, listB, foreign int64
	for name, id := range map[string]*int64{"Newsletter": &listA, "Partners": &listB} {
		if err := e.Store.Pool.QueryRow(ctx, `INSERT INTO lists (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, name).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Store.Pool.QueryRow(ctx, `INSERT INTO lists (account_id, name) VALUES ($1, 'Foreign') RETURNING id`, w.AccB.ID).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	_, body := admin.get("/a/" + w.AccA1.Slug + "/members")
	if !strings.Contains(body, "Limit to lists") || !strings.Contains(body, "All lists") {
		t.Fatal("no list limit offered for the List manager")
	}
	res, _ := admin.post(memberPath(w.AccA1, lm, "scope"), url.Values{"list": {fmt.Sprint(listA), fmt.Sprint(foreign)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("limit: %d", res.StatusCode)
	}
	scopes, _ := e.Store.MemberScopes(ctx, w.AccA1.ID, []int64{lm.ID})
	scope := scopes[lm.ID]
	if len(scope) != 1 || scope[0].ID != listA {
		t.Fatalf("scope %+v, want only list A (another account's list ignored)", scope)
	}
	c := e.client()
	c.login(lm.Email, pgtest.Password)
	_, body = c.get("/a/" + w.AccA1.Slug + "/lists")
	if !strings.Contains(body, "Newsletter") || strings.Contains(body, "Partners") {
		t.Fatal("the limited List manager sees other lists")
	}
	if res, _ := c.get(fmt.Sprintf("/a/%s/lists/%d", w.AccA1.Slug, listB)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("list outside the scope: %d, want 404", res.StatusCode)
	}
	if res, _ := admin.post(memberPath(w.AccA1, w.Viewer, "scope"), url.Values{"list": {fmt.Sprint(listA)}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("limiting a viewer: %d, want 422", res.StatusCode)
	}
}
