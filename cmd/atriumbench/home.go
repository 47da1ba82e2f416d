package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"atrium/internal/app"
)

const (
	homeEmail   = "agency@pixel.test"
	homeAccount = "globex-marketing"
	homeName    = "Globex Marketing"
)

// homeLoad runs load (b): one sign-in as the agency demo user, then o.homeWorkers
// keep-alive workers fetching the account home with that session for o.homeDuration.
// Every answer must be 200.
func homeLoad(ctx context.Context, srv *serverProc, m cpuMeter, o options) (loadResult, error) {
	tr := newTransport(o.homeWorkers)
	defer tr.CloseIdleConnections()
	cookie, err := signInCookie(ctx, tr, srv.base, homeEmail, app.DemoPassword)
	if err != nil {
		return loadResult{}, err
	}
	c := newClient(tr, nil)
	path := "/a/" + homeAccount + "/"
	first, err := get(ctx, c, srv.base, path, cookie, true)
	if err != nil {
		return loadResult{}, fmt.Errorf("GET %s: %w", path, err)
	}
	if first.status != http.StatusOK || !strings.Contains(first.body, homeName) {
		return loadResult{}, fmt.Errorf("GET %s as %s: %s (want 200 showing %q)", path, homeEmail, first.describe("answer"), homeName)
	}

	runCtx, cancel := context.WithTimeout(ctx, o.homeDuration)
	defer cancel()
	sampler := startRSSSampler(srv.pid())
	cpu := m.window(o.warmup)
	rec := newRecorder(o.warmup)
	var wg sync.WaitGroup
	for range o.homeWorkers {
		wg.Go(func() {
			for runCtx.Err() == nil {
				t0 := time.Now()
				a, err := get(runCtx, c, srv.base, path, cookie, false)
				done := time.Now()
				switch {
				case err != nil:
					failed(runCtx, rec, "GET "+path, err)
				case a.status != http.StatusOK:
					rec.problem(a.describe("GET " + path))
				default:
					rec.success(done.Sub(t0), done)
				}
			}
		})
	}
	wg.Wait()
	res := rec.result("account home", "requests", time.Now(), sampler.stop())
	res.cpu = cpu.stop()
	return res, ctx.Err()
}

// signInCookie signs in through the two-step login and returns the session's Cookie
// header value.
func signInCookie(ctx context.Context, tr http.RoundTripper, base, email, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := newClient(tr, jar)
	a, err := postForm(ctx, c, base, "/login", url.Values{"email": {email}})
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", email, err)
	}
	if a.status != http.StatusSeeOther || a.location != "/login/password" {
		return "", fmt.Errorf("sign in %s: %s", email, a.describe("POST /login"))
	}
	a, err = postForm(ctx, c, base, "/login/password", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", email, err)
	}
	if a.status != http.StatusSeeOther || a.location != "/" {
		return "", fmt.Errorf("sign in %s: %s", email, a.describe("POST /login/password"))
	}
	u, _ := url.Parse(base + "/")
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("sign in %s: no session cookie", email)
	}
	return strings.Join(parts, "; "), nil
}
