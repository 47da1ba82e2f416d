package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

func TestOrgUsers_ExistsAnswersAuditedAndLimited(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	ctx := context.Background()
	var existing []domain.User
	for i := range app.ExistsProbeLimit {
		existing = append(existing, pgtest.MustUser(t, e.Store, "taken"+strconv.Itoa(i)+"-"+pgtest.Unique("u")+"@probe.test"))
	}
	for _, u := range existing {
		res, body := c.post(ouPath(w.OrgA), ouInviteForm("Someone", u.Email, w.AccA1, domain.ViewerRoleID))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Sorry, that user already exists") {
			t.Fatalf("probe of %s: %d, want 422 with the answer", u.Email, res.StatusCode)
		}
		if ouAudit(t, e, w.OrgA.ID, "Users > Create > already exists > "+u.Email) != 1 {
			t.Fatalf("the answer about %s was not audited in the organisation", u.Email)
		}
	}
	users, audits := countRows(t, e, "users"), auditCount(t, e)
	// The next answer in the window is refused, for a taken email and a new one alike.
	taken := pgtest.MustUser(t, e.Store, pgtest.Unique("one-more")+"@probe.test")
	users++
	for _, email := range []string{taken.Email, pgtest.Unique("fresh") + "@probe.test"} {
		res, body := c.post(ouPath(w.OrgA), ouInviteForm("Someone", email, w.AccA1, domain.ViewerRoleID))
		if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Try again in") {
			t.Fatalf("probe over the limit (%s): %d, want 429 with a message", email, res.StatusCode)
		}
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 600 {
			t.Fatalf("Retry-After %q, want 1..600 seconds", res.Header.Get("Retry-After"))
		}
		if strings.Contains(body, "already exists") {
			t.Fatal("the refusal still answered whether the email is taken")
		}
	}
	if countRows(t, e, "users") != users || auditCount(t, e) != audits {
		t.Fatal("a refused creation created a user or wrote an event")
	}
	// The limit is the owner's: another owner is answered as usual.
	other := e.client()
	other.login(w.OwnerB.Email, pgtest.Password)
	if res, _ := other.post(ouPath(w.OrgB), ouInviteForm("Someone", taken.Email, w.AccB, domain.ViewerRoleID)); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("another owner's first probe: %d, want 422", res.StatusCode)
	}
	// When the window has passed, answers are given again.
	if _, err := e.Store.Pool.Exec(ctx, `UPDATE rate_limits SET window_start = now() - interval '11 minutes'`); err != nil {
		t.Fatal(err)
	}
	if res, _ := c.post(ouPath(w.OrgA), ouInviteForm("Someone", taken.Email, w.AccA1, domain.ViewerRoleID)); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("probe after the window: %d, want 422", res.StatusCode)
	}
}

func countRows(t *testing.T, e *env, table string) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
