package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/pgtest"
)

func TestSetPasswordLink_MalformedTokenAsksNothing(t *testing.T) {
	e := newEnv(t)
	good := strings.Repeat("A", 43)
	for _, tok := range []string{"not-a-token", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("A", 42) + "+",
		strings.Repeat("A", 42) + "B", "%00" + strings.Repeat("A", 40)} {
		c := e.client()
		before := e.writes.all.Load()
		res, body := c.get("/set-password/" + tok)
		if res.StatusCode != http.StatusNotFound || (!strings.Contains(tok, "%") && !strings.Contains(body, "This link is not valid")) {
			t.Errorf("GET /set-password/%s: %d, want 404", tok, res.StatusCode)
		}
		res, _ = c.post("/set-password/"+tok, url.Values{"password": {"a fine new password"}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST /set-password/%s: %d, want 404", tok, res.StatusCode)
		}
		if n := e.writes.all.Load() - before; n != 0 {
			t.Errorf("token %q: %d statements sent to the database, want none", tok, n)
		}
	}
	// A well-formed unknown token is looked up (and not found).
	before := e.writes.all.Load()
	if res, _ := e.client().get("/set-password/" + good); res.StatusCode != http.StatusNotFound || e.writes.all.Load() == before {
		t.Fatalf("well-formed unknown token: %d, %d statements", res.StatusCode, e.writes.all.Load()-before)
	}
}

func TestSearchBoxes_CutByCharacters(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	// 99 ASCII letters then "é": byte 100 falls inside the "é".
	q := url.QueryEscape(strings.Repeat("a", 99) + "é")
	for _, path := range []string{"/accounts?q=" + q, "/accounts?fragment=1&q=" + q, "/a/" + w.AccA1.Slug + "/members?q=" + q,
		"/org/" + w.OrgA.Slug + "/users?q=" + q, "/a/" + w.AccA1.Slug + "/activity?filter=" + q, "/org/" + w.OrgA.Slug + "/activity?filter=" + q} {
		res, body := owner.get(path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, res.StatusCode)
		}
		if strings.Contains(body, "\xc3\"") || strings.Contains(body, "\ufffd") {
			t.Errorf("GET %s: the query was cut inside a character", path)
		}
	}
}
