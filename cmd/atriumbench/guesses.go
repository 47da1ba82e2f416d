package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"atrium/internal/policy"
)

// guessResult is the parallel-guesses phase: wrong passwords for one email, all sent
// at once. Each 401 follows exactly one hash; a 429 was refused before hashing.
type guessResult struct {
	sent, hashed, refused, unexpected int
	elapsed                           time.Duration
}

// guessPhase posts n wrong passwords for email to the password step at once, each in
// a browser of its own, and counts the answers.
func guessPhase(ctx context.Context, srv *serverProc, email string, n int) (guessResult, error) {
	tr := newTransport(n)
	defer tr.CloseIdleConnections()
	c := newClient(tr, nil)
	res := guessResult{sent: n}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			a, err := postForm(ctx, c, srv.base, "/login/password", url.Values{"email": {email}, "password": {fmt.Sprintf("guess %d", i)}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil || (a.status != http.StatusUnauthorized && a.status != http.StatusTooManyRequests):
				res.unexpected++
			case a.status == http.StatusUnauthorized:
				res.hashed++
			default:
				res.refused++
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	res.elapsed = time.Since(t0)
	return res, ctx.Err()
}

// timeToSuspension is how long guessing one email must go on before its password step
// is suspended, each guess made as soon as the throttle (policy.CheckAttempts) allows.
func timeToSuspension() time.Duration {
	now := time.Now()
	var total time.Duration
	for failures := range policy.SuspendAfter {
		total += policy.CheckAttempts(policy.Attempts{EmailFailures: failures, EmailLastFailure: now}, now).Wait
	}
	return total
}

func (g guessResult) print() {
	fmt.Printf("  %d parallel guesses in %s: %d hashed (401), %d refused (429), %d unexpected\n",
		g.sent, g.elapsed.Round(time.Millisecond), g.hashed, g.refused, g.unexpected)
	fmt.Printf("  suspension after %d failures needs >= %.1f h of sustained guessing\n", policy.SuspendAfter, timeToSuspension().Hours())
}

func (g guessResult) rows(row func(cols ...string)) {
	row(fmt.Sprintf("(c) %d parallel wrong passwords, one email", g.sent), fmt.Sprintf("%d hashed, %d refused 429", g.hashed, g.refused),
		fmt.Sprintf("<= %d hashed", policy.FreeEmailFailures+1), verdict(g.hashed <= policy.FreeEmailFailures+1))
	row(fmt.Sprintf("    suspension (%d failures) needs", policy.SuspendAfter), fmt.Sprintf(">= %.1f h of sustained guessing", timeToSuspension().Hours()), "", "")
	row("    unexpected answers", fmt.Sprint(g.unexpected), "0 unexpected", okIfZero(g.unexpected))
}
