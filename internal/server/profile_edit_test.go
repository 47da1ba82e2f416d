package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/auth"
	"atrium/internal/pgtest"
)

func TestProfile_ChangeName(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	if res, body := c.post("/profile/name", url.Values{"full_name": {"   "}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enter a name.") {
		t.Fatalf("blank name: %d", res.StatusCode)
	}
	if res, _ := c.post("/profile/name", url.Values{"full_name": {"  Vera   Viewer "}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change name: %d", res.StatusCode)
	}
	if _, body := c.get("/profile"); !strings.Contains(body, "Your name is now Vera Viewer.") || !strings.Contains(body, "<dd>Vera Viewer</dd>") {
		t.Fatal("the profile does not show the new name")
	}
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND action LIKE 'Profile > Change name (% → Vera Viewer)'`,
		w.Viewer.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("name change audited %d times (%v)", n, err)
	}
}

func TestProfile_ChangePasswordEndsOtherSessionsAndRenewsThisOne(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	here, there := e.client(), e.client()
	here.login(w.Agency.Email, pgtest.Password)
	there.login(w.Agency.Email, pgtest.Password)
	const next = "a much better passphrase"

	if res, body := here.post("/profile/password", url.Values{"current_password": {"not it"}, "new_password": {next}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "That is not your current password.") {
		t.Fatalf("wrong current password: %d", res.StatusCode)
	}
	var failures int
	if err := e.Store.Pool.QueryRow(ctx, `SELECT failures FROM login_throttles WHERE key = $1`, "email:"+w.Agency.Email).Scan(&failures); err != nil || failures != 1 {
		t.Fatalf("a wrong current password counted %d failures (%v), want 1", failures, err)
	}
	if res, body := here.post("/profile/password", url.Values{"current_password": {pgtest.Password}, "new_password": {"short"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "at least") {
		t.Fatalf("short new password: %d", res.StatusCode)
	}
	before := here.sessionCookie().Value
	if res, _ := here.post("/profile/password", url.Values{"current_password": {pgtest.Password}, "new_password": {next}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", res.StatusCode)
	}
	after := here.sessionCookie()
	if after == nil || after.Value == before {
		t.Fatal("this session's token was not renewed")
	}
	if ok, _ := e.Store.SessionExists(ctx, auth.HashToken(before)); ok {
		t.Fatal("the old token still has a session")
	}
	res, body := here.get("/profile")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Your password is changed.") || strings.Count(body, ">This browser<") != 1 {
		t.Fatalf("this session after the change: %d", res.StatusCode)
	}
	if there.stillSignedIn() {
		t.Fatal("another session survived the password change")
	}
	if res, _, _ := e.attempt(w.Agency.Email, pgtest.Password); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the old password still signs in: %d", res.StatusCode)
	}
	e.client().login(w.Agency.Email, next)
}

func TestProfile_ChangePasswordIsThrottled(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ($1, 9, now())`, "email:"+w.Viewer.Email)
	res, body := c.post("/profile/password", url.Values{"current_password": {pgtest.Password}, "new_password": {"another good passphrase"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed") {
		t.Fatalf("throttled password change: %d", res.StatusCode)
	}
}
