package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/domain"
	"atrium/internal/mailtest"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// TestRun_ServeRefusesWithoutMailDelivery: a server with neither SMTP_URL nor
// ATRIUM_DEV has no way to deliver email and does not start; nor with an SMTP_URL it
// cannot use.
func TestRun_ServeRefusesWithoutMailDelivery(t *testing.T) {
	for env, want := range map[string]map[string]string{
		"SMTP_URL":                {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_SECRET_KEY": testKey},
		"scheme must be smtp://":  {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_SECRET_KEY": testKey, "SMTP_URL": "http://mail.example"},
		"ATRIUM_MAIL_FROM":        {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_SECRET_KEY": testKey, "SMTP_URL": "smtp://mail.example", "ATRIUM_MAIL_FROM": "nobody"},
		"use tls=starttls or tls": {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_DEV": "1", "SMTP_URL": "smtp://mail.example?tls=yes"},
	} {
		err := run(context.Background(), []string{"serve"}, func(k string) string { return want[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("serve with %v: %v, want an error about %s", want, err, env)
		}
	}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey}[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SMTP_URL") || !strings.Contains(err.Error(), "ATRIUM_DEV") {
		t.Errorf("the refusal does not name the development mailbox: %v", err)
	}
}

// TestRun_ServeRefusesTakenMetricsAddr: when ATRIUM_METRICS_ADDR cannot be listened
// on, serve refuses before it starts anything: the start-up reports no listening and
// no mail delivery, the delivery workers never registered their queue nor took the job
// queue's leadership, and the main listener's address is free again.
func TestRun_ServeRefusesTakenMetricsAddr(t *testing.T) {
	_, dbURL := pgtest.New(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	env := map[string]string{"DATABASE_URL": dbURL, "ATRIUM_SECRET_KEY": testKey, "SMTP_URL": "smtp://127.0.0.1:1",
		"ATRIUM_ADDR": addr, "ATRIUM_METRICS_ADDR": taken.Addr().String()}
	var out bytes.Buffer
	err = run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &out)
	if err == nil || !strings.Contains(err.Error(), "ATRIUM_METRICS_ADDR") {
		t.Fatalf("serve with a taken metrics address: %v", err)
	}
	if strings.Contains(out.String(), "listening") || strings.Contains(out.String(), "Email delivery") {
		t.Fatalf("serve started before refusing:\n%s", out.String())
	}
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var queues, leaders int
	if err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM river_queue), (SELECT count(*) FROM river_leader)`).
		Scan(&queues, &leaders); err != nil || queues != 0 || leaders != 0 {
		t.Fatalf("mail workers started: %d queues, %d leaders (%v)", queues, leaders, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the main listener was kept: %v", err)
	}
	ln.Close()
}

// proc is an atrium serve process.
type proc struct {
	t         *testing.T
	cmd       *exec.Cmd
	mu        sync.Mutex
	out       bytes.Buffer
	listening chan struct{}
	done      chan struct{}
}

// built is the binary buildAtrium made once for every test of the package, in a
// directory TestMain removes.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildAtrium builds this command (once per test binary) and returns its path.
func buildAtrium(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "atrium-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "atrium")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// serveProc starts atrium serve with env and waits until it listens.
func serveProc(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	p := startProc(t, bin, env)
	p.waitListening()
	return p
}

// startProc starts atrium serve with env; it is killed when the test ends.
func startProc(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	p := &proc{t: t, cmd: exec.Command(bin, "serve"), listening: make(chan struct{}), done: make(chan struct{})}
	p.cmd.Env = env
	// Killed with the test binary, should it die before the cleanup runs.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r, w := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.HasPrefix(sc.Text(), "Atrium is listening") {
				once.Do(func() { close(p.listening) })
			}
		}
	}()
	go func() {
		_ = p.cmd.Wait()
		_ = w.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of atrium serve (pid %d):\n%s", p.cmd.Process.Pid, p.output())
		}
	})
	return p
}

// waitListening waits (at most a minute) until the process listens.
func (p *proc) waitListening() {
	p.t.Helper()
	select {
	case <-p.listening:
	case <-p.done:
		p.t.Fatalf("atrium serve exited before listening:\n%s", p.output())
	case <-time.After(60 * time.Second):
		p.t.Fatalf("atrium serve did not listen within a minute:\n%s", p.output())
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitOutput waits until the process has written want, and fails the test after timeout.
func (p *proc) waitOutput(want string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.output(), want) {
		if time.Now().After(deadline) {
			p.t.Fatalf("atrium serve did not say %q within %s:\n%s", want, timeout, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends sig and waits (at most timeout) for the process to end.
func (p *proc) stop(sig syscall.Signal, timeout time.Duration) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("atrium serve did not end within %s of %v", timeout, sig)
	}
}

// TestServe_KilledBeforeDeliveryDeliversOnceAfterRestart: staff appoint a new owner,
// which commits the change with its set-password email; the server's worker is stuck
// in the SMTP conversation (the server hangs before DATA) when the process is killed
// with SIGKILL. A new process, with the mail server healthy again, rescues the job and
// delivers the message exactly once, under the outbox's Message-ID.
func TestServe_KilledBeforeDeliveryDeliversOnceAfterRestart(t *testing.T) {
	t.Parallel()
	bin := buildAtrium(t)
	_, dbURL := pgtest.New(t)
	const base = "http://127.0.0.1:9"
	killedBeforeDelivery(t, bin, dbURL, "127.0.0.1:0", base, "gavin@hooli.test", func(*proc) {
		cliEnv := map[string]string{"DATABASE_URL": dbURL, "ATRIUM_SECRET_KEY": testKey, "ATRIUM_BASE_URL": base}
		var out bytes.Buffer
		if err := run(context.Background(), []string{"staff", "create-org", "--name", "Hooli"}, func(k string) string { return cliEnv[k] }, &out); err != nil {
			t.Fatal(err)
		}
		if err := run(context.Background(), []string{"staff", "appoint-owner", "--org", "hooli", "--email", "gavin@hooli.test"},
			func(k string) string { return cliEnv[k] }, &out); err != nil {
			t.Fatalf("appoint-owner: %v\n%s", err, out.String())
		}
	}, nil)
}

// TestServe_InvitationKilledBeforeDeliveryDeliversOnceAfterRestart: an account owner
// signs in to the running server and sends an invitation from the members page; the
// invitation commits with its email, and the process is killed (SIGKILL) while its
// worker is stuck in the SMTP conversation. After a restart the invitation email is
// delivered exactly once, under the outbox's Message-ID, and its link (from the base
// URL) opens the invitation on the new process.
func TestServe_InvitationKilledBeforeDeliveryDeliversOnceAfterRestart(t *testing.T) {
	t.Parallel()
	bin := buildAtrium(t)
	pool, dbURL := pgtest.New(t)
	st := store.New(pool)
	owner := pgtest.MustUser(t, st, pgtest.Unique("olive")+"@initech.test")
	acc := pgtest.MustAccount(t, st, pgtest.MustOrganisation(t, st, "Initech", owner), "Initech Sales", owner)
	addr := freeAddr(t)
	base := "http://" + addr
	const invitee = "milton@initech.test"
	killedBeforeDelivery(t, bin, dbURL, addr, base, invitee, func(*proc) {
		c := newHTTPClient(t, base)
		c.post("/login", url.Values{"email": {owner.Email}}, "/login/password")
		c.post("/login/password", url.Values{"email": {owner.Email}, "password": {pgtest.Password}}, "/")
		c.post("/a/"+acc.Slug+"/invitations", url.Values{"first_name": {"Milton"}, "last_name": {"Waddams"},
			"email": {invitee}, "role": {strconv.FormatInt(domain.ViewerRoleID, 10)}}, "/a/"+acc.Slug+"/members")
	}, func(m mailtest.Message) {
		var kind, status string
		if err := pool.QueryRow(context.Background(), `SELECT o.kind, i.status FROM mail_outbox o, invitations i
			WHERE o.message_id = $1 AND i.account_id = $2 AND i.email = $3`, m.MessageID, acc.ID, invitee).Scan(&kind, &status); err != nil {
			t.Fatal(err)
		}
		if kind != "invitation" || status != "pending" {
			t.Fatalf("the delivered message is a %q, the invitation %q; want an invitation, pending", kind, status)
		}
		link := regexp.MustCompile(regexp.QuoteMeta(base) + `/invitations/[A-Za-z0-9_-]{43}`).FindString(m.Text)
		if link == "" || !strings.Contains(m.HTML, `href="`+link+`"`) {
			t.Fatalf("the delivered invitation carries no link from %s in both parts:\n%s", base, m.Text)
		}
		if body := newHTTPClient(t, base).get(strings.TrimPrefix(link, base), http.StatusOK); !strings.Contains(body, "Join Initech Sales") {
			t.Fatalf("the link opens:\n%s", body)
		}
	})
}

// killedBeforeDelivery starts atrium serve on addr (ATRIUM_BASE_URL base) with an SMTP
// server that hangs before DATA, calls send (which must commit one email to `to`),
// waits until the process's worker hangs in that delivery, and kills the process with
// SIGKILL. It checks the message is still queued after one attempt, then makes the mail
// server accept again and starts a second process on addr, which must rescue the job
// and deliver the message exactly once under the outbox's Message-ID; the second
// process must then stop cleanly on SIGTERM, after check (when not nil) has looked at
// the message as received.
func killedBeforeDelivery(t *testing.T, bin, dbURL, addr, base, to string, send func(*proc), check func(mailtest.Message)) {
	t.Helper()
	smtp := mailtest.Start(t)
	smtp.SetMode(mailtest.Hang)
	env := []string{"DATABASE_URL=" + dbURL, "ATRIUM_SECRET_KEY=" + testKey, "ATRIUM_ADDR=" + addr, "ATRIUM_BASE_URL=" + base,
		"SMTP_URL=" + smtp.URL(), "ATRIUM_MAIL_RESCUE_AFTER=6s", "ATRIUM_MAIL_WORKERS=3", "ATRIUM_MAIL_POLL=100ms",
		"PATH=" + os.Getenv("PATH")}
	first := serveProc(t, bin, env)
	first.waitOutput("Email delivery: 3 messages at once, new ones looked for every 100ms (2 database connections of its own)", 10*time.Second)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	send(first)
	smtp.WaitHanging(60 * time.Second)
	// The workers reach the database through a pool of their own.
	var own int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'atrium mail'`).Scan(&own); err != nil || own == 0 || own > 2 {
		t.Fatalf("%d connections of the mail workers' own pool (%v), want 1 or 2", own, err)
	}
	first.stop(syscall.SIGKILL, 30*time.Second)
	var messageID, status string
	var attempts int
	if err := pool.QueryRow(context.Background(), `SELECT message_id, status, attempts FROM mail_outbox WHERE to_address = $1`, to).
		Scan(&messageID, &status, &attempts); err != nil {
		t.Fatal(err)
	}
	if status != "queued" || attempts != 1 || len(smtp.Messages()) != 0 {
		t.Fatalf("after the kill: %s after %d attempts, %d delivered; want queued, 1, 0", status, attempts, len(smtp.Messages()))
	}

	smtp.SetMode(mailtest.Accept)
	second := serveProc(t, bin, env)
	got := smtp.WaitTo(to, 2*time.Minute)
	if got.MessageID != messageID {
		t.Fatalf("delivered under Message-ID %q, want the outbox's %q", got.MessageID, messageID)
	}
	// Wait until the delivery is recorded and its job done: nothing may send it again.
	deadline := time.Now().Add(time.Minute)
	for {
		var pending int
		if err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM mail_outbox WHERE status <> 'sent') +
			(SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded'))`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery was not recorded within a minute:\n%s", second.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if msgs := smtp.Messages(); len(msgs) != 1 {
		t.Fatalf("%d deliveries, want exactly 1", len(msgs))
	}
	// The job was taken back from the killed process, not finished by it.
	var rescued bool
	if err := pool.QueryRow(context.Background(), `SELECT bool_or(errors::text LIKE '%Stuck job rescued%') FROM river_job`).Scan(&rescued); err != nil || !rescued {
		t.Fatalf("the job was not rescued (%v)", err)
	}
	if check != nil {
		check(got)
	}
	second.stop(syscall.SIGTERM, 30*time.Second)
	if code := second.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("atrium serve exited %d after SIGTERM:\n%s", code, second.output())
	}
}

// freeAddr is a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// httpClient talks to a running atrium serve like a browser: a cookie jar, same-origin
// form posts, no redirects followed, every request bounded.
type httpClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newHTTPClient(t *testing.T, base string) *httpClient {
	jar, _ := cookiejar.New(nil)
	return &httpClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// post sends a same-origin form and fails the test unless it answers 303 to location.
func (c *httpClient) post(path string, form url.Values, location string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, body := c.do(req)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != location {
		c.t.Fatalf("POST %s: %d to %q, want 303 to %s\n%s", path, res.StatusCode, res.Header.Get("Location"), location, body)
	}
}

// get fetches path and fails the test unless it answers status; it returns the body.
func (c *httpClient) get(path string, status int) string {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	res, body := c.do(req)
	if res.StatusCode != status {
		c.t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, status, body)
	}
	return body
}

func (c *httpClient) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return res, string(b)
}
