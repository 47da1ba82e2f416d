package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// stepUpWorld is a member whose favourite is lax, who also belongs to an account that
// requires two-factor authentication on entry.
type stepUpWorld struct {
	world
	Vault domain.Account
	User  domain.User
}

func (e *env) stepUpWorld() stepUpWorld {
	w := stepUpWorld{world: e.world()}
	w.Vault = e.strictAccount(w.OrgA, "Alpha Vault", w.OwnerA, true)
	w.User = pgtest.MustUser(e.t, e.Store, pgtest.Unique("member")+"@a.test")
	pgtest.MustGrant(e.t, e.Store, w.AccA1, w.User, domain.EditorRoleID)
	pgtest.MustGrant(e.t, e.Store, w.Vault, w.User, domain.EditorRoleID)
	e.favourite(w.User, w.AccA1)
	return w
}

// TestStepUp_PasswordSessionIntoTwoFactorAccount: a session signed in with the
// password only (lax favourite, no 2FA of the user's own) is asked for a code when it
// switches into an account that requires it on entry, and goes on to the page asked
// for; the proof is remembered for the session, under a new token.
func TestStepUp_PasswordSessionIntoTwoFactorAccount(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.stepUpWorld()
	c := e.client()
	c.login(w.User.Email, pgtest.Password)
	// Enrolled after signing in (on another device, say): this session has proven no code.
	totp := e.enrol(w.User)
	lists := "/a/" + w.Vault.Slug + "/lists?q=x"
	res, _ := c.get(lists)
	want := "/step-up?" + url.Values{"account": {w.Vault.Slug}, "next": {lists}}.Encode()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Fatalf("entering the vault: %d %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	// POSTs into it are refused the same way, without doing anything.
	if res, _ := c.post("/a/"+w.Vault.Slug+"/lists", url.Values{"name": {"Sneaky"}}); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/step-up?") {
		t.Fatalf("POST into the vault: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := c.get(want)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Alpha Vault requires two-factor authentication when you switch into it.") {
		t.Fatalf("step-up page: %d\n%s", res.StatusCode, excerpt(body))
	}
	before := c.sessionCookie().Value
	res, _ = c.post("/step-up", url.Values{"account": {w.Vault.Slug}, "next": {lists}, "code": {wrongCode(t, totp.secret, clk.now())}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong step-up code: %d", res.StatusCode)
	}
	res, _ = c.post("/step-up", url.Values{"account": {w.Vault.Slug}, "next": {lists}, "code": {code(t, totp.secret, clk.now())}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != lists {
		t.Fatalf("step-up code: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if c.sessionCookie().Value == before {
		t.Fatal("the step-up kept the session's token")
	}
	for _, path := range []string{lists, "/a/" + w.Vault.Slug + "/", "/a/" + w.AccA1.Slug + "/"} {
		if res, _ := c.get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s after the step-up: %d", path, res.StatusCode)
		}
	}
	// The old token is gone.
	replay := e.client()
	u, _ := url.Parse(e.URL)
	replay.jar.SetCookies(u, []*http.Cookie{{Name: e.Server.Sessions().Cookie.Name, Value: before, Path: "/"}})
	if res, _ := replay.get("/profile"); res.Header.Get("Location") != "/login" {
		t.Fatalf("the token before the step-up still works: %d", res.StatusCode)
	}
	events, err := e.Store.AuditForActor(context.Background(), w.User.ID, 5)
	if err != nil || events[0].Action != "Step-up > Alpha Vault > Authenticator code" || events[0].AccountID != w.Vault.ID {
		t.Fatalf("audit: %+v %v", events, err)
	}
}

// TestStepUp_OrganisationOwnerIsBoundToo: the organisation's owner opens its accounts
// as administrator, and a step-up account asks them too.
func TestStepUp_OrganisationOwnerIsBoundToo(t *testing.T) {
	e := newEnv(t)
	e.useClock()
	w := e.stepUpWorld()
	c := e.client()
	c.login(w.OwnerB.Email, pgtest.Password)
	vaultB := e.strictAccount(w.OrgB, "Beta Vault", w.OwnerB, true)
	if res, _ := c.get("/a/" + vaultB.Slug + "/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/step-up?") {
		t.Fatalf("organisation owner entering a step-up account: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Not enrolled: the step-up page sends them to set it up first, then back.
	res, body := c.get("/step-up?account=" + vaultB.Slug)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/profile/two-factor?next=%2Fa%2F`+vaultB.Slug+`%2F"`) {
		t.Fatalf("step-up page for a user without 2FA: %d\n%s", res.StatusCode, excerpt(body))
	}
	// Strangers learn nothing of the account's rules.
	stranger := e.client()
	stranger.login(w.Viewer.Email, pgtest.Password)
	if res, _ := stranger.get("/step-up?account=" + vaultB.Slug); res.StatusCode != http.StatusNotFound {
		t.Fatalf("step-up page of a foreign account: %d", res.StatusCode)
	}
	// A lax account that requires 2FA without step-up asks nothing of a password session.
	lax := e.strictAccount(w.OrgB, "Beta Lax", w.OwnerB, false)
	if res, _ := c.get("/a/" + lax.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("2FA account without step-up: %d", res.StatusCode)
	}
}

func TestStepUp_NextMustBeSameSite(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.stepUpWorld()
	c := e.client()
	c.login(w.User.Email, pgtest.Password)
	totp := e.enrol(w.User)
	for _, bad := range []string{"https://evil.test/", "//evil.test/", "/\\evil.test", "javascript:alert(1)", "/a/x\n"} {
		res, _ := c.post("/step-up", url.Values{"account": {w.Vault.Slug}, "next": {bad}, "code": {code(t, totp.secret, clk.now())}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("step-up with next %q: %d, want 422", bad, res.StatusCode)
		}
	}
	// In a GET a bad next falls back to the account's home.
	res, _ := c.post("/step-up", url.Values{"account": {w.Vault.Slug}, "code": {code(t, totp.secret, clk.now())}})
	if res.Header.Get("Location") != "/a/"+w.Vault.Slug+"/" {
		t.Fatalf("step-up without next goes to %q", res.Header.Get("Location"))
	}
}

// TestIdleTimeout_TwoFactorSessions: a session that entered an account requiring
// two-factor authentication ends after 30 minutes without a request, and tracks its
// activity with at most one write a minute.
func TestIdleTimeout_TwoFactorSessions(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	c := e.client()
	c.password(w.User.Email, pgtest.Password)
	c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}})
	home := "/a/" + w.Strict.Slug + "/"
	if res, _ := c.get(home); res.StatusCode != http.StatusOK {
		t.Fatalf("home: %d", res.StatusCode)
	}
	reads := func(paths ...string) int64 {
		before := e.writes.any.Load()
		for _, p := range paths {
			if res, _ := c.get(p); res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", p, res.StatusCode)
			}
		}
		return e.writes.any.Load() - before
	}
	pages := []string{home, "/profile", "/a/" + w.AccA1.Slug + "/", home}
	c.get("/a/" + w.AccA1.Slug + "/") // the first page of an account in a session records the entry, once
	if n := reads(pages...); n != 0 {
		t.Fatalf("reads within a minute wrote %d times, want 0", n)
	}
	clk.add(61 * time.Second)
	if n := reads(pages...); n != 1 {
		t.Fatalf("reads a minute later wrote %d times, want 1", n)
	}
	// 29 minutes idle: still signed in.
	clk.add(29 * time.Minute)
	if n := reads(home); n != 1 {
		t.Fatalf("a read after 29 idle minutes wrote %d times, want 1", n)
	}
	clk.add(30*time.Minute + time.Second)
	res, _ := c.get("/profile")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("after 30 idle minutes: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := c.get("/login"); !strings.Contains(body, "30 minutes without activity") {
		t.Fatal("/login does not say why the session ended")
	}
	if res, _ := c.get(home); res.Header.Get("Location") != "/login" {
		t.Fatal("the idle session came back")
	}
	// A session that never entered such an account has no idle timeout.
	plain := e.client()
	plain.login(w.Viewer.Email, pgtest.Password)
	clk.add(2 * time.Hour)
	if res, _ := plain.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("a lax session after two idle hours: %d", res.StatusCode)
	}
}
