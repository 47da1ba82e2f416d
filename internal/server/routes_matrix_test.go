package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/server"
)

// matrixRoute is one registered method and pattern.
type matrixRoute struct{ method, pattern string }

// walkRoutes lists every route of the real router but the static files, failing the
// test for a route registered without a guard.
func walkRoutes(t *testing.T, s *server.Server) []matrixRoute {
	t.Helper()
	guards := s.Guards()
	routes, ok := s.Routes().(chi.Routes)
	if !ok {
		t.Fatal("not a chi router")
	}
	var all []matrixRoute
	err := chi.Walk(routes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if pattern == "/static/*" {
			return nil
		}
		if _, ok := guards[method+" "+pattern]; !ok {
			t.Errorf("%s %s has no declared guard", method, pattern)
		}
		all = append(all, matrixRoute{method, pattern})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// matrixObjects are the objects a route's URL names. Each permitted call gets fresh
// ones, so an earlier call (a role deleted, a member removed, a campaign published)
// never leaves a later call with a stale id: a permitted caller naming an object that
// exists must never get 404 or 409.
type matrixObjects struct {
	target               domain.User // a Viewer of account A1, listed in organisation A
	role, campaign, list int64       // of account A1
	session              int64       // another session of the caller
	token                string      // of a valid set-password link, and of a pending invitation to a new email
	mail                 int64       // a failed outbox message
	invitation, request  int64       // a pending invitation and an open access request of account A1
	resetToken           string      // of a valid password-reset link
	emailToken           string      // of a valid email-change confirmation link
	connection           int64       // a SAML connection of organisation A
	linkToken            string      // of a valid SSO link confirmation
	accountSlug, orgSlug string
}

func (o matrixObjects) path(pattern string) string {
	token := o.token
	switch {
	case strings.HasPrefix(pattern, "/reset-password/"):
		token = o.resetToken
	case strings.HasPrefix(pattern, "/confirm-email/"):
		token = o.emailToken
	case strings.HasPrefix(pattern, "/sso/link/"):
		token = o.linkToken
	}
	return strings.NewReplacer("{account}", o.accountSlug, "{org}", o.orgSlug, "{user}", fmt.Sprint(o.target.ID),
		"{role}", fmt.Sprint(o.role), "{campaign}", fmt.Sprint(o.campaign), "{list}", fmt.Sprint(o.list),
		"{session}", fmt.Sprint(o.session), "{token}", token, "{id}", fmt.Sprint(o.mail), "{invitation}", fmt.Sprint(o.invitation),
		"{request}", fmt.Sprint(o.request), "{connection}", fmt.Sprint(o.connection)).Replace(pattern)
}

// TestRouteMatrix walks every registered route and calls it as each predefined role,
// as an organisation owner, as staff, as a plain user, as a member of another tenant
// and signed out. Who is refused comes from the route's declared guard (itself pinned
// by TestRouteGuardsGolden); a caller the guard admits must get 2xx, 3xx or 422 (an
// empty form is bad input), never 403, 404, 409 or 5xx.
func TestRouteMatrix(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	guards := e.Server.Guards()
	all := walkRoutes(t, e.Server)
	// GETs first; ownership transfer, closing and leaving last, so earlier calls see
	// the roles as granted, the account open and the caller still a member.
	weight := func(r matrixRoute) int {
		switch {
		case strings.HasSuffix(r.pattern, "/leave"):
			return 4
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

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// fresh makes new objects for one call by caller, signing the caller in once more
	// for a session of theirs to end.
	conn := e.samlConnectionWithMetadata(w.OrgA, "Matrix SAML", testIdPMetadata)
	fresh := func(caller domain.User) matrixObjects {
		t.Helper()
		o := matrixObjects{accountSlug: w.AccA1.Slug, orgSlug: w.OrgA.Slug, connection: conn.ID}
		o.target = pgtest.MustUser(t, e.Store, pgtest.Unique("target")+"@a.test")
		pgtest.MustGrant(t, e.Store, w.AccA1, o.target, domain.ViewerRoleID)
		must(e.Store.Pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, pgtest.Unique("Matrix role")).Scan(&o.role))
		must(e.Store.Pool.QueryRow(ctx, `INSERT INTO campaigns (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, pgtest.Unique("Matrix campaign")).Scan(&o.campaign))
		must(e.Store.Pool.QueryRow(ctx, `INSERT INTO lists (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, pgtest.Unique("Matrix list")).Scan(&o.list))
		must(e.Store.Pool.QueryRow(ctx, `INSERT INTO mail_outbox (message_id, kind, to_address, subject, text_body, html_body, status, attempts, last_error)
			VALUES ($1, 'test', 'x@a.test', 'Matrix mail', 't', '<p>h</p>', 'failed', 8, 'refused') RETURNING id`, "<"+pgtest.Unique("matrix")+"@a.test>").Scan(&o.mail))
		if caller.ID != 0 {
			other := e.client()
			other.login(caller.Email, pgtest.Password)
			must(e.Store.Pool.QueryRow(ctx, `SELECT id FROM sessions WHERE token_hash = $1`, auth.HashToken(other.sessionCookie().Value)).Scan(&o.session))
		}
		token, hash := auth.NewToken()
		must(e.Store.CreatePasswordToken(ctx, o.target.ID, hash, time.Now().Add(time.Hour), "test"))
		o.token = token
		must(e.Store.Pool.QueryRow(ctx, `INSERT INTO invitations (account_id, email, first_name, role_id, role_name, invited_by,
			last_sent_at, expires_at) VALUES ($1, $2, 'Matrix', $3, 'Viewer', $4, now(), now() + interval '1 day') RETURNING id`,
			w.AccA1.ID, pgtest.Unique("invitee")+"@new.test", domain.ViewerRoleID, w.OwnerA.ID).Scan(&o.invitation))
		e.exec(`INSERT INTO invitation_tokens (token_hash, invitation_id) VALUES ($1, $2)`, hash, o.invitation)
		must(e.Store.Pool.QueryRow(ctx, `INSERT INTO access_requests (account_id, user_id, permission, role_name_before)
			VALUES ($1, $2, 'campaigns.edit', 'Viewer') RETURNING id`, w.AccA1.ID, o.target.ID).Scan(&o.request))
		o.resetToken = resetToken(t, e, pgtest.MustUser(t, e.Store, pgtest.Unique("reset")+"@a.test"))
		o.emailToken = emailChangeToken(t, e, o.target)
		o.linkToken = e.ssoLinkToken(conn, o.target)
		return o
	}
	// stale is one set of objects for refused callers: they never reach the handler.
	stale := fresh(domain.User{})
	// Routes whose object is named in the form rather than the URL get a form naming
	// one; every other POST gets an empty form.
	forms := map[string]url.Values{
		"POST /profile/favourite":                    {"account": {w.AccA1.Slug}},
		"POST /org/{org}/users/{user}/access/remove": {"account": {fmt.Sprint(w.AccA1.ID)}},
	}
	call := func(c *client, r matrixRoute, o matrixObjects) (int, string) {
		var form url.Values
		if f, ok := forms[r.method+" "+r.pattern]; ok {
			form = f
		} else if r.method != http.MethodGet {
			form = url.Values{}
		}
		res, body := c.do(r.method, o.path(r.pattern), form)
		return res.StatusCode, body
	}
	admitted := func(who string, c *client, caller domain.User, r matrixRoute) {
		t.Helper()
		o := fresh(caller)
		if got, body := call(c, r, o); !(got >= 200 && got < 400 || got == http.StatusUnprocessableEntity) {
			t.Errorf("%s %s as %s: %d, want 2xx, 3xx or 422\n%s", r.method, o.path(r.pattern), who, got, excerpt(body))
		}
	}

	staff := pgtest.MustUser(t, e.Store, "staff@matrix.test")
	must(e.Store.SetStaff(ctx, staff.ID, true))
	callers := map[int64]domain.User{domain.OwnerRoleID: w.OwnerA, domain.AdministratorRoleID: w.Agency, domain.ViewerRoleID: w.Viewer}
	for _, id := range []int64{domain.EditorRoleID, domain.ListManagerRoleID} {
		u := pgtest.MustUser(t, e.Store, pgtest.Unique("role")+"@a.test")
		pgtest.MustGrant(t, e.Store, w.AccA1, u, id)
		callers[id] = u
	}

	for _, role := range domain.PredefinedRoles {
		c := e.client()
		c.login(callers[role.ID].Email, pgtest.Password)
		perms := domain.NewPermissionSet(role.Permissions)
		for _, r := range all {
			g := guards[r.method+" "+r.pattern]
			if g.Kind != server.KindAccount {
				continue
			}
			if perms.Has(g.Permission) {
				admitted(role.Name+" (has "+string(g.Permission)+")", c, callers[role.ID], r)
			} else if got, _ := call(c, r, stale); got != http.StatusForbidden {
				t.Errorf("%s %s as %s (lacks %s): %d, want 403", r.method, r.pattern, role.Name, g.Permission, got)
			}
		}
	}

	// Each role's last call left account A1 (POST /leave): give the callers their
	// memberships back for the calls that follow.
	for _, u := range callers {
		e.exec(`UPDATE memberships SET status = 'active' WHERE account_id = $1 AND user_id = $2`, w.AccA1.ID, u.ID)
	}

	// Non-account routes: organisation owner, staff, plain user, anyone.
	orgOwner, otherOwner, plain, staffC := e.client(), e.client(), e.client(), e.client()
	orgOwner.login(w.OwnerA.Email, pgtest.Password)
	otherOwner.login(w.OwnerB.Email, pgtest.Password) // owns organisation B; A's pages are foreign to them
	plain.login(w.Viewer.Email, pgtest.Password)
	staffC.login(staff.Email, pgtest.Password)
	for _, r := range all {
		g := guards[r.method+" "+r.pattern]
		switch g.Kind {
		case server.KindPublic:
			admitted("anyone", e.client(), domain.User{}, r)
		case server.KindUser:
			admitted("a signed-in user", plain, w.Viewer, r)
		case server.KindOrgOwner:
			if got, _ := call(plain, r, stale); got != http.StatusNotFound {
				t.Errorf("%s %s as a non-owner: %d, want 404", r.method, r.pattern, got)
			}
			if got, _ := call(otherOwner, r, stale); got != http.StatusNotFound {
				t.Errorf("%s %s as the owner of another organisation: %d, want 404", r.method, r.pattern, got)
			}
			admitted("the organisation's owner", orgOwner, w.OwnerA, r)
		case server.KindStaff:
			if got, _ := call(plain, r, stale); got != http.StatusNotFound {
				t.Errorf("%s %s as a non-staff user: %d, want 404", r.method, r.pattern, got)
			}
			admitted("staff", staffC, staff, r)
		case server.KindAccount:
			if got, _ := call(otherOwner, r, stale); got != http.StatusNotFound {
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
		res, _ := anon.do(r.method, stale.path(r.pattern), map[bool]url.Values{true: {}, false: nil}[r.method != http.MethodGet])
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("%s %s signed out: %d %s", r.method, r.pattern, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// excerpt is the start of a response body, for failure messages.
func excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return body
}
