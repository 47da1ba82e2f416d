package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// spLink stores a new set-password link for u the way the app does and returns its path.
func spLink(t *testing.T, e *env, u domain.User) string {
	t.Helper()
	token, hash := auth.NewToken()
	if err := e.Store.CreatePasswordToken(context.Background(), u.ID, hash, time.Now().Add(app.SetPasswordTTL), "test"); err != nil {
		t.Fatal(err)
	}
	return "/set-password/" + token
}

// spState is what a set-password link may change: the user's password hash and
// session epoch, and how many passwords were set through links.
type spState struct {
	hash  string
	epoch int
	sets  int
}

func spRead(t *testing.T, e *env, u domain.User) spState {
	t.Helper()
	var s spState
	err := e.Store.Pool.QueryRow(context.Background(), `SELECT coalesce(password_hash, ''), session_epoch,
		(SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND action = 'Profile > Set password')
		FROM users WHERE id = $1`, u.ID).Scan(&s.hash, &s.epoch, &s.sets)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// spRefused expects the link's page and its form to be refused with msg, changing nothing.
func spRefused(t *testing.T, e *env, u domain.User, link, msg string) {
	t.Helper()
	before := spRead(t, e, u)
	c := e.client()
	if res, body := c.get(link); res.StatusCode == http.StatusOK || !strings.Contains(body, msg) {
		t.Errorf("GET %s: %d, want a refusal saying %q", link, res.StatusCode, msg)
	}
	if res, body := c.post(link, url.Values{"password": {"a brand new password"}}); res.StatusCode < 400 || !strings.Contains(body, msg) {
		t.Errorf("POST %s: %d, want a refusal saying %q", link, res.StatusCode, msg)
	}
	if after := spRead(t, e, u); after != before {
		t.Errorf("a refused link changed the user: password changed %v, session epoch %d then %d, passwords set %d then %d",
			after.hash != before.hash, before.epoch, after.epoch, before.sets, after.sets)
	}
	if res, _, _ := e.attempt(u.Email, "a brand new password"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the password posted to a refused link signs in: %d", res.StatusCode)
	}
}

// spSet sets password through the link and expects the redirect to sign in.
func spSet(t *testing.T, e *env, link, password string) {
	t.Helper()
	c := e.client()
	if res, _ := c.get(link); res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, want the form", link, res.StatusCode)
	}
	if res, body := c.post(link, url.Values{"password": {password}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("POST %s: %d %s\n%s", link, res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
}

func TestSetPasswordLink_ExpiredIsRefused(t *testing.T) {
	e := newEnv(t)
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("expired")+"@a.test")
	link := spLink(t, e, u)
	if res, _ := e.client().get(link); res.StatusCode != http.StatusOK {
		t.Fatalf("fresh link: %d, want the form", res.StatusCode)
	}
	e.exec(`UPDATE password_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, u.ID)
	spRefused(t, e, u, link, "This link has expired.")
}

func TestSetPasswordLink_NewerLinkEndsTheOlder(t *testing.T) {
	e := newEnv(t)
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("relinked")+"@a.test")
	first := spLink(t, e, u)
	second := spLink(t, e, u)
	spRefused(t, e, u, first, "This link has already been used.")
	before := spRead(t, e, u)
	spSet(t, e, second, "the second link's password")
	if after := spRead(t, e, u); after.hash == before.hash || after.epoch <= before.epoch || after.sets != before.sets+1 {
		t.Fatalf("the newer link: password changed %v, session epoch %d then %d, passwords set %d then %d",
			after.hash != before.hash, before.epoch, after.epoch, before.sets, after.sets)
	}
	e.client().login(u.Email, "the second link's password")
}

func TestSetPasswordLink_WorksOnce(t *testing.T) {
	e := newEnv(t)
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("once")+"@a.test")
	link := spLink(t, e, u)
	spSet(t, e, link, "the first password set")
	spRefused(t, e, u, link, "This link has already been used.")
	e.client().login(u.Email, "the first password set")
}
