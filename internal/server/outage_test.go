package server_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"atrium/internal/pgtest"
)

// dbLink is a TCP link between the server and PostgreSQL that a test can cut (every
// connection dropped, new ones refused) and restore on the same port: a database
// outage as the server sees it.
type dbLink struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newDBLink(t *testing.T, target string) *dbLink {
	l := &dbLink{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.addr = ln.Addr().String()
	l.serve(ln)
	t.Cleanup(l.cut)
	return l
}

func (l *dbLink) serve(ln net.Listener) {
	l.mu.Lock()
	l.ln = ln
	l.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", l.target, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			l.mu.Lock()
			l.conns = append(l.conns, c, up)
			l.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut drops every connection and stops listening: connecting is refused.
func (l *dbLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// restore listens again on the same address.
func (l *dbLink) restore() {
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ln, err = net.Listen("tcp", l.addr); err == nil {
			l.serve(ln)
			return
		}
	}
	l.t.Fatalf("listening again on %s: %v", l.addr, err)
}

// TestDatabaseOutage_503WithRetryAfterThenBack: while the database cannot be reached,
// pages (the session store's errors included) and /readyz answer 503 with Retry-After,
// never 500; once it is back, the same session works again without signing in.
func TestDatabaseOutage_503WithRetryAfterThenBack(t *testing.T) {
	_, dbURL := pgtest.New(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	link := newDBLink(t, u.Host)
	u.Host = link.addr
	e := serveEnv(t, u.String(), envOptions{})
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	home := "/a/" + w.AccA1.Slug + "/"
	if res, _ := c.get(home); res.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d", res.StatusCode)
	}

	link.cut()
	for _, path := range []string{home, "/profile", "/readyz"} {
		res, body := c.get(path)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" && path != "/readyz" {
			t.Errorf("GET %s during the outage: %d (Retry-After %q)\n%s", path, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
	anon := e.client()
	if res, body := anon.post("/login", url.Values{"email": {w.Viewer.Email}}); res.StatusCode != http.StatusServiceUnavailable ||
		!strings.Contains(body, "try again") {
		t.Errorf("sign-in during the outage: %d\n%s", res.StatusCode, body)
	}

	link.restore()
	var last int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, _ := c.get(home)
		if last = res.StatusCode; last == http.StatusOK {
			break
		}
	}
	if last != http.StatusOK {
		t.Fatalf("after the outage: %d, want 200 with the same session", last)
	}
	if res, _ := c.get("/readyz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after the outage: %d", res.StatusCode)
	}
}
