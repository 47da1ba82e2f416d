package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"atrium/internal/balancer"
)

// multi runs o.instances atrium serve processes over one database behind haproxy and
// runs the same mixed load three times: straight at one instance, through the
// balancer to that one instance only, and through the balancer to all of them; it
// prints requests/s and latency of each. Users sign in through the balancer, so their
// sessions are made on whichever instance it picked and used on all. It returns the
// failed checks.
func multi(ctx context.Context, o options, w *world) ([]string, error) {
	bin, err := balancer.Find()
	if err != nil {
		return nil, err
	}
	env := append(w.serverEnv(), "ATRIUM_TRUSTED_PROXIES="+balancer.ProxyAddress)
	// The first instance migrates; the others start together after it.
	first, err := startServer(ctx, w.bin, w.dir, "atrium-1", env)
	if err != nil {
		return nil, err
	}
	instances := []*serverProc{first}
	defer func() {
		for _, s := range instances {
			_ = s.stop()
		}
	}()
	rest := make([]*serverProc, o.instances-1)
	errs := make([]error, len(rest))
	var wg sync.WaitGroup
	for i := range rest {
		wg.Go(func() { rest[i], errs[i] = startServer(ctx, w.bin, w.dir, fmt.Sprintf("atrium-%d", i+2), env) })
	}
	wg.Wait()
	for i, s := range rest {
		if errs[i] != nil {
			return nil, errs[i]
		}
		instances = append(instances, s)
	}
	addrs := make([]string, len(instances))
	for i, s := range instances {
		addrs[i] = s.addr
	}
	all, err := balancer.Start(ctx, bin, w.dir, addrs)
	if err != nil {
		return nil, err
	}
	defer all.Stop() //nolint:errcheck
	oneDir, err := os.MkdirTemp(w.dir, "one-")
	if err != nil {
		return nil, err
	}
	one, err := balancer.Start(ctx, bin, oneDir, addrs[:1])
	if err != nil {
		return nil, err
	}
	defer one.Stop() //nolint:errcheck
	fmt.Printf("\n%d instances on %v behind haproxy on %s\n", len(instances), addrs, all.Addr)

	users, browsers, err := w.prepare(ctx, all.URL, o)
	if err != nil {
		return nil, err
	}
	runs := []struct {
		name   string
		target string
	}{
		{"one instance, straight", first.base},
		{"one instance through haproxy", one.URL},
		{fmt.Sprintf("%d instances through haproxy", len(instances)), all.URL},
	}
	var failed []string
	var writes [][]writeAttempt
	rates := make([]float64, len(runs))
	for i, r := range runs {
		// Each run its own tag: the writes of all three are checked together.
		lo := w.loadOptions(o, strconv.Itoa(i+1))
		lo.duration = o.multiDuration
		cpu0 := cpuOf(instances)
		start := time.Now()
		rec, ws := runLoad(ctx, users, browsers, []string{r.target}, lo)
		window := time.Since(start)
		cpu := cpuOf(instances) - cpu0
		writes = append(writes, ws...)
		for _, s := range instances {
			if err := s.alive(); err != nil {
				return nil, err
			}
		}
		ok := summarize(rec.samples, nil)
		rates[i] = float64(ok.n) / window.Seconds()
		fmt.Printf("\n%s (%d users, %s):\n", r.name, o.users, window.Round(time.Second))
		printTable(os.Stdout, rec.samples, window, nil)
		printCounts(os.Stdout, rec.samples, rec.problems)
		if ok.n > 0 {
			fmt.Printf("  CPU of the atrium processes: %.1f s, %.2f ms a request\n", cpu.Seconds(), float64(cpu.Milliseconds())/float64(ok.n))
		}
		c := counts(rec.samples)
		for k := classUnavailable; k <= classTransport; k++ {
			if c[k] > 0 {
				failed = append(failed, fmt.Sprintf("%s: %d answers were %s", r.name, c[k], k))
			}
		}
	}
	fmt.Printf("\nrequests/s: one instance straight %.0f; one instance through haproxy %.0f; %d instances through haproxy %.0f (%.2f× one instance straight)\n",
		rates[0], rates[1], len(instances), rates[2], rates[2]/max(rates[0], 1))
	check, err := w.verify(ctx, writes)
	if err != nil {
		return nil, err
	}
	return append(failed, check...), nil
}

func cpuOf(ps []*serverProc) time.Duration {
	var d time.Duration
	for _, p := range ps {
		d += p.cpu()
	}
	return d
}
