package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func sessionRows(t *testing.T, e *env) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLogout_AnonymousStartsNoSession(t *testing.T) {
	e := newEnv(t)
	before := sessionRows(t, e)
	c := e.client()
	for range 3 {
		res, _ := c.post("/logout", url.Values{})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Fatalf("anonymous logout: %d %s, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
		}
	}
	if got := sessionRows(t, e); got != before {
		t.Fatalf("anonymous POST /logout: %d session rows, had %d", got, before)
	}
	if c.sessionCookie() != nil {
		t.Fatal("anonymous POST /logout set a session cookie")
	}
}

func TestStatic_ServesFilesButListsNoFolder(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, path := range []string{"/static/", "/static/.", "/static//", "/static/app.css/", "/static/nope.css"} {
		res, body := c.get(path)
		if res.StatusCode != http.StatusNotFound || strings.Contains(body, "app.css") {
			t.Errorf("GET %s: %d, want 404 without a listing", path, res.StatusCode)
		}
	}
	res, body := c.get("/static/app.css")
	if res.StatusCode != http.StatusOK || len(body) == 0 || res.Header.Get("Cache-Control") != "public, max-age=86400" {
		t.Fatalf("GET /static/app.css: %d (%d bytes, %q)", res.StatusCode, len(body), res.Header.Get("Cache-Control"))
	}
}
