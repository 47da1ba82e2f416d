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
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/config"
	"atrium/internal/domain"
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
// INSERT, UPDATE and DELETE statements (n); and every statement that writes (any): n's
// and writes inside a WITH query as well, such as a session saved or a code counted.
type writeCounter struct{ n, any, all atomic.Int64 }

var writeSQL = regexp.MustCompile(`(?i)\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+(\s+(AS\s+)?\w+)?\s+SET\b`)

func (w *writeCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	w.all.Add(1)
	sql := strings.ToUpper(strings.TrimSpace(d.SQL))
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
// every level to logTo when given.
func newEnv(t testing.TB, logTo ...io.Writer) *env {
	t.Helper()
	_, dbURL := pgtest.New(t)
	return serveEnv(t, dbURL, logTo...)
}

// twin is a second server, with its own pool and hasher, over e's database: another
// instance of a deployment.
func (e *env) twin() *env {
	e.t.Helper()
	return serveEnv(e.t, e.dbURL)
}

func serveEnv(t testing.TB, dbURL string, logTo ...io.Writer) *env {
	t.Helper()
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
	cfg := config.Config{DatabaseURL: dbURL, BaseURL: base, SessionLife: 12 * time.Hour, HashWorkers: 2}
	st := store.New(pool)
	a := app.New(st, auth.NewHasher(pgtest.FastParams, 2), base)
	if err := a.SetSecretKey(pgtest.SecretKey); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if len(logTo) > 0 {
		log = slog.New(slog.NewTextHandler(io.MultiWriter(logTo...), &slog.HandlerOptions{Level: slog.LevelDebug}))
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
