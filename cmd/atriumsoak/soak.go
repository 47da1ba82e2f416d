package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/pgcluster"
)

// soak runs the load with a PostgreSQL restart in the middle, then the kill of the
// server with mail queued, on a private durable cluster, and prints the figures. It
// returns the failed checks.
func soak(ctx context.Context, o options, env *world) ([]string, error) {
	var failed []string
	srv, err := startServer(ctx, env.bin, env.dir, "atrium", env.serverEnv())
	if err != nil {
		return nil, err
	}
	defer srv.stop() //nolint:errcheck // the verdict is already out

	users, browsers, err := env.prepare(ctx, srv.base, o)
	if err != nil {
		return nil, err
	}

	fmt.Printf("\nLoad: %d signed-in users for %s over %s, one operation in %d a write", o.users, o.duration, srv.base, o.writeEvery)
	if o.outageAt > 0 {
		fmt.Printf("; PostgreSQL stopped (%s) at +%s, started again %s later", o.stopMode, o.outageAt, o.outageHold)
	}
	fmt.Println()
	loadCtx, stopProbe := context.WithCancel(ctx)
	probe := probeReady(loadCtx, srv.base)
	restarted := make(chan *outage, 1)
	start := time.Now()
	if o.outageAt > 0 {
		mode := pgcluster.Fast
		if o.stopMode == "immediate" {
			mode = pgcluster.Immediate
		}
		go func() { restarted <- restartLater(loadCtx, env.cluster, o.outageAt, o.outageHold, mode) }()
	}
	rec, writes := runLoad(ctx, users, browsers, []string{srv.base}, env.loadOptions(o, "1"))
	window := time.Since(start)
	var out *outage
	if o.outageAt > 0 {
		out = <-restarted
	}
	time.Sleep(300 * time.Millisecond) // one more readiness probe after the load
	stopProbe()
	if err := srv.alive(); err != nil {
		return nil, err
	}
	if out != nil && out.err != nil {
		return nil, fmt.Errorf("restarting PostgreSQL: %w", out.err)
	}

	steady := func(s sample) bool {
		return out == nil || s.start.Before(out.stopAt) || s.start.After(out.back.Add(5*time.Second))
	}
	printTable(os.Stdout, rec.samples, window, nil)
	if out != nil {
		fmt.Println("  without the outage (before the stop, and from 5 s after the database was back):")
		printTable(os.Stdout, rec.samples, 0, steady)
	}
	printCounts(os.Stdout, rec.samples, rec.problems)
	c := counts(rec.samples)
	for _, k := range []class{class503Bare, classServerError, classSignedOut, classUnexpected, classTransport} {
		if c[k] > 0 {
			failed = append(failed, fmt.Sprintf("load: %d answers were %s", c[k], k))
		}
	}

	if out != nil {
		failed = append(failed, reportOutage(rec, probe, out)...)
	} else if c[classUnavailable] > 0 {
		failed = append(failed, fmt.Sprintf("load: %d answers were 503 with no outage", c[classUnavailable]))
	}

	check, err := env.verify(ctx, writes)
	if err != nil {
		return nil, err
	}
	failed = append(failed, check...)

	srv, mailFailed, err := mailKill(ctx, o, env, srv, users, browsers)
	if srv != nil {
		defer srv.stop() //nolint:errcheck
	}
	if err != nil {
		return nil, err
	}
	return append(failed, mailFailed...), nil
}

// reportOutage prints the restart's figures: how /readyz and the load saw it, and how
// long after the database accepted connections again service returned.
func reportOutage(rec *recorder, probe *readyProbe, out *outage) []string {
	var failed []string
	var first503, last503, firstOK time.Time
	n503, early := 0, 0
	for _, s := range rec.samples {
		end := s.start.Add(s.lat)
		switch {
		case s.class == classUnavailable && end.Before(out.stopAt):
			early++ // answered before the stop was even asked
		case s.class == classUnavailable:
			n503++
			if first503.IsZero() || end.Before(first503) {
				first503 = end
			}
			if end.After(last503) {
				last503 = end
			}
		case s.class == classOK && !s.start.Before(out.back) && (firstOK.IsZero() || end.Before(firstOK)):
			firstOK = end
		}
	}
	notReady := probe.first(out.stopAt, func(st int) bool { return st != http.StatusOK })
	ready := probe.first(out.back, func(st int) bool { return st == http.StatusOK })
	// since says when t was relative to from: "0.12 s after", "0.05 s before".
	since := func(t, from time.Time) string {
		if t.IsZero() {
			return "never"
		}
		if d := t.Sub(from); d < 0 {
			return fmt.Sprintf("%.2f s before", -d.Seconds())
		}
		return fmt.Sprintf("%.2f s after", t.Sub(from).Seconds())
	}
	fmt.Printf("\nPostgreSQL restart:\n")
	fmt.Printf("  stopped in %s, down %s (stop asked → accepting connections again)\n",
		out.stopped.Sub(out.stopAt).Round(time.Millisecond), out.back.Sub(out.stopAt).Round(time.Millisecond))
	fmt.Printf("  503 with Retry-After: %d answers, the first %s the stop was asked, the last %s the database was back\n",
		n503, since(first503, out.stopAt), since(last503, out.back))
	fmt.Printf("  /readyz: not ready %s the stop was asked; ready again %s the database was back\n",
		since(notReady, out.stopAt), since(ready, out.back))
	fmt.Printf("  service back: first expected answer %s the database was back (target under 5 s)\n", since(firstOK, out.back))
	if early > 0 {
		failed = append(failed, fmt.Sprintf("restart: %d answers were 503 before PostgreSQL was asked to stop", early))
	}
	if notReady.IsZero() {
		failed = append(failed, "restart: /readyz never stopped answering 200 while PostgreSQL was down")
	}
	if ready.IsZero() {
		failed = append(failed, "restart: /readyz did not answer 200 again after PostgreSQL was back")
	}
	if firstOK.IsZero() {
		failed = append(failed, "restart: no page was served after PostgreSQL was back")
	}
	return failed
}

// verify checks the load's writes against the database and prints the counts.
func (w *world) verify(ctx context.Context, writes [][]writeAttempt) ([]string, error) {
	pool, err := pgxpool.New(ctx, w.dbURL)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	check, err := verifyWrites(ctx, pool, writes)
	if err != nil {
		return nil, err
	}
	fmt.Printf("\nWrites: %d acknowledged, every one in the database: %s (%d lost); %d not acknowledged, of which %d committed all the same\n",
		check.acked, yes(len(check.lost) == 0), len(check.lost), check.unacked, check.committedUnacked)
	var failed []string
	for i, l := range check.lost {
		if i == 10 {
			break
		}
		fmt.Printf("    lost: %s\n", l)
	}
	if len(check.lost) > 0 {
		failed = append(failed, fmt.Sprintf("writes: %d acknowledged writes are not in the database", len(check.lost)))
	}
	return failed, nil
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}
