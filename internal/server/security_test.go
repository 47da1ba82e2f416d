package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"atrium/internal/auth"
	"atrium/internal/pgtest"
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

// logBuffer collects what the server logs from its request goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The server's real log, at every level, through a set-password link, a failed and a
// successful sign-in, a password change and a sign-out, carries none of the secrets
// that passed through it: passwords, session cookie tokens, the set-password token and
// the email-step cookie.
func TestLogs_NeverCarrySecrets(t *testing.T) {
	logs := &logBuffer{}
	e := newEnv(t, logs)
	ctx := context.Background()
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("logged")+"@a.test")
	token, hash := auth.NewToken()
	if err := e.Store.CreatePasswordToken(ctx, u.ID, hash, time.Now().Add(time.Hour), "test"); err != nil {
		t.Fatal(err)
	}
	const linkPassword, wrongPassword, newPassword = "set through the link 1", "not the password 22", "changed on the profile 333"
	// secrets maps each secret value to what it is.
	secrets := map[string]string{token: "the set-password token", linkPassword: "the password set through the link",
		wrongPassword: "a wrong password", newPassword: "the changed password"}
	sessionCookie, emailCookie := e.Server.Sessions().Cookie.Name, "atrium_login_email"
	seen := map[string]int{}
	c := e.client()
	// step expects a response's status and keeps the cookie values it sets.
	step := func(name string, res *http.Response, want int) {
		t.Helper()
		if res.StatusCode != want {
			t.Fatalf("%s: %d, want %d", name, res.StatusCode, want)
		}
		for _, ck := range res.Cookies() {
			if ck.Value != "" && secrets[ck.Value] == "" {
				secrets[ck.Value] = "the " + ck.Name + " cookie set by the " + name
				seen[ck.Name]++
			}
		}
	}
	link := "/set-password/" + token
	res, _ := c.get(link)
	step("set-password page", res, http.StatusOK)
	res, _ = c.post(link, url.Values{"password": {linkPassword}})
	step("set-password form", res, http.StatusSeeOther)
	res, _ = c.post("/login", url.Values{"email": {u.Email}})
	step("email step", res, http.StatusSeeOther)
	res, _ = c.post("/login/password", url.Values{"email": {u.Email}, "password": {wrongPassword}})
	step("wrong password", res, http.StatusUnauthorized)
	res, _ = c.post("/login/password", url.Values{"email": {u.Email}, "password": {linkPassword}})
	step("sign-in", res, http.StatusSeeOther)
	res, _ = c.post("/profile/password", url.Values{"current_password": {linkPassword}, "new_password": {newPassword}})
	step("password change", res, http.StatusSeeOther)
	res, _ = c.post("/logout", url.Values{})
	step("sign-out", res, http.StatusSeeOther)
	// Sign-in and the password change each set a new session token; the email step
	// set its cookie.
	if seen[sessionCookie] < 2 || seen[emailCookie] < 1 {
		t.Fatalf("cookies set: %v, want at least 2 %s and 1 %s", seen, sessionCookie, emailCookie)
	}

	out := logs.String()
	// The log is the server's: every step left its request line.
	for _, want := range []string{"path=/set-password/[token]", "path=/login ", "path=/login/password status=401",
		"path=/login/password status=303", "path=/profile/password", "path=/logout"} {
		if !strings.Contains(out, want) {
			t.Errorf("no request line with %q in the log:\n%s", want, out)
		}
	}
	for secret, what := range secrets {
		for _, form := range []string{secret, url.QueryEscape(secret), strconv.Quote(secret)} {
			if strings.Contains(out, form) {
				t.Errorf("the log carries %s (%q)", what, form)
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", out)
	}
}
