package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/pgtest"
	"atrium/internal/server"
)

func TestCrossSitePost_Forbidden(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	form := url.Values{"account": {w.AccA2.Slug}}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		req := []string{h[0], h[1]}
		if h[0] == "Origin" {
			req = append(req, "Sec-Fetch-Site", "")
		}
		res, _ := c.do(http.MethodPost, "/profile/favourite", form, req...)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST with %s=%s: %d, want 403", h[0], h[1], res.StatusCode)
		}
	}
	u, _ := e.Store.UserByID(context.Background(), w.Agency.ID)
	if u.FavouriteAccountID == w.AccA2.ID {
		t.Fatal("a cross-site POST changed the favourite")
	}
	res, _ := c.post("/profile/favourite", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d", res.StatusCode)
	}
}

func TestSecurityHeaders_OnEveryHTMLResponse(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	check := func(path string, res *http.Response) {
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", path)
		}
	}
	res, _ := c.get("/login")
	check("/login", res)
	c.login(w.Agency.Email, pgtest.Password)
	for _, p := range []string{"/profile", "/a/" + w.AccA1.Slug + "/", "/a/nope/"} {
		res, body := c.get(p)
		check(p, res)
		if strings.Contains(body, "<script>") {
			t.Errorf("%s has an inline script", p)
		}
	}
}

func TestUnknownEmailAndWrongPassword_SameAnswerSameWork(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	attempt := func(email, password string) (int, string, int64) {
		c := e.client()
		c.post("/login", url.Values{"email": {email}})
		before := e.App.Hasher().Computations()
		res, body := c.post("/login/password", url.Values{"email": {email}, "password": {password}})
		return res.StatusCode, strings.ReplaceAll(body, email, "EMAIL"), e.App.Hasher().Computations() - before
	}
	s1, b1, n1 := attempt(w.Agency.Email, "wrong password!")
	s2, b2, n2 := attempt("nobody@nowhere.test", "wrong password!")
	if s1 != http.StatusUnauthorized || s1 != s2 {
		t.Fatalf("statuses %d and %d, want both 401", s1, s2)
	}
	if b1 != b2 {
		t.Fatal("unknown email and wrong password rendered different pages")
	}
	if n1 != 1 || n2 != 1 {
		t.Fatalf("hash computations: wrong password %d, unknown email %d; want 1 and 1", n1, n2)
	}
	if !strings.Contains(b1, "That email and password do not match.") {
		t.Fatal("no error message shown")
	}
}

func TestLongPassword_Works(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	long := strings.Repeat("correct horse battery staple ", 4) // 116 characters
	hash, err := e.App.Hasher().Hash(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.Store.CreateUser(ctx, "long@pw.test", "Long Password", hash, false)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(u.Email, long)
	c2 := e.client()
	c2.post("/login", url.Values{"email": {u.Email}})
	if res, _ := c2.post("/login/password", url.Values{"email": {u.Email}, "password": {long[:64]}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a truncated long password signed in: %d", res.StatusCode)
	}
}

func TestLogs_NeverCarrySecrets(t *testing.T) {
	// The request log records the path with one-time tokens cut out.
	for path, want := range map[string]string{
		"/set-password/abcDEF123": "/set-password/[token]",
		"/a/acme/":                "/a/acme/",
	} {
		if got := server.RedactPath(path); got != want {
			t.Errorf("redact(%s) = %s, want %s", path, got, want)
		}
	}
}
