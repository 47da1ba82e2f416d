package main

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"atrium/internal/pgcluster"
)

// outage is a PostgreSQL restart in the middle of the load: stopped at stopAt (in
// mode), held down, started again; back is when it accepted connections again.
type outage struct {
	stopAt, stopped, back time.Time
	err                   error
}

// restartLater stops the cluster after at, keeps it down for hold and starts it again.
func restartLater(ctx context.Context, c *pgcluster.Cluster, at, hold time.Duration, mode pgcluster.Mode) *outage {
	o := &outage{}
	select {
	case <-ctx.Done():
		o.err = ctx.Err()
		return o
	case <-time.After(at):
	}
	o.stopAt = time.Now()
	if o.err = c.Stop(mode); o.err != nil {
		return o
	}
	o.stopped = time.Now()
	time.Sleep(hold)
	o.err = c.Start(ctx)
	o.back = time.Now()
	return o
}

// readyProbe is /readyz asked every 100 ms during the load.
type readyProbe struct {
	mu     sync.Mutex
	points []readyPoint
}

type readyPoint struct {
	at     time.Time
	status int // 0: no answer
}

// probeReady asks base/readyz every 100 ms until ctx ends.
func probeReady(ctx context.Context, base string) *readyProbe {
	p := &readyProbe{}
	client := &http.Client{Timeout: 2 * time.Second}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			at, status := time.Now(), 0
			if resp, err := client.Get(base + "/readyz"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			p.mu.Lock()
			p.points = append(p.points, readyPoint{at: at, status: status})
			p.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// first is the first probe at or after from whose status satisfies ok (zero if none).
func (p *readyProbe) first(from time.Time, ok func(int) bool) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pt := range p.points {
		if !pt.at.Before(from) && ok(pt.status) {
			return pt.at
		}
	}
	return time.Time{}
}
