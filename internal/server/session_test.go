package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/config"
	"atrium/internal/pgtest"
	"atrium/internal/server"
)

func TestSignedOut_RedirectsToLogin(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	for _, path := range []string{"/", "/profile", "/accounts", "/a/" + w.AccA1.Slug + "/", "/org/" + w.OrgA.Slug + "/", "/staff/"} {
		res, _ := c.get(path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("GET %s signed out: %d -> %q, want 303 -> /login", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func TestLogin_RenewsSessionToken(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	// Signing out leaves a signed-out session (it carries the "signed out" notice):
	// the next sign-in on this browser must not keep its token.
	c.login(w.Viewer.Email, pgtest.Password)
	c.post("/logout", url.Values{})
	before := c.sessionCookie()
	if before == nil {
		t.Fatal("no session cookie after signing out")
	}
	if ok, err := e.Store.SessionExists(context.Background(), auth.HashToken(before.Value)); err != nil || !ok {
		t.Fatalf("signed-out session not stored: %v %v", ok, err)
	}
	c.login(w.Agency.Email, pgtest.Password)
	after := c.sessionCookie()
	if after == nil || after.Value == before.Value {
		t.Fatal("the session token was not renewed at sign-in")
	}
	ok, err := e.Store.SessionExists(context.Background(), auth.HashToken(before.Value))
	if err != nil || ok {
		t.Fatalf("pre-login session still stored: %v %v", ok, err)
	}
}

func TestLoginEmailStep_WritesNothing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	before := e.writes.n.Load()
	res, _ := c.post("/login", url.Values{"email": {w.Agency.Email}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/password" {
		t.Fatalf("email step: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if n := e.writes.n.Load() - before; n != 0 {
		t.Fatalf("the email step sent %d write statements, want 0", n)
	}
	if c.sessionCookie() != nil {
		t.Fatal("the email step started a session")
	}
	// The password page shows the email from the step before, in its form.
	res, body := c.get("/login/password")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="email" value="`+w.Agency.Email+`"`) {
		t.Fatalf("password page: %d, email carried: %v", res.StatusCode, strings.Contains(body, w.Agency.Email))
	}
	// A cookie that is not one of ours is ignored, as if there were none.
	for _, v := range []string{"%%%", "not base64!", strings.Repeat("QUFB", 100)} {
		res, _ := e.client().do(http.MethodGet, "/login/password", nil, "Cookie", "atrium_login_email="+v)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Fatalf("password page with login cookie %q: %d %s", v, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// Without the email step there is nothing to ask a password for.
	if res, _ := e.client().get("/login/password"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("password page without an email: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := e.client().post("/login/password", url.Values{"password": {pgtest.Password}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/login" {
		t.Fatalf("password step without an email: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestPasswordStep_CannotSkipSingleSignOn(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	// The viewer's only account now signs in through single sign-on.
	c := e.samlConnectionWithMetadata(w.OrgA, "Alpha SAML", testIdPMetadata)
	if _, err := e.Store.Pool.Exec(ctx, `UPDATE accounts SET login_method = 'sso', sso_connection_id = $2 WHERE id = $1`, w.AccA1.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	before := e.App.Hasher().Computations()
	res, body := e.client().post("/login/password", url.Values{"email": {w.Viewer.Email}, "password": {pgtest.Password}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "single sign-on") {
		t.Fatalf("password posted for an SSO-only account: %d", res.StatusCode)
	}
	if n := e.App.Hasher().Computations() - before; n != 0 {
		t.Fatalf("hashed %d times for a password the policy does not take", n)
	}
	// The email step sends such a user to their identity provider instead.
	if res, _ := e.client().post("/login", url.Values{"email": {w.Viewer.Email}}); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "https://idp.invalid/sso?SAMLRequest=") {
		t.Fatalf("email step for an SSO-only account: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestLogout_ReplayedCookieIsSignedOut(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	old := c.sessionCookie()
	res, _ := c.post("/logout", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if ok, _ := e.Store.SessionExists(context.Background(), auth.HashToken(old.Value)); ok {
		t.Fatal("session row still exists after sign-out")
	}
	replay := e.client()
	u, _ := url.Parse(e.URL)
	replay.jar.SetCookies(u, []*http.Cookie{{Name: old.Name, Value: old.Value, Path: "/"}})
	res, _ = replay.get("/a/" + w.AccA1.Slug + "/")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("replayed cookie: %d -> %s, want redirect to /login", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestLogout_IsPostOnly(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	res, _ := c.get("/logout")
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /logout: %d, want 405", res.StatusCode)
	}
	if res, _ := c.get("/profile"); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /logout ended the session: profile %d", res.StatusCode)
	}
}

func TestEpochBump_EndsEverySessionOnNextRequest(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c1, c2 := e.client(), e.client()
	c1.login(w.Agency.Email, pgtest.Password)
	c2.login(w.Agency.Email, pgtest.Password)
	if err := e.App.BumpSessionEpoch(context.Background(), app.Actor{IsStaff: true, Email: "staff"}, w.Agency.ID); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*client{c1, c2} {
		for _, path := range []string{"/profile", "/a/" + w.AccA1.Slug + "/"} {
			res, _ := c.get(path)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
				t.Errorf("client %d GET %s after epoch bump: %d %s", i, path, res.StatusCode, res.Header.Get("Location"))
			}
		}
	}
}

// An account page checks the session epoch itself: a stale session that goes straight
// to an account page, before any page outside an account, is ended there.
func TestEpochBump_AccountPageFirstEndsTheSession(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	home := "/a/" + w.AccA1.Slug + "/"
	if res, _ := c.get(home); res.StatusCode != http.StatusOK {
		t.Fatalf("account page before the bump: %d", res.StatusCode)
	}
	token := c.sessionCookie().Value
	if err := e.App.BumpSessionEpoch(ctx, app.Actor{IsStaff: true, Email: "staff"}, w.Agency.ID); err != nil {
		t.Fatal(err)
	}
	res, _ := c.get(home)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("account page after the bump: %d %s, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	ok, err := e.Store.SessionExists(ctx, auth.HashToken(token))
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Fatal("the stale session's row survived its redirect to /login")
	}
	// The cookie is worth nothing now, on account pages and elsewhere.
	replay := e.client()
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	replay.jar.SetCookies(u, []*http.Cookie{{Name: e.Server.Sessions().Cookie.Name, Value: token, Path: "/"}})
	for _, path := range []string{home, "/profile"} {
		if res, _ := replay.get(path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("GET %s with the ended session's cookie: %d %s", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestReadRequests_WriteNothing: reading pages writes nothing to the database (not
// even the session) for a session that never entered an account requiring two-factor
// authentication; those are tracked for their idle timeout instead, at most one write
// a minute (TestIdleTimeout_TwoFactorSessions).
func TestReadRequests_WriteNothing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	c.get("/") // the landing redirect; flashes are popped on the first page
	c.get("/a/" + w.AccB.Slug + "/")
	c.get("/a/" + w.AccA1.Slug + "/") // the first page of each account records the entry once
	before := e.writes.any.Load()
	for _, path := range []string{"/a/" + w.AccA1.Slug + "/", "/profile", "/accounts", "/accounts?q=Alpha&fragment=1", "/a/" + w.AccB.Slug + "/"} {
		if res, _ := c.get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
	}
	if n := e.writes.any.Load() - before; n != 0 {
		t.Fatalf("read requests sent %d write statements, want 0", n)
	}
	// The counter itself works: a favourite change writes.
	c.post("/profile/favourite", url.Values{"account": {w.AccA2.Slug}})
	if e.writes.any.Load() == before {
		t.Fatal("write counter saw no write for a favourite change")
	}
}

func TestSessionCookie_Flags(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.post("/login", url.Values{"email": {w.Agency.Email}})
	res, _ := c.post("/login/password", url.Values{"email": {w.Agency.Email}, "password": {pgtest.Password}})
	raw := strings.Join(res.Header.Values("Set-Cookie"), "\n")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(raw, want) {
			t.Errorf("session cookie lacks %s: %s", want, raw)
		}
	}
	if strings.Contains(raw, "Secure") {
		t.Errorf("cookie Secure over plain http breaks local sign-in: %s", raw)
	}
	https := server.NewSessionManager(e.App.SessionRows(), config.Config{BaseURL: "https://atrium.example"})
	if !https.Cookie.Secure || https.Cookie.Name != "__Host-atrium_session" || https.Cookie.Path != "/" {
		t.Fatalf("under https: secure=%v name=%q path=%q", https.Cookie.Secure, https.Cookie.Name, https.Cookie.Path)
	}
}

func TestSignInAndOut_AreAudited(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	c.post("/logout", url.Values{})
	events, err := e.Store.AuditForActor(context.Background(), w.Viewer.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Action != "Sign out" || events[1].Action != "Sign in > Password" || events[1].IP != "127.0.0.1" {
		t.Fatalf("audit events: %+v", events)
	}
}

func TestAccountPages_CostTwoQueries(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	c.get("/")
	c.get("/a/" + w.AccA1.Slug + "/") // pops the landing notice, if any
	get := func(path string) int64 {
		t.Helper()
		before := e.writes.all.Load()
		if res, _ := c.get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return e.writes.all.Load() - before
	}
	// The first page of an account in a session also records the entry: its row and
	// the session's list of recorded accounts.
	if n := get("/a/" + w.AccB.Slug + "/"); n != 4 {
		t.Errorf("first GET of %s in the session ran %d queries, want 4", w.AccB.Slug, n)
	}
	for _, path := range []string{"/a/" + w.AccA1.Slug + "/", "/a/" + w.AccB.Slug + "/", "/a/" + w.AccB.Slug + "/"} {
		// One to load the session, one for the user, account, membership and role.
		if n := get(path); n != 2 {
			t.Errorf("GET %s ran %d queries, want 2", path, n)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if res, body := c.get("/healthz"); res.StatusCode != http.StatusOK || !strings.Contains(body, "ok") {
		t.Fatalf("/healthz: %d", res.StatusCode)
	}
	if res, body := c.get("/readyz"); res.StatusCode != http.StatusOK || !strings.Contains(body, "ready") {
		t.Fatalf("/readyz: %d %s", res.StatusCode, body)
	}
	// With the migration bookkeeping gone, the database is not ready for this binary.
	if _, err := e.Store.Pool.Exec(context.Background(), `ALTER TABLE goose_db_version RENAME TO goose_db_version_away`); err != nil {
		t.Fatal(err)
	}
	if res, _ := c.get("/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with migrations pending: %d, want 503", res.StatusCode)
	}
}
