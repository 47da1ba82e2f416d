package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/server"
)

// TestRouteMatrix walks every registered route and calls it as each predefined role,
// as a member of another tenant and signed out; the expected status comes from the
// route's declared guard and the permission catalogue, never from a hand-made list.
func TestRouteMatrix(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	guards := e.Server.Guards()
	routes, ok := e.Server.Routes().(chi.Routes)
	if !ok {
		t.Fatal("not a chi router")
	}
	type route struct{ method, pattern string }
	var all []route
	err := chi.Walk(routes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if pattern == "/static/*" {
			return nil
		}
		if _, ok := guards[method+" "+pattern]; !ok {
			t.Errorf("%s %s has no declared guard", method, pattern)
		}
		all = append(all, route{method, pattern})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// GETs first; ownership transfer and closing last, so earlier calls see the roles
	// as granted.
	weight := func(r route) int {
		switch {
		case strings.HasSuffix(r.pattern, "/transfer"):
			return 3
		case strings.HasSuffix(r.pattern, "/close"):
			return 2
		case r.method == http.MethodPost:
			return 1
		}
		return 0
	}
	sort.SliceStable(all, func(i, j int) bool { return weight(all[i]) < weight(all[j]) })

	// Objects inside account A1 that routes can name.
	var roleID, campaignID, listID int64
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.Store.Pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, 'Matrix role') RETURNING id`, w.AccA1.ID).Scan(&roleID))
	must(e.Store.Pool.QueryRow(ctx, `INSERT INTO campaigns (account_id, name) VALUES ($1, 'Matrix campaign') RETURNING id`, w.AccA1.ID).Scan(&campaignID))
	must(e.Store.Pool.QueryRow(ctx, `INSERT INTO lists (account_id, name) VALUES ($1, 'Matrix list') RETURNING id`, w.AccA1.ID).Scan(&listID))

	staff := pgtest.MustUser(t, e.Store, "staff@matrix.test")
	must(e.Store.SetStaff(ctx, staff.ID, true))
	callers := map[int64]domain.User{domain.OwnerRoleID: w.OwnerA, domain.AdministratorRoleID: w.Agency, domain.ViewerRoleID: w.Viewer}
	for _, id := range []int64{domain.EditorRoleID, domain.ListManagerRoleID} {
		u := pgtest.MustUser(t, e.Store, pgtest.Unique("role")+"@a.test")
		pgtest.MustGrant(t, e.Store, w.AccA1, u, id)
		callers[id] = u
	}

	fill := func(pattern string, target domain.User) string {
		r := strings.NewReplacer("{account}", w.AccA1.Slug, "{org}", w.OrgA.Slug, "{user}", fmt.Sprint(target.ID),
			"{role}", fmt.Sprint(roleID), "{campaign}", fmt.Sprint(campaignID), "{list}", fmt.Sprint(listID), "{token}", "not-a-token")
		return r.Replace(pattern)
	}
	call := func(c *client, r route, target domain.User) int {
		var form url.Values
		if r.method != http.MethodGet {
			form = url.Values{}
		}
		res, _ := c.do(r.method, fill(r.pattern, target), form)
		return res.StatusCode
	}

	for _, role := range domain.PredefinedRoles {
		c := e.client()
		c.login(callers[role.ID].Email, pgtest.Password)
		target := pgtest.MustUser(t, e.Store, pgtest.Unique("target")+"@a.test")
		pgtest.MustGrant(t, e.Store, w.AccA1, target, domain.ViewerRoleID)
		perms := domain.NewPermissionSet(role.Permissions)
		for _, r := range all {
			g := guards[r.method+" "+r.pattern]
			if g.Kind != server.KindAccount || r.pattern == "/logout" {
				continue
			}
			got := call(c, r, target)
			if perms.Has(g.Permission) {
				if got == http.StatusForbidden || got == http.StatusNotImplemented || got >= 500 {
					t.Errorf("%s %s as %s (has %s): %d", r.method, r.pattern, role.Name, g.Permission, got)
				}
			} else if got != http.StatusForbidden {
				t.Errorf("%s %s as %s (lacks %s): %d, want 403", r.method, r.pattern, role.Name, g.Permission, got)
			}
		}
	}

	// Non-account routes: organisation owner, staff, plain user.
	owner, plain, staffC := e.client(), e.client(), e.client()
	owner.login(w.OwnerB.Email, pgtest.Password) // owns organisation B; A's pages are foreign to them
	plain.login(w.Viewer.Email, pgtest.Password)
	staffC.login(staff.Email, pgtest.Password)
	target := w.Viewer
	for _, r := range all {
		g := guards[r.method+" "+r.pattern]
		switch g.Kind {
		case server.KindOrgOwner:
			if got := call(plain, r, target); got != http.StatusNotFound {
				t.Errorf("%s %s as a non-owner: %d, want 404", r.method, r.pattern, got)
			}
			if got := call(owner, r, target); got != http.StatusNotFound {
				t.Errorf("%s %s as the owner of another organisation: %d, want 404", r.method, r.pattern, got)
			}
		case server.KindStaff:
			if got := call(plain, r, target); got != http.StatusNotFound {
				t.Errorf("%s %s as a non-staff user: %d, want 404", r.method, r.pattern, got)
			}
			if r.method == http.MethodGet {
				if got := call(staffC, r, target); got != http.StatusOK {
					t.Errorf("%s %s as staff: %d", r.method, r.pattern, got)
				}
			}
		case server.KindAccount:
			if got := call(owner, r, target); got != http.StatusNotFound {
				t.Errorf("%s %s as a member of another tenant: %d, want 404", r.method, r.pattern, got)
			}
		}
	}
	// Signed out: every guarded route sends to /login.
	anon := e.client()
	for _, r := range all {
		if g := guards[r.method+" "+r.pattern]; g.Kind == server.KindPublic {
			continue
		}
		res, _ := anon.do(r.method, fill(r.pattern, target), map[bool]url.Values{true: {}, false: nil}[r.method != http.MethodGet])
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("%s %s signed out: %d %s", r.method, r.pattern, res.StatusCode, res.Header.Get("Location"))
		}
	}
}
