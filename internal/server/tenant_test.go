package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// accountRoutes lists every registered method and pattern under /a/{account}.
func accountRoutes(t *testing.T, e *env) [][2]string {
	var out [][2]string
	routes, ok := e.Server.Routes().(chi.Routes)
	if !ok {
		t.Fatal("router is not a chi router")
	}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/a/{account}") {
			out = append(out, [2]string{method, route})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no account routes found")
	}
	return out
}

func auditCount(t *testing.T, e *env) int {
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOtherTenant_EveryAccountRouteIs404(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	outsider := e.client()
	outsider.login(w.OwnerB.Email, pgtest.Password) // owns organisation B only
	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password) // member of A1 only
	before := auditCount(t, e)
	for _, r := range accountRoutes(t, e) {
		for who, c := range map[string]*client{"owner of another organisation": outsider, "member of another account": viewer} {
			slug := w.AccA1.Slug
			if who == "member of another account" {
				slug = w.AccA2.Slug
			}
			path := strings.ReplaceAll(r[1], "{account}", slug)
			path = strings.ReplaceAll(path, "/*", "/")
			var form url.Values
			if r[0] != http.MethodGet {
				form = url.Values{"name": {"hijacked"}}
			}
			res, body := c.do(r[0], path, form)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s as %s: %d, want 404", r[0], path, who, res.StatusCode)
			}
			if strings.Contains(body, w.AccA1.Name) || strings.Contains(body, w.AccA2.Name) {
				t.Errorf("%s %s as %s: the 404 page names the account", r[0], path, who)
			}
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("requests from another tenant changed something")
	}
	// Unknown accounts answer the same way as other tenants' accounts.
	res, _ := outsider.get("/a/no-such-account/")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown account: %d", res.StatusCode)
	}
}

func TestFavourite_CannotPointAtAnotherTenant(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	res, _ := c.post("/profile/favourite", url.Values{"account": {w.AccB.Slug}})
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("favourite on a foreign account: %d, want 404", res.StatusCode)
	}
	u, err := e.Store.UserByID(context.Background(), w.Viewer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.FavouriteAccountID != 0 {
		t.Fatal("favourite changed to a foreign account")
	}
}

func TestFavourite_ChangeIsAuditedAndLandsNextLogin(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	if err := e.Store.SetFavourite(ctx, w.Agency.ID, w.AccB.ID); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	if res, _ := c.get("/"); res.Header.Get("Location") != "/a/"+w.AccB.Slug+"/" {
		t.Fatalf("landed on %s, want the favourite %s", res.Header.Get("Location"), w.AccB.Slug)
	}
	if res, _ := c.post("/profile/favourite", url.Values{"account": {w.AccA2.Slug}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("star: %d", res.StatusCode)
	}
	events, err := e.Store.AuditForActor(ctx, w.Agency.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || events[0].Action != "Profile > Favourite account" || events[0].AccountID != w.AccA2.ID || events[0].IP == "" {
		t.Fatalf("favourite change not audited: %+v", events)
	}
	c.post("/logout", url.Values{})
	c.login(w.Agency.Email, pgtest.Password)
	if res, _ := c.get("/"); res.Header.Get("Location") != "/a/"+w.AccA2.Slug+"/" {
		t.Fatalf("after starring, landed on %s", res.Header.Get("Location"))
	}
}

func TestLanding_FallsBackWithNotice_ThenRevokedPage(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	if err := e.Store.SetFavourite(ctx, w.Agency.ID, w.AccB.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.SetMembershipStatus(ctx, w.AccB.ID, w.Agency.ID, domain.MembershipDeactivated); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	res, _ := c.get("/")
	if res.Header.Get("Location") != "/a/"+w.AccA1.Slug+"/" {
		t.Fatalf("fallback landed on %s, want oldest membership %s", res.Header.Get("Location"), w.AccA1.Slug)
	}
	_, body := c.get("/a/" + w.AccA1.Slug + "/")
	if !strings.Contains(body, "no longer have access to your favourite account") {
		t.Fatal("fallback landing has no notice")
	}
	res, body = c.get("/a/" + w.AccB.Slug + "/")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Your access to "+w.AccB.Name+" has been revoked") {
		t.Fatalf("deactivated account: %d, body lacks the revoked message", res.StatusCode)
	}
	// The stored favourite is kept, so it works again when access returns.
	u, err := e.Store.UserByID(ctx, w.Agency.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.FavouriteAccountID != w.AccB.ID {
		t.Fatal("the stored favourite was overwritten by the fallback")
	}
	for _, a := range []int64{w.AccA1.ID, w.AccA2.ID} {
		if err := e.Store.SetMembershipStatus(ctx, a, w.Agency.ID, domain.MembershipRemoved); err != nil {
			t.Fatal(err)
		}
	}
	res, body = c.get("/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "has been revoked") {
		t.Fatalf("no account left: %d, want the revoked page", res.StatusCode)
	}
	if err := e.Store.SetMembershipStatus(ctx, w.AccB.ID, w.Agency.ID, domain.MembershipActive); err != nil {
		t.Fatal(err)
	}
	if res, _ := c.get("/"); res.Header.Get("Location") != "/a/"+w.AccB.Slug+"/" {
		t.Fatalf("favourite restored, landed on %s", res.Header.Get("Location"))
	}
}

func TestOrganisationOwner_OpensEveryAccountAsAdministrator(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	// OwnerB becomes an owner of organisation A too, without any membership there.
	if err := e.Store.AddOrganisationOwner(ctx, w.OrgA.ID, w.OwnerB.ID); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(w.OwnerB.Email, pgtest.Password)
	for _, a := range []domain.Account{w.AccA1, w.AccA2} {
		res, body := c.get("/a/" + a.Slug + "/")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Administrator (organisation owner)") {
			t.Fatalf("org owner in %s: %d", a.Name, res.StatusCode)
		}
	}
	_, body := c.get("/accounts?fragment=1")
	for _, name := range []string{w.AccA1.Name, w.AccA2.Name, w.AccB.Name} {
		if !strings.Contains(body, name) {
			t.Errorf("switcher lacks %s", name)
		}
	}
}

func TestOrganisationPage_OwnersOnly_RenameAudited(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	stranger := e.client()
	stranger.login(w.Agency.Email, pgtest.Password) // admin in A1 but not an organisation owner
	if res, _ := stranger.get("/org/" + w.OrgA.Slug + "/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("non-owner on org page: %d", res.StatusCode)
	}
	if res, _ := stranger.post("/org/"+w.OrgA.Slug+"/rename", url.Values{"name": {"Taken"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("non-owner rename: %d", res.StatusCode)
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	res, body := owner.get("/org/" + w.OrgA.Slug + "/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, w.AccA1.Name) || !strings.Contains(body, w.AccA2.Name) {
		t.Fatalf("owner org page: %d", res.StatusCode)
	}
	if res, _ := owner.post("/org/"+w.OrgA.Slug+"/rename", url.Values{"name": {"   "}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("blank name: %d, want 422", res.StatusCode)
	}
	if res, _ := owner.post("/org/"+w.OrgA.Slug+"/rename", url.Values{"name": {strings.Repeat("x", 121)}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("overlong name: %d, want 422", res.StatusCode)
	}
	if res, _ := owner.post("/org/"+w.OrgA.Slug+"/rename", url.Values{"name": {"Alpha Group"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rename: %d", res.StatusCode)
	}
	o, err := e.Store.OrganisationBySlug(ctx, w.OrgA.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Alpha Group" {
		t.Fatalf("name is %q", o.Name)
	}
	events, err := e.Store.AuditForOrganisation(ctx, w.OrgA.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || !strings.HasPrefix(events[0].Action, "Organisation > Rename") || events[0].ActorUserID != w.OwnerA.ID {
		t.Fatalf("rename not audited: %+v", events)
	}
}
