package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"atrium/internal/pgtest"
	"atrium/internal/policy"
)

// outcome is what a burst of requests got back.
type outcome struct {
	status     map[int]int // answers by status
	retryAfter int         // 429 answers that said when to retry
	hashes     int64       // hashes computed by every server of the burst
}

// burst sends n requests at once, the i-th to envs[i%len(envs)] as built by req, and
// waits for every answer. Each request reserves nothing in the test: whatever limits
// them is the server's.
func burst(t *testing.T, envs []*env, n int, req func(e *env, i int) *http.Request, c *http.Client) outcome {
	t.Helper()
	var before int64
	for _, e := range envs {
		before += e.App.Hasher().Computations()
	}
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	out := outcome{status: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		e := envs[i%len(envs)]
		r := req(e, i)
		wg.Go(func() {
			<-start
			res, err := c.Do(r)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			out.status[res.StatusCode]++
			if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") != "" {
				out.retryAfter++
			}
		})
	}
	close(start)
	wg.Wait()
	for _, e := range envs {
		out.hashes += e.App.Hasher().Computations()
	}
	out.hashes -= before
	return out
}

// formPost is a same-origin form POST to e.
func formPost(e *env, path string, form url.Values) *http.Request {
	r, err := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		panic(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", e.URL)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return r
}

// passwordAttempts builds password-step posts of email with a wrong password.
func passwordAttempts(email string) func(e *env, i int) *http.Request {
	return func(e *env, i int) *http.Request {
		return formPost(e, "/login/password", url.Values{"email": {email}, "password": {fmt.Sprintf("guess %d", i)}})
	}
}

func (e *env) failures(key string) int {
	e.t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(failures), 0) FROM login_throttles WHERE key = $1`,
		key).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// checkAllowance checks a burst of n wrong passwords for one email that started with
// no failures: the free failures were hashed (one more at most, should the first
// wait of a second pass while the burst runs), each hashed one answered 401 and was
// counted, and every other attempt was refused with 429 and Retry-After, unhashed.
func checkAllowance(t *testing.T, e *env, email string, n int, out outcome) {
	t.Helper()
	if out.hashes < policy.FreeEmailFailures || out.hashes > policy.FreeEmailFailures+1 {
		t.Fatalf("%d parallel wrong passwords: %d hashed (%v), want %d or %d", n, out.hashes, out.status,
			policy.FreeEmailFailures, policy.FreeEmailFailures+1)
	}
	refused := out.status[http.StatusTooManyRequests]
	if int64(out.status[http.StatusUnauthorized]) != out.hashes || int64(refused) != int64(n)-out.hashes || out.retryAfter != refused {
		t.Fatalf("%d parallel wrong passwords, %d hashed: answers %v, %d with Retry-After", n, out.hashes, out.status, out.retryAfter)
	}
	if got := e.failures("email:" + email); int64(got) != out.hashes {
		t.Fatalf("%d failures counted for %d hashed attempts", got, out.hashes)
	}
}

func TestThrottle_ParallelAttemptsReserveBeforeHashing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const n = 40
	checkAllowance(t, e, w.Agency.Email, n, burst(t, []*env{e}, n, passwordAttempts(w.Agency.Email), nil))
}

func TestThrottle_ParallelAttemptsAfterAWaitLetOneThrough(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	// Twelve failures, the last an hour ago: their wait (two minutes) has passed, and
	// one failure more makes the next wait four minutes. Of attempts made at once,
	// exactly one may go ahead.
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ($1, 12, now() - interval '1 hour')`,
		"email:"+w.Viewer.Email)
	out := burst(t, []*env{e}, 40, passwordAttempts(w.Viewer.Email), nil)
	if out.hashes != 1 || out.status[http.StatusUnauthorized] != 1 || out.status[http.StatusTooManyRequests] != 39 || out.retryAfter != 39 {
		t.Fatalf("40 parallel attempts after the wait: %d hashed, answers %v (%d with Retry-After); want 1 hashed, 39 refused",
			out.hashes, out.status, out.retryAfter)
	}
	if got := e.failures("email:" + w.Viewer.Email); got != 13 {
		t.Fatalf("failures after the burst: %d, want 13", got)
	}
}

func TestThrottle_ParallelGuessesCannotReachSuspension(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const n = 110 // more than policy.SuspendAfter
	checkAllowance(t, e, w.OwnerA.Email, n, burst(t, []*env{e}, n, passwordAttempts(w.OwnerA.Email), nil))
	res, body, hashes := e.attempt(w.OwnerA.Email, pgtest.Password)
	if res.StatusCode != http.StatusTooManyRequests || strings.Contains(body, "suspended") || !strings.Contains(body, "Try again in") || hashes != 0 {
		t.Fatalf("after 110 parallel guesses: %d (hashes %d), want a wait, not a suspension", res.StatusCode, hashes)
	}
}

func TestThrottle_ParallelAttemptsAcrossTwoServers(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	both := []*env{e, e.twin()}
	const n = 40
	checkAllowance(t, e, w.Agency.Email, n, burst(t, both, n, passwordAttempts(w.Agency.Email), nil))

	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ($1, 12, now() - interval '1 hour')`,
		"email:"+w.Viewer.Email)
	out := burst(t, both, n, passwordAttempts(w.Viewer.Email), nil)
	if out.hashes != 1 || out.status[http.StatusTooManyRequests] != n-1 {
		t.Fatalf("two servers, %d attempts after the wait: %d hashed, answers %v; want 1 hashed", n, out.hashes, out.status)
	}
}

func TestThrottle_RightPasswordSettlesTheReservation(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const ip = "ip:127.0.0.1"
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ($1, 3, now())`, ip)
	for range 2 {
		if res, _, _ := e.attempt(w.Agency.Email, "not the password"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
	}
	if em, addr := e.failures("email:"+w.Agency.Email), e.failures(ip); em != 2 || addr != 5 {
		t.Fatalf("after two failures: email %d, address %d; want 2 and 5", em, addr)
	}
	// The right password's reservation is given back to the address, and the email's
	// failures are forgotten.
	e.client().login(w.Agency.Email, pgtest.Password)
	if em, addr := e.failures("email:"+w.Agency.Email), e.failures(ip); em != 0 || addr != 5 {
		t.Fatalf("after signing in: email %d, address %d failures; want 0 and 5", em, addr)
	}
	// A sign-in with nothing counted before leaves no row behind.
	e.exec(`DELETE FROM login_throttles`)
	e.client().login(w.Viewer.Email, pgtest.Password)
	var rows int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM login_throttles`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d throttle rows after a first-time sign-in (%v), want 0", rows, err)
	}
}

func TestThrottle_ParallelRightPasswordsFromOneAddressAllSignIn(t *testing.T) {
	e := newEnv(t)
	// Forty failures from this address: ten more are free. Thirty people behind it
	// signing in at once must not count as ten failures while they queue for hashing.
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ('ip:127.0.0.1', 40, now())`)
	const n = 30
	emails := make([]string, n)
	for i := range emails {
		emails[i] = pgtest.MustUser(t, e.Store, pgtest.Unique(fmt.Sprintf("crowd%d", i))+"@a.test").Email
	}
	out := burst(t, []*env{e}, n, func(e *env, i int) *http.Request {
		return formPost(e, "/login/password", url.Values{"email": {emails[i]}, "password": {pgtest.Password}})
	}, nil)
	if out.status[http.StatusSeeOther] != n {
		t.Fatalf("%d people signing in at once from one address: %v, want %d signed in", n, out.status, n)
	}
	if got := e.failures("ip:127.0.0.1"); got != 40 {
		t.Fatalf("address failures after %d sign-ins: %d, want 40", n, got)
	}
}

func TestProfile_ParallelWrongCurrentPasswordsReserveBeforeHashing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	const n = 40
	out := burst(t, []*env{e}, n, func(e *env, i int) *http.Request {
		return formPost(e, "/profile/password", url.Values{"current_password": {fmt.Sprintf("guess %d", i)},
			"new_password": {"a much better passphrase"}})
	}, c.c)
	if out.hashes < policy.FreeEmailFailures || out.hashes > policy.FreeEmailFailures+1 ||
		int64(out.status[http.StatusUnprocessableEntity]) != out.hashes || int64(out.status[http.StatusTooManyRequests]) != n-out.hashes ||
		out.retryAfter != out.status[http.StatusTooManyRequests] {
		t.Fatalf("%d parallel wrong current passwords: %d hashed, answers %v (%d with Retry-After)", n, out.hashes, out.status, out.retryAfter)
	}
	if got := e.failures("email:" + w.Viewer.Email); int64(got) != out.hashes {
		t.Fatalf("%d failures counted for %d hashed attempts", got, out.hashes)
	}
	// Once the wait has passed the right password changes it: the email's failures are
	// forgotten and the address keeps only the wrong ones.
	e.exec(`UPDATE login_throttles SET last_failure_at = now() - interval '1 hour' WHERE key = $1`, "email:"+w.Viewer.Email)
	if res, _ := c.post("/profile/password", url.Values{"current_password": {pgtest.Password},
		"new_password": {"a much better passphrase"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password after the wait: %d", res.StatusCode)
	}
	if em, addr := e.failures("email:"+w.Viewer.Email), e.failures("ip:127.0.0.1"); em != 0 || int64(addr) != out.hashes {
		t.Fatalf("after the change: email %d, address %d failures; want 0 and %d", em, addr, out.hashes)
	}
}
