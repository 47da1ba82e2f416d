package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/balancer"
	"atrium/internal/domain"
	"atrium/internal/mailtest"
	"atrium/internal/pgtest"
	"atrium/internal/store"
	"atrium/migrations"
)

// listeningRE finds the address in the line atrium serve prints when it listens.
var listeningRE = regexp.MustCompile(`Atrium is listening on (127\.0\.0\.1:\d+);`)

// riverIDRE finds the job queue client's id in the log line river writes at start.
var riverIDRE = regexp.MustCompile(`"msg":"River client started"[^\n]*"client_id":"([^"]+)"`)

// addr is the host:port the process listens on.
func (p *proc) addr() string {
	p.t.Helper()
	m := listeningRE.FindStringSubmatch(p.output())
	if m == nil {
		p.t.Fatalf("no listening address in the output:\n%s", p.output())
	}
	return m[1]
}

// riverID is the id of the process's job queue client (river_job.attempted_by,
// river_leader.leader_id), from its log.
func (p *proc) riverID() string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := riverIDRE.FindStringSubmatch(p.output()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the job queue's start is not in the log:\n%s", p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// instanceEnv is the environment of an instance over dbURL delivering mail to smtp,
// trusting the balancer's address.
func instanceEnv(dbURL, smtpURL string) []string {
	return []string{"DATABASE_URL=" + dbURL, "ATRIUM_SECRET_KEY=" + testKey, "ATRIUM_ADDR=127.0.0.1:0", "ATRIUM_BASE_URL=http://127.0.0.1:9",
		"SMTP_URL=" + smtpURL, "ATRIUM_TRUSTED_PROXIES=" + balancer.ProxyAddress, "PATH=" + os.Getenv("PATH")}
}

// startBalancer puts haproxy in front of addrs. Without haproxy the test fails,
// unless ATRIUM_SKIP_LB=1 says to go on without it (then it returns nil).
func startBalancer(t *testing.T, addrs ...string) *balancer.Balancer {
	t.Helper()
	bin, err := balancer.Find()
	if err != nil {
		if os.Getenv(balancer.EnvSkip) == "1" {
			t.Logf("%v; %s=1: the checks through the balancer are skipped", err, balancer.EnvSkip)
			return nil
		}
		t.Fatalf("%v (set %s=1 to run without it)", err, balancer.EnvSkip)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lb, err := balancer.Start(ctx, bin, t.TempDir(), addrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lb.Stop(); err != nil {
			t.Error(err)
		}
	})
	return lb
}

// browser is a client with its own cookies that follows no redirect, optionally
// connecting from another loopback address.
type browser struct {
	t       *testing.T
	c       *http.Client
	mu      sync.Mutex
	cookies map[string]string
}

func newBrowser(t *testing.T, from string) *browser {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{t: t, cookies: map[string]string{}, c: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is what a response said.
type page struct {
	status   int
	location string
	body     string
}

// do sends a request to base+path with the browser's cookies (and extra headers).
func (b *browser) do(method, base, path string, form url.Values, header ...string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	b.mu.Lock()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	b.mu.Unlock()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s%s: %v", method, base, path, err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	b.mu.Lock()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(b.cookies, ck.Name)
		} else {
			b.cookies[ck.Name] = ck.Value
		}
	}
	b.mu.Unlock()
	return page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(text)}
}

func (b *browser) get(base, path string, header ...string) page {
	b.t.Helper()
	return b.do(http.MethodGet, base, path, nil, header...)
}

func (b *browser) post(base, path string, form url.Values, header ...string) page {
	b.t.Helper()
	return b.do(http.MethodPost, base, path, form, header...)
}

// password sends the two sign-in steps to base and returns the password step's answer.
func (b *browser) password(base, email, password string, header ...string) page {
	b.t.Helper()
	if p := b.post(base, "/login", url.Values{"email": {email}}, header...); p.status != http.StatusSeeOther || p.location != "/login/password" {
		b.t.Fatalf("POST %s/login: %d -> %q", base, p.status, p.location)
	}
	return b.post(base, "/login/password", url.Values{"email": {email}, "password": {password}}, header...)
}

// signIn signs in at base.
func (b *browser) signIn(base, email string) {
	b.t.Helper()
	if p := b.password(base, email, pgtest.Password); p.status != http.StatusSeeOther || p.location != "/" {
		b.t.Fatalf("sign-in at %s: %d -> %q", base, p.status, p.location)
	}
}

// session is the session cookie's value.
func (b *browser) session() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cookies["atrium_session"]
}

// throttleFailures is the failure count under a login_throttles key (0 without a row).
func throttleFailures(t *testing.T, pool *pgxpool.Pool, key string) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(), `SELECT coalesce((SELECT failures FROM login_throttles WHERE key = $1), 0)`, key).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInstances_BehaveAsOne runs two atrium serve processes over one database, each on
// its own loopback port, with haproxy in front: a session made on one is valid on the
// other and through the balancer, signing out on one ends it on both, failed sign-ins
// count across both, the balancer passes the client's address (and the instances,
// trusting it, throttle that address and not the balancer's nor one the client
// made up), each email job is worked by one of them while both work the queue, and
// the job queue's maintenance has one leader, which hands over when it stops.
func TestInstances_BehaveAsOne(t *testing.T) {
	t.Parallel()
	bin := buildAtrium(t)
	pool, dbURL := pgtest.New(t)
	st := store.New(pool)
	owner := pgtest.MustUser(t, st, "owner@one.test")
	org := pgtest.MustOrganisation(t, st, "One", owner)
	acc := pgtest.MustAccount(t, st, org, "One Retail", owner)
	alice := pgtest.MustUser(t, st, "alice@one.test")
	pgtest.MustGrant(t, st, acc, alice, domain.EditorRoleID)
	home := "/a/" + acc.Slug + "/"

	smtp := mailtest.Start(t)
	env := instanceEnv(dbURL, smtp.URL())
	a, b := serveProc(t, bin, env), serveProc(t, bin, env)
	A, B := "http://"+a.addr(), "http://"+b.addr()
	lb := startBalancer(t, a.addr(), b.addr())
	needLB := func(t *testing.T) string {
		if lb == nil {
			t.Skipf("no balancer (%s=1)", balancer.EnvSkip)
		}
		return lb.URL
	}

	t.Run("SessionValidOnEveryInstance", func(t *testing.T) {
		c := newBrowser(t, "")
		c.signIn(A, alice.Email)
		for _, base := range []string{B, A} {
			if p := c.get(base, home); p.status != http.StatusOK {
				t.Fatalf("GET %s%s with the session made on %s: %d -> %q", base, home, A, p.status, p.location)
			}
		}
		LB := needLB(t)
		// Round robin: of four requests through the balancer, two reach each instance.
		path := home + "campaigns"
		for range 4 {
			if p := c.get(LB, path); p.status != http.StatusOK {
				t.Fatalf("GET %s through the balancer: %d -> %q", path, p.status, p.location)
			}
		}
		for _, inst := range []*proc{a, b} {
			if !strings.Contains(inst.output(), `"path":"`+path+`"`) {
				t.Fatalf("instance %s served none of the requests through the balancer", inst.addr())
			}
		}
	})

	t.Run("SignOutOnOneEndsItOnBoth", func(t *testing.T) {
		c := newBrowser(t, "")
		c.signIn(A, alice.Email)
		old := c.session()
		if p := c.post(B, "/logout", url.Values{}); p.status != http.StatusSeeOther {
			t.Fatalf("sign-out on %s: %d", B, p.status)
		}
		stale := newBrowser(t, "")
		stale.cookies["atrium_session"] = old
		for _, base := range []string{A, B} {
			if p := stale.get(base, home); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
				t.Fatalf("GET %s%s with the session signed out on %s: %d -> %q, want a redirect to sign in", base, home, B, p.status, p.location)
			}
		}
		LB := needLB(t)
		c = newBrowser(t, "")
		c.signIn(LB, alice.Email)
		if p := c.post(LB, "/logout", url.Values{}); p.status != http.StatusSeeOther {
			t.Fatalf("sign-out through the balancer: %d", p.status)
		}
		for _, base := range []string{A, B, LB, LB} {
			if p := c.get(base, home); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
				t.Fatalf("GET %s%s after signing out through the balancer: %d -> %q", base, home, p.status, p.location)
			}
		}
	})

	t.Run("ThrottleCountsAcrossInstances", func(t *testing.T) {
		email := "nobody@one.test"
		c := newBrowser(t, "")
		for i, base := range []string{A, B, A, B, A} {
			if p := c.password(base, email, "wrong password"); p.status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d on %s: %d", i+1, base, p.status)
			}
		}
		if n := throttleFailures(t, pool, "email:"+email); n != 5 {
			t.Fatalf("%d failures counted for %s after five on two instances, want 5", n, email)
		}
		// A long run of guesses later (the last long ago, so no wait is due), the
		// hundredth failure on one instance suspends the email on the other.
		if _, err := pool.Exec(context.Background(), `UPDATE login_throttles SET failures = 99,
			last_failure_at = now() - interval '1 day' WHERE key = $1`, "email:"+email); err != nil {
			t.Fatal(err)
		}
		if p := c.password(A, email, "wrong password"); p.status != http.StatusUnauthorized {
			t.Fatalf("the hundredth wrong password on %s: %d", A, p.status)
		}
		if p := c.password(B, email, "wrong password"); p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "suspended") {
			t.Fatalf("a password on %s after the hundredth failure on %s: %d, want 429 saying sign-in is suspended", B, A, p.status)
		}
	})

	t.Run("BalancerPassesTheClientAddress", func(t *testing.T) {
		LB := needLB(t)
		before := throttleFailures(t, pool, "ip:127.0.0.1")
		// The client connects from 127.0.0.2 and names another address itself: the
		// balancer appends 127.0.0.2, which the instances read from the right.
		c := newBrowser(t, "127.0.0.2")
		if p := c.password(LB, "guess@one.test", "wrong password", "X-Forwarded-For", "203.0.113.9"); p.status != http.StatusUnauthorized {
			t.Fatalf("wrong password through the balancer: %d", p.status)
		}
		if n := throttleFailures(t, pool, "ip:127.0.0.2"); n != 1 {
			t.Fatalf("%d failures counted for the client's address 127.0.0.2, want 1", n)
		}
		if n := throttleFailures(t, pool, "ip:203.0.113.9"); n != 0 {
			t.Fatalf("%d failures counted for the address the client made up", n)
		}
		if n := throttleFailures(t, pool, "ip:127.0.0.1"); n != before {
			t.Fatalf("the balancer's own address was counted (%d failures, %d before)", n, before)
		}
		// An address that failed too often is refused through the balancer; another
		// client behind the same balancer is not.
		if _, err := pool.Exec(context.Background(), `INSERT INTO login_throttles (key, failures, last_failure_at)
			VALUES ('ip:127.0.0.3', 200, now())`); err != nil {
			t.Fatal(err)
		}
		if p := newBrowser(t, "127.0.0.3").password(LB, "guess2@one.test", "wrong password"); p.status != http.StatusTooManyRequests {
			t.Fatalf("a throttled client address through the balancer: %d, want 429", p.status)
		}
		if p := newBrowser(t, "127.0.0.2").password(LB, "guess2@one.test", "wrong password"); p.status != http.StatusUnauthorized {
			t.Fatalf("another client through the same balancer: %d, want 401", p.status)
		}
	})

	t.Run("EachMailJobWorkedByOneInstance", func(t *testing.T) {
		// A slow mail server: a message takes 300 ms, so neither instance's four
		// workers can drain the queue before the other polls it.
		smtp.SetDelay(300 * time.Millisecond)
		defer smtp.SetDelay(0)
		ctx := context.Background()
		ap := app.New(st, auth.NewHasher(pgtest.FastParams, 1), "http://127.0.0.1:9")
		o, err := ap.CreateOrganisation(ctx, app.System, "Queue", "queue")
		if err != nil {
			t.Fatal(err)
		}
		const n = 40
		for i := range n {
			if _, err := ap.AppointOrganisationOwner(ctx, app.System, o.Slug, fmt.Sprintf("q%02d@queue.test", i), "Q", 0); err != nil {
				t.Fatal(err)
			}
		}
		msgs := smtp.WaitFor(n, 2*time.Minute)
		seen := map[string]int{}
		for _, m := range msgs {
			seen[m.MessageID]++
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("message %s delivered %d times", id, k)
			}
		}
		if len(seen) != n {
			t.Fatalf("%d distinct messages delivered, want %d", len(seen), n)
		}
		// Each job was attempted once, by one client; both instances worked.
		rows, err := pool.Query(ctx, `SELECT attempt, attempted_by FROM river_job WHERE kind = 'mail_send'`)
		if err != nil {
			t.Fatal(err)
		}
		workers := map[string]int{}
		jobs := 0
		for rows.Next() {
			var attempt int
			var by []string
			if err := rows.Scan(&attempt, &by); err != nil {
				t.Fatal(err)
			}
			if attempt != 1 || len(by) != 1 {
				t.Errorf("a job made %d attempts by %v, want one by one instance", attempt, by)
				continue
			}
			jobs++
			workers[by[0]]++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{a.riverID(): true, b.riverID(): true}
		for w := range workers {
			if !ids[w] {
				t.Errorf("a job was worked by %q, neither instance", w)
			}
		}
		if jobs != n || len(workers) != 2 {
			t.Fatalf("%d jobs worked by %v; want %d, shared by both instances %v", jobs, workers, n, ids)
		}
	})

	t.Run("OneLeaderHandsOverWhenItStops", func(t *testing.T) {
		ctx := context.Background()
		leader := func() []string {
			var ids []string
			rows, err := pool.Query(ctx, `SELECT leader_id FROM river_leader WHERE expires_at > now()`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			return ids
		}
		waitLeader := func(candidates ...*proc) *proc {
			deadline := time.Now().Add(time.Minute)
			for {
				ids := leader()
				if len(ids) > 1 {
					t.Fatalf("%d leaders: %v", len(ids), ids)
				}
				for _, p := range candidates {
					if len(ids) == 1 && ids[0] == p.riverID() {
						return p
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("no leader among the running instances within a minute (river_leader: %v)", ids)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		first := waitLeader(a, b)
		other := b
		if first == b {
			other = a
		}
		first.stop(syscall.SIGTERM, 30*time.Second)
		if got := waitLeader(other); got != other {
			t.Fatalf("leadership went to %s", got.addr())
		}
	})
}

// TestInstances_StartingAtOnceMigrateOnce starts two atrium serve processes at once on
// a database of an older release (only the first migration applied, as a rolling
// deploy finds it): both come up, and each migration was applied once (goose's
// advisory lock makes the second wait, then find nothing to do; without it both apply
// the same migration and one of them fails).
func TestInstances_StartingAtOnceMigrateOnce(t *testing.T) {
	t.Parallel()
	bin := buildAtrium(t)
	dbURL := pgtest.Empty(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	older, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	sources := older.ListSources()
	if len(sources) < 3 {
		t.Fatalf("%d migrations: too few to race on", len(sources))
	}
	if _, err := older.UpTo(ctx, sources[0].Version); err != nil {
		t.Fatal(err)
	}

	smtp := mailtest.Start(t)
	env := instanceEnv(dbURL, smtp.URL())
	first, second := startProc(t, bin, env), startProc(t, bin, env)
	first.waitListening()
	second.waitListening()
	var versions, rows int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT version_id), count(*) FROM goose_db_version WHERE version_id > 0`).
		Scan(&versions, &rows); err != nil {
		t.Fatal(err)
	}
	if p, err := store.Pending(ctx, pool); err != nil || p {
		t.Fatalf("migrations pending after both started: %v %v", p, err)
	}
	if versions != len(sources) || rows != versions {
		t.Fatalf("goose_db_version has %d rows for %d migrations (%d known): some were applied twice or not at all",
			rows, versions, len(sources))
	}
}
