package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// signInLoad runs load (a): o.signInClients clients, each signing in as its own bench
// user over and over with the two-step login, each sign-in in a fresh cookie jar like a
// new browser. It stops after o.signInDuration or once o.signInMax sign-ins started;
// sign-ins still in flight then are cancelled and not counted. Only a 303 to "/" from
// the password step is a success; its latency is the password step's.
func signInLoad(ctx context.Context, srv *serverProc, m cpuMeter, s seeded, o options) (loadResult, error) {
	if len(s.users) == 0 {
		return loadResult{}, fmt.Errorf("no seeded users")
	}
	tr := newTransport(o.signInClients)
	defer tr.CloseIdleConnections()
	runCtx, cancel := context.WithTimeout(ctx, o.signInDuration)
	defer cancel()

	sampler := startRSSSampler(srv.pid())
	cpu := m.window(o.warmup)
	rec := newRecorder(o.warmup)
	var started atomic.Int64
	var wg sync.WaitGroup
	for i := range o.signInClients {
		email := s.users[i%len(s.users)]
		wg.Go(func() {
			for runCtx.Err() == nil && started.Add(1) <= int64(o.signInMax) {
				signInOnce(runCtx, tr, srv.base, email, benchPassword, rec)
			}
		})
	}
	wg.Wait()
	end := time.Now()
	res := rec.result("password sign-in", "sign-ins", end, sampler.stop())
	res.cpu = cpu.stop()
	if n := started.Load(); n >= int64(o.signInMax) {
		res.notes = append(res.notes, fmt.Sprintf("stopped at the cap of %d sign-ins", o.signInMax))
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// signInOnce does one two-step sign-in in a fresh cookie jar and records it.
func signInOnce(ctx context.Context, tr http.RoundTripper, base, email, password string, rec *recorder) {
	jar, _ := cookiejar.New(nil)
	c := newClient(tr, jar)
	a, err := postForm(ctx, c, base, "/login", url.Values{"email": {email}})
	if err != nil {
		failed(ctx, rec, "POST /login", err)
		return
	}
	if a.status != http.StatusSeeOther || a.location != "/login/password" {
		rec.problem(a.describe("POST /login"))
		return
	}
	t0 := time.Now()
	a, err = postForm(ctx, c, base, "/login/password", url.Values{"email": {email}, "password": {password}})
	done := time.Now()
	if err != nil {
		failed(ctx, rec, "POST /login/password", err)
		return
	}
	if a.status != http.StatusSeeOther || a.location != "/" {
		rec.problem(a.describe("POST /login/password"))
		return
	}
	rec.success(done.Sub(t0), done)
}

// failed records a transport error, or a cancellation when the run has ended.
func failed(ctx context.Context, rec *recorder, what string, err error) {
	if ctx.Err() != nil {
		rec.cancel()
		return
	}
	rec.problem(what + ": " + err.Error())
}
