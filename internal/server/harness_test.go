package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/config"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/mailtest"
	"atrium/internal/pgtest"
	"atrium/internal/server"
	"atrium/internal/store"
)

// env is a real Atrium server on a loopback port over a throwaway database.
type env struct {
	t      testing.TB
	URL    string
	Store  *store.Store
	App    *app.App
	Server *server.Server
	writes *writeCounter
	dbURL  string
}

// writeCounter counts the statements sent by the server's pool (all); among them
// INSERT, UPDATE and DELETE statements (n); every statement that writes (any): n's
// and writes inside a WITH query as well, such as a session saved or a code counted;
// and the statements that write account_entries (entries) and update a session's data
// (sessions), whatever their form.
type writeCounter struct {
	n, any, all, entries, sessions atomic.Int64
	// sqls, while recording, keeps the first line of every statement sent (tests
	// print them when two paths' work differs).
	mu        sync.Mutex
	recording bool
	sqls      []string
}

// record starts keeping the statements sent and returns a function that stops and
// returns them.
func (w *writeCounter) record() func() []string {
	w.mu.Lock()
	w.recording, w.sqls = true, nil
	w.mu.Unlock()
	return func() []string {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.recording = false
		return w.sqls
	}
}

var writeSQL = regexp.MustCompile(`(?i)\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+(\s+(AS\s+)?\w+)?\s+SET\b`)

func (w *writeCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "-- name: PGNotifyMany") {
		// The job queue wakes its workers with a notification it sends at most every so
		// often, whatever the request: timing, not work, so it is not counted.
		return ctx
	}
	w.all.Add(1)
	w.mu.Lock()
	if w.recording {
		line, _, _ := strings.Cut(strings.TrimSpace(d.SQL), "\n")
		w.sqls = append(w.sqls, line)
	}
	w.mu.Unlock()
	sql := strings.ToUpper(strings.TrimSpace(d.SQL))
	if strings.Contains(sql, "INSERT INTO ACCOUNT_ENTRIES") {
		w.entries.Add(1)
	}
	if strings.Contains(sql, "UPDATE SESSIONS SET DATA") {
		w.sessions.Add(1)
	}
	for _, verb := range []string{"INSERT", "UPDATE", "DELETE"} {
		if strings.HasPrefix(sql, verb) {
			w.n.Add(1)
		}
	}
	if writeSQL.MatchString(d.SQL) {
		w.any.Add(1)
	}
	return ctx
}

func (w *writeCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// newEnv starts a server over a fresh database. Its log is discarded, or written at
// every level to logTo when given. No mail workers run: messages stay queued in the
// outbox (newEnvWith runs them).
func newEnv(t testing.TB, logTo ...io.Writer) *env {
	t.Helper()
	return newEnvWith(t, envOptions{logTo: logTo})
}

// envOptions say what newEnvWith starts besides the server.
type envOptions struct {
	logTo []io.Writer
	// smtp, when set, runs mail workers in the test server that deliver to it.
	smtp *mailtest.Server
	// dev turns development mode on: without smtp, mail workers deliver to the
	// development mailbox and /dev/mail exists.
	dev bool
	// mailAttempts is each delivery job's number of attempts (default 3); retries wait
	// mail.Backoff(5ms, attempt).
	mailAttempts int
	// refusePrivateNetworks makes the server refuse identity providers in private
	// networks, as in production; by default it allows them, since the tests' providers
	// listen on loopback (ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS=1).
	refusePrivateNetworks bool
}

// newEnvWith starts a server over a fresh database, with the options.
func newEnvWith(t testing.TB, opts envOptions) *env {
	t.Helper()
	_, dbURL := pgtest.New(t)
	return serveEnv(t, dbURL, opts)
}

// twin is a second server, with its own pool and hasher, over e's database: another
// instance of a deployment.
func (e *env) twin() *env {
	e.t.Helper()
	return serveEnv(e.t, e.dbURL, envOptions{})
}

func serveEnv(t testing.TB, dbURL string, opts envOptions) *env {
	t.Helper()
	logTo := opts.logTo
	pcfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	wc := &writeCounter{}
	pcfg.ConnConfig.Tracer = wc
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Config{DatabaseURL: dbURL, BaseURL: base, SessionLife: 12 * time.Hour, HashWorkers: 2, Dev: opts.dev,
		SSOAllowPrivateNetworks: !opts.refusePrivateNetworks}
	st := store.New(pool)
	a := app.New(st, auth.NewHasher(pgtest.FastParams, 2), base)
	if cfg.SSOPrivateNetworks() {
		a.SetSSOPrivateNetworks(true) // otherwise app's own default: refused
	}
	if err := a.SetSecretKey(pgtest.SecretKey); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if len(logTo) > 0 {
		log = slog.New(slog.NewTextHandler(io.MultiWriter(logTo...), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.smtp != nil {
		cfg.SMTPURL = opts.smtp.URL()
	}
	a.SetDevMailbox(cfg.DevMailbox())
	if opts.smtp != nil || opts.dev {
		startMailWorkers(t, pool, st, cfg, opts, log)
	}
	srv, h := server.New(a, cfg, log, func() (bool, error) { return store.Pending(context.Background(), pool) })
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	})
	return &env{t: t, URL: base, Store: st, App: a, Server: srv, writes: wc, dbURL: dbURL}
}

// startMailWorkers runs delivery workers for the test server until the test ends.
func startMailWorkers(t testing.TB, pool *pgxpool.Pool, st *store.Store, cfg config.Config, opts envOptions, log *slog.Logger) {
	t.Helper()
	transport, err := mail.TransportFor(cfg.SMTPURL, "Atrium <no-reply@atrium.test>", cfg.Dev)
	if err != nil {
		t.Fatal(err)
	}
	if smtp, ok := transport.(*mail.SMTP); ok {
		smtp.TLSConfig = opts.smtp.ClientTLS()
		smtp.Timeout = 10 * time.Second
	}
	attempts := opts.mailAttempts
	if attempts == 0 {
		attempts = 3
	}
	workers, err := mail.Start(context.Background(), pool, st, mail.Delivery{Transport: transport, MaxAttempts: attempts,
		RetryBase: 5 * time.Millisecond, RescueAfter: 10 * time.Second, Poll: 50 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = workers.Stop(ctx)
	})
}

// waitMail waits until the outbox message to addr has status (sent or failed) and
// returns it; the test fails after timeout.
func (e *env) waitMail(to, status string, timeout time.Duration) domain.OutboundMail {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var id int64
		var got string
		err := e.Store.Pool.QueryRow(context.Background(), `SELECT id, status FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1`, to).Scan(&id, &got)
		if err == nil && got == status {
			var m domain.OutboundMail
			err = e.Store.Pool.QueryRow(context.Background(), `SELECT message_id, subject, text_body, attempts, last_error, transport
				FROM mail_outbox WHERE id = $1`, id).Scan(&m.MessageID, &m.Subject, &m.Text, &m.Attempts, &m.LastError, &m.Transport)
			if err != nil {
				e.t.Fatal(err)
			}
			m.ID, m.To, m.Status = id, to, got
			return m
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no %s email to %s within %s (last status %q, %v)", status, to, timeout, got, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outboxLink returns the set-password link in the newest message to addr in the
// outbox (delivered or not), as a path.
func (e *env) outboxLink(to string) string {
	e.t.Helper()
	var text string
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT text_body FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1`,
		to).Scan(&text); err != nil {
		e.t.Fatalf("no message to %s in the outbox: %v", to, err)
	}
	link := setPasswordPath.FindString(text)
	if link == "" {
		e.t.Fatalf("the message to %s has no set-password link:\n%s", to, text)
	}
	return link
}

var setPasswordPath = regexp.MustCompile(`/set-password/[A-Za-z0-9_-]{43}`)

// client is a browser-like HTTP client with a cookie jar that does not follow redirects.
type client struct {
	t   testing.TB
	e   *env
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, e: e, jar: jar, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; form values make it a same-origin form POST.
func (c *client) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.e.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// raw sends a same-origin form request whose body is sent exactly as given.
func (c *client) raw(method, path, body string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.e.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) { return c.do(http.MethodGet, path, nil) }

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	return c.do(http.MethodPost, path, form)
}

// login signs in with email and password and fails the test unless it lands on "/".
func (c *client) login(email, password string) {
	c.t.Helper()
	res, _ := c.post("/login", url.Values{"email": {email}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/password" {
		c.t.Fatalf("login email step: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := c.post("/login/password", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		c.t.Fatalf("login password step for %s: %d %s\n%s", email, res.StatusCode, res.Header.Get("Location"), body)
	}
}

// sessionCookie returns the current session cookie value.
func (c *client) sessionCookie() *http.Cookie {
	u, _ := url.Parse(c.e.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == c.e.Server.Sessions().Cookie.Name {
			return ck
		}
	}
	return nil
}

// world is two organisations with accounts and users, for tenant tests.
type world struct {
	OwnerA, OwnerB, Agency, Viewer domain.User
	OrgA, OrgB                     domain.Organisation
	AccA1, AccA2, AccB             domain.Account
}

func (e *env) world() world {
	t, s := e.t, e.Store
	var w world
	w.OwnerA = pgtest.MustUser(t, s, pgtest.Unique("owner-a")+"@a.test")
	w.OwnerB = pgtest.MustUser(t, s, pgtest.Unique("owner-b")+"@b.test")
	w.Agency = pgtest.MustUser(t, s, pgtest.Unique("agency")+"@pixel.test")
	w.Viewer = pgtest.MustUser(t, s, pgtest.Unique("viewer")+"@a.test")
	w.OrgA = pgtest.MustOrganisation(t, s, "Alpha", w.OwnerA)
	w.OrgB = pgtest.MustOrganisation(t, s, "Beta", w.OwnerB)
	w.AccA1 = pgtest.MustAccount(t, s, w.OrgA, "Alpha One", w.OwnerA)
	w.AccA2 = pgtest.MustAccount(t, s, w.OrgA, "Alpha Two", w.OwnerA)
	w.AccB = pgtest.MustAccount(t, s, w.OrgB, "Beta Main", w.OwnerB)
	pgtest.MustGrant(t, s, w.AccA1, w.Agency, domain.AdministratorRoleID)
	pgtest.MustGrant(t, s, w.AccA2, w.Agency, domain.EditorRoleID)
	pgtest.MustGrant(t, s, w.AccB, w.Agency, domain.ViewerRoleID)
	pgtest.MustGrant(t, s, w.AccA1, w.Viewer, domain.ViewerRoleID)
	return w
}

// attempt posts the password step in a fresh browser and returns status, body and how
// many hashes it cost.
func (e *env) attempt(email, password string) (*http.Response, string, int64) {
	before := e.App.Hasher().Computations()
	res, body := e.client().post("/login/password", url.Values{"email": {email}, "password": {password}})
	return res, body, e.App.Hasher().Computations() - before
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.Store.Pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatal(err)
	}
}
