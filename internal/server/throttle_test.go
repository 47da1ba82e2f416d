package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"atrium/internal/pgtest"
)

func TestThrottle_BacksOffAfterFailuresAndSignInClears(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for i := range 5 {
		if res, _, _ := e.attempt(w.Agency.Email, "not the password"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	// Even the right password waits now, and the refusal costs no hashing.
	res, body, hashes := e.attempt(w.Agency.Email, pgtest.Password)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "Too many failed sign-in attempts. Try again in") {
		t.Fatalf("attempt after 5 failures: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if hashes != 0 {
		t.Fatalf("a throttled attempt hashed %d times", hashes)
	}
	// Once the wait has passed the right password signs in and the count is forgotten.
	e.exec(`UPDATE login_throttles SET last_failure_at = now() - interval '1 hour'`)
	e.client().login(w.Agency.Email, pgtest.Password)
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM login_throttles WHERE key = $1`,
		"email:"+w.Agency.Email).Scan(&n); err != nil || n != 0 {
		t.Fatalf("failures still counted after a sign-in: %d rows (%v)", n, err)
	}
	if res, _, _ := e.attempt(w.Agency.Email, "wrong again"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("first failure after a sign-in: %d, want 401", res.StatusCode)
	}
}

func TestThrottle_UnknownEmailIsThrottledTheSame(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const nobody = "nobody@nowhere.test"
	for range 5 {
		e.attempt(w.Viewer.Email, "not the password")
		e.attempt(nobody, "not the password")
	}
	r1, b1, _ := e.attempt(w.Viewer.Email, "not the password")
	r2, b2, _ := e.attempt(nobody, "not the password")
	if r1.StatusCode != http.StatusTooManyRequests || r2.StatusCode != r1.StatusCode {
		t.Fatalf("statuses %d and %d, want both 429", r1.StatusCode, r2.StatusCode)
	}
	// The waits may differ by the second between the two requests; nothing else may.
	norm := regexp.MustCompile(`Try again in [^.]*\.`)
	b1 = norm.ReplaceAllString(strings.ReplaceAll(b1, w.Viewer.Email, "EMAIL"), "")
	b2 = norm.ReplaceAllString(strings.ReplaceAll(b2, nobody, "EMAIL"), "")
	if b1 != b2 {
		t.Fatal("a known and an unknown email are throttled with different pages")
	}
}

func TestThrottle_PerAddress(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	// Many failures from this address, across emails: a fresh email waits too.
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ('ip:127.0.0.1', 55, now())`)
	if res, _, _ := e.attempt(w.Viewer.Email, pgtest.Password); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("attempt from a throttled address: %d, want 429", res.StatusCode)
	}
	// An address's count starts again after an hour without failures.
	e.exec(`UPDATE login_throttles SET last_failure_at = now() - interval '2 hours' WHERE key = 'ip:127.0.0.1'`)
	if res, _, _ := e.attempt(w.Viewer.Email, "not the password"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("attempt after the address's wait: %d, want 401", res.StatusCode)
	}
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT failures FROM login_throttles WHERE key = 'ip:127.0.0.1'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("address count after an hour's quiet then one failure: %d (%v), want 1", n, err)
	}
}

func TestThrottle_SuspendedAfter100UntilStaffUnlock(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ($1, 100, now() - interval '30 days')`,
		"email:"+w.Agency.Email)
	res, body, hashes := e.attempt(w.Agency.Email, pgtest.Password)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "suspended") || hashes != 0 {
		t.Fatalf("suspended email: %d, hashes %d", res.StatusCode, hashes)
	}
	staff := pgtest.MustUser(t, e.Store, pgtest.Unique("staff")+"@atrium.test")
	if err := e.Store.SetStaff(ctx, staff.ID, true); err != nil {
		t.Fatal(err)
	}
	// Only staff unlock (anyone else gets 404 and nothing changes).
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	if res, _ := c.post("/staff/unlock-signin", url.Values{"unlock_email": {w.Agency.Email}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("non-staff unlock: %d, want 404", res.StatusCode)
	}
	if res, _, _ := e.attempt(w.Agency.Email, pgtest.Password); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("still suspended after a refused unlock: %d", res.StatusCode)
	}
	s := e.client()
	s.login(staff.Email, pgtest.Password)
	if res, body := s.post("/staff/unlock-signin", url.Values{"unlock_email": {"not an email"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enter an email address.") {
		t.Fatalf("unlock without an email: %d", res.StatusCode)
	}
	if res, _ := s.post("/staff/unlock-signin", url.Values{"unlock_email": {strings.ToUpper(w.Agency.Email)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff unlock: %d", res.StatusCode)
	}
	if _, body := s.get("/staff/"); !strings.Contains(body, "Password sign-in unlocked for "+w.Agency.Email) {
		t.Fatal("no confirmation after unlocking")
	}
	e.client().login(w.Agency.Email, pgtest.Password)
	var audited int
	if err := e.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = $1 AND actor_user_id = $2`,
		"Staff > Unlock sign-in > "+w.Agency.Email, staff.ID).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("unlock audited %d times (%v), want 1", audited, err)
	}
}

// TestThrottle_ForwardedForFromAnUntrustedPeerIsIgnored: with no trusted proxy
// configured, a client that names itself differently in X-Forwarded-For on every
// attempt is still counted under its own address.
func TestThrottle_ForwardedForFromAnUntrustedPeerIsIgnored(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.client().do(http.MethodPost, "/login/password", url.Values{"email": {fmt.Sprintf("nobody%d@x.test", i)}, "password": {"wrong password"}},
			"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
	}
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT coalesce(max(failures), 0) FROM login_throttles WHERE key = 'ip:127.0.0.1'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var forged int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM login_throttles WHERE key LIKE 'ip:198.51.100.%'`).Scan(&forged); err != nil {
		t.Fatal(err)
	}
	if n != 3 || forged != 0 {
		t.Fatalf("failures under the real address %d (want 3), under forged ones %d (want 0)", n, forged)
	}
}
