package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLogin_InvalidEmailRefusedBeforeAnyWork(t *testing.T) {
	e := newEnv(t)
	e.world()
	const invalid = "That is not an email address. Enter one like name@example.com."
	const tooLong = "That is too long for an email address (at most 254 characters)."
	for _, c := range []struct{ name, email, message string }{
		{"6,000 characters", strings.Repeat("a", 5993) + "@x.test", tooLong},
		{"255 characters", strings.Repeat("a", 248) + "@x.test", tooLong},
		{"no @", "nobody.x.test", invalid},
		{"nothing before @", "@x.test", invalid},
		{"nothing after @", "nobody@", invalid},
		{"NUL", "no\x00body@x.test", invalid},
		{"control character", "no\x07body@x.test", invalid},
		{"white space inside", "no body@x.test", invalid},
		{"not UTF-8", "no\xffbody@x.test", invalid},
	} {
		for _, path := range []string{"/login", "/login/password"} {
			hashes, writes := e.App.Hasher().Computations(), e.writes.n.Load()
			res, body := e.client().post(path, url.Values{"email": {c.email}, "password": {"a guess"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `action="/login"`) ||
				!strings.Contains(body, c.message) {
				t.Errorf("%s on %s: %d, want 422 with the email form and %q", c.name, path, res.StatusCode, c.message)
			}
			if n := e.App.Hasher().Computations() - hashes; n != 0 {
				t.Errorf("%s on %s: %d hashes, want 0", c.name, path, n)
			}
			if n := e.writes.n.Load() - writes; n != 0 {
				t.Errorf("%s on %s: %d database writes, want 0", c.name, path, n)
			}
		}
	}
	var rows int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM login_throttles`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d throttle rows after refused emails (%v), want 0", rows, err)
	}
	// At the limit, and beyond ASCII, an email is taken.
	for _, email := range []string{strings.Repeat("a", 247) + "@x.test", "ünï@exämple.test"} {
		if res, _ := e.client().post("/login", url.Values{"email": {email}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("email step for a %d-byte email %q…: %d, want 303", len(email), email[:4], res.StatusCode)
		}
		if res, _, hashes := e.attempt(email, "a guess"); res.StatusCode != http.StatusUnauthorized || hashes != 1 {
			t.Errorf("password step for a %d-byte email: %d, %d hashes; want 401 after one", len(email), res.StatusCode, hashes)
		}
	}
}
