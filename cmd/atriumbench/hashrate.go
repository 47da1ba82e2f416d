package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"atrium/internal/auth"
)

// hashResult is the raw argon2id throughput of this machine.
type hashResult struct {
	hashes  int64
	elapsed time.Duration
	cpu     cpuUsage // the bench's cores are the hashing
}

func (h hashResult) perSecond() float64 { return float64(h.hashes) / h.elapsed.Seconds() }

// perCPUSecond is hashes per CPU-second of the bench process, which does nothing else
// while it measures.
func (h hashResult) perCPUSecond() float64 {
	if h.cpu.bench <= 0 {
		return 0
	}
	return h.perSecond() / h.cpu.bench
}

// plus combines two measurements of the raw rate: hashes and time add up, the CPU
// figures are averaged over the time of each.
func (h hashResult) plus(o hashResult) hashResult {
	total := h.elapsed + o.elapsed
	if total <= 0 {
		return h
	}
	w1, w2 := h.elapsed.Seconds()/total.Seconds(), o.elapsed.Seconds()/total.Seconds()
	c := h.cpu
	c.wall = h.cpu.wall + o.cpu.wall
	c.server = h.cpu.server*w1 + o.cpu.server*w2
	c.db = h.cpu.db*w1 + o.cpu.db*w2
	c.bench = h.cpu.bench*w1 + o.cpu.bench*w2
	c.others = h.cpu.others*w1 + o.cpu.others*w2
	c.hostBusy = h.cpu.hostBusy*w1 + o.cpu.hostBusy*w2
	c.ok = h.cpu.ok && o.cpu.ok
	return hashResult{hashes: h.hashes + o.hashes, elapsed: total, cpu: c}
}

// hashRate runs Hash with the production parameters on two goroutines through a
// Hasher running impl and allowing two at once (the server's default) for about d.
func hashRate(ctx context.Context, d time.Duration, m cpuMeter, impl auth.Impl) (hashResult, error) {
	h := auth.NewHasherImpl(auth.DefaultParams, 2, impl)
	// One hash first so the measured ones do not pay for first-use page faults alone.
	if _, err := h.Hash(ctx, benchPassword); err != nil {
		return hashResult{}, err
	}
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	cpu0 := m.take()
	start := time.Now()
	deadline := start.Add(d)
	for range 2 {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if _, err := h.Hash(ctx, benchPassword); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return hashResult{hashes: n.Load(), elapsed: time.Since(start), cpu: cpu0.to(m.take())}, firstErr
}
