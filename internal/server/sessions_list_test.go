package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/pgtest"
	"atrium/internal/server"
)

var endSessionPath = regexp.MustCompile(`/profile/sessions/(\d+)/end`)

func (c *client) stillSignedIn() bool {
	res, _ := c.get("/profile")
	return res.StatusCode == http.StatusOK
}

func TestSessions_UserListsAndEndsTheirOwn(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	here, there, third := e.client(), e.client(), e.client()
	here.login(w.Agency.Email, pgtest.Password)
	there.login(w.Agency.Email, pgtest.Password)

	_, body := here.get("/profile")
	if strings.Count(body, ">This browser<") != 1 || strings.Count(body, "127.0.0.1") != 2 {
		t.Fatalf("profile lists sessions wrongly:\n%s", body)
	}
	m := endSessionPath.FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("want one other session to sign out, found %d", len(m))
	}
	other := m[0][0]

	// Another user cannot end it: 404, and it keeps working.
	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	if res, _ := viewer.post(other, url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another user's session ended by someone else: %d, want 404", res.StatusCode)
	}
	if !there.stillSignedIn() {
		t.Fatal("a refused end signed the session out")
	}

	if res, _ := here.post(other, url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("end session: %d", res.StatusCode)
	}
	if there.stillSignedIn() {
		t.Fatal("the ended session still works")
	}
	if !here.stillSignedIn() {
		t.Fatal("ending another session signed this one out")
	}
	// Ending it twice says it has already ended.
	if res, _ := here.post(other, url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("ending an ended session: %d, want 404", res.StatusCode)
	}

	third.login(w.Agency.Email, pgtest.Password)
	there.login(w.Agency.Email, pgtest.Password)
	if res, _ := here.post("/profile/sessions/end-others", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("end other sessions: %d", res.StatusCode)
	}
	if _, body := here.get("/profile"); !strings.Contains(body, "Signed out 2 other sessions.") {
		t.Fatal("no confirmation of the sessions signed out")
	}
	if third.stillSignedIn() || there.stillSignedIn() || !here.stillSignedIn() {
		t.Fatal("sign out other sessions: wrong sessions ended")
	}
	var audited int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE actor_user_id = $1
		AND action IN ('Profile > Sign out a session', 'Profile > Sign out other sessions (2)')`, w.Agency.ID).Scan(&audited); err != nil || audited != 2 {
		t.Fatalf("audited %d session ends (%v), want 2", audited, err)
	}
}

func TestSessions_OwnerSignsUserOutEverywhere(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	laptop, phone := e.client(), e.client()
	laptop.login(w.Viewer.Email, pgtest.Password)
	phone.login(w.Viewer.Email, pgtest.Password)
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	path := fmt.Sprintf("/org/%s/users/%d/sessions/end", w.OrgA.Slug, w.Viewer.ID)
	res, _ := owner.post(path, url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", res.StatusCode)
	}
	_, body := owner.get(res.Header.Get("Location"))
	if !strings.Contains(body, "is signed out everywhere (2 sessions ended).") {
		t.Fatal("no confirmation naming the sessions ended")
	}
	if laptop.stillSignedIn() || phone.stillSignedIn() {
		t.Fatal("the user is still signed in somewhere")
	}
	if !owner.stillSignedIn() {
		t.Fatal("the owner was signed out too")
	}
	laptop.login(w.Viewer.Email, pgtest.Password) // and they can sign in again at once
}

// Signing a user out everywhere raises their session epoch as well as deleting their
// session rows: a session whose row comes back (a request in flight, a replayed
// commit) is still refused on its next request, on account pages and elsewhere.
func TestSessions_SignOutEverywhereRaisesTheEpoch(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	laptop := e.client()
	laptop.login(w.Viewer.Email, pgtest.Password)
	token := laptop.sessionCookie().Value
	var data []byte
	var expiry time.Time
	var epoch int
	if err := e.Store.Pool.QueryRow(ctx, `SELECT s.data, s.expiry, u.session_epoch FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1`, auth.HashToken(token)).Scan(&data, &expiry, &epoch); err != nil {
		t.Fatal(err)
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	if res, _ := owner.post(fmt.Sprintf("/org/%s/users/%d/sessions/end", w.OrgA.Slug, w.Viewer.ID), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", res.StatusCode)
	}
	var after int
	if err := e.Store.Pool.QueryRow(ctx, `SELECT session_epoch FROM users WHERE id = $1`, w.Viewer.ID).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after <= epoch {
		t.Errorf("session epoch %d after signing out everywhere, was %d", after, epoch)
	}
	for _, path := range []string{"/a/" + w.AccA1.Slug + "/", "/profile"} {
		// The deleted row comes back exactly as it was.
		if err := e.Store.SaveSession(ctx, auth.HashToken(token), data, expiry); err != nil {
			t.Fatal(err)
		}
		if ok, err := e.Store.SessionExists(ctx, auth.HashToken(token)); err != nil || !ok {
			t.Fatalf("the session row was not restored: %v %v", ok, err)
		}
		if res, _ := laptop.get(path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("GET %s with a restored session row: %d %s, want 303 to /login", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func TestSessions_EndedSessionCannotComeBack(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	token := c.sessionCookie().Value
	if _, err := e.App.EndOtherSessions(ctx, app.Actor{UserID: w.Agency.ID, Email: w.Agency.Email}, "some other token"); err != nil {
		t.Fatal(err)
	}
	if c.stillSignedIn() {
		t.Fatal("session still works after being ended")
	}
	// A request that was still in flight commits the signed-in session afterwards.
	if err := e.Server.CommitSession(ctx, token, map[string]any{server.SessionUserKey: w.Agency.ID}); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Store.SessionExists(ctx, auth.HashToken(token)); err != nil || ok {
		t.Fatalf("an ended session came back: %v %v", ok, err)
	}
	// Sessions of signed-out browsers are still created on commit.
	if err := e.Server.CommitSession(ctx, "fresh-token", map[string]any{"notice": "hello"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Store.SessionExists(ctx, auth.HashToken("fresh-token")); err != nil || !ok {
		t.Fatalf("a signed-out session was not stored: %v %v", ok, err)
	}
}

func TestSessions_AbsoluteLifetime(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	// The session lasts the configured lifetime (12 hours here) from sign-in, however busy.
	var left float64
	if err := e.Store.Pool.QueryRow(ctx, `SELECT extract(epoch FROM expiry - now()) FROM sessions WHERE user_id = $1`, w.Agency.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left < 12*3600-120 || left > 12*3600+5 {
		t.Fatalf("session expires in %.0fs, want 12 hours", left)
	}
	for range 3 {
		c.get("/profile")
	}
	var after float64
	if err := e.Store.Pool.QueryRow(ctx, `SELECT extract(epoch FROM expiry - now()) FROM sessions WHERE user_id = $1`, w.Agency.ID).Scan(&after); err != nil || after > left {
		t.Fatalf("using the session extended it: %.0fs then %.0fs (%v)", left, after, err)
	}
	// Once that time has passed the session is gone.
	e.exec(`UPDATE sessions SET expiry = now() - interval '1 second' WHERE user_id = $1`, w.Agency.ID)
	if c.stillSignedIn() {
		t.Fatal("an expired session still works")
	}
}
