package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxReported is how many distinct unexpected answers a run prints.
const maxReported = 5

// recorder collects the outcome of every request of one load run.
type recorder struct {
	mu         sync.Mutex
	start      time.Time
	warmup     time.Duration
	latencies  []time.Duration // successes completed after the warm-up
	ok         int             // all successes
	unexpected int
	cancelled  int // in flight when the run ended
	problems   map[string]int
}

func newRecorder(warmup time.Duration) *recorder {
	return &recorder{start: time.Now(), warmup: warmup, problems: map[string]int{}}
}

func (r *recorder) success(latency time.Duration, done time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ok++
	if done.Sub(r.start) >= r.warmup {
		r.latencies = append(r.latencies, latency)
	}
}

func (r *recorder) problem(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unexpected++
	r.problems[what]++
}

func (r *recorder) cancel() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancelled++
}

// loadResult summarises one load run.
type loadResult struct {
	name       string
	unit       string // what one success is: "sign-ins", "requests"
	ok         int
	measured   int           // successes after the warm-up
	window     time.Duration // from the end of the warm-up to the end of the run
	unexpected int
	cancelled  int
	problems   map[string]int
	p50, p95   time.Duration
	p99, max   time.Duration
	rss        rssResult
	cpu        cpuUsage
	notes      []string
}

// result closes the run at end.
func (r *recorder) result(name, unit string, end time.Time, rss rssResult) loadResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	res := loadResult{name: name, unit: unit, ok: r.ok, measured: len(lat), window: end.Sub(r.start) - r.warmup,
		unexpected: r.unexpected, cancelled: r.cancelled, problems: r.problems, rss: rss,
		p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99)}
	if len(lat) > 0 {
		res.max = lat[len(lat)-1]
	}
	return res
}

// perServerCPUSecond is successes per CPU-second the server spent after the warm-up.
func (l loadResult) perServerCPUSecond() float64 {
	if l.cpu.server <= 0 {
		return 0
	}
	return l.rate() / l.cpu.server
}

// rate is successes per second after the warm-up.
func (l loadResult) rate() float64 {
	if l.window <= 0 {
		return 0
	}
	return float64(l.measured) / l.window.Seconds()
}

// percentile is the nearest-rank percentile of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}

func (l loadResult) print() {
	fmt.Printf("  %d %s ok (%d after warm-up in %.2fs): %.1f %s/s\n", l.ok, l.unit, l.measured, l.window.Seconds(), l.rate(), l.unit)
	fmt.Printf("  latency p50 %s  p95 %s  p99 %s  max %s\n", ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max))
	fmt.Printf("  %s\n", l.rss)
	fmt.Printf("  %s\n", l.cpu)
	if r := l.rate(); r > 0 && l.cpu.ok {
		fmt.Printf("  CPU per %s: server %s, PostgreSQL %s, bench %s\n", strings.TrimSuffix(l.unit, "s"),
			perOp(l.cpu.server, r), perOp(l.cpu.db, r), perOp(l.cpu.bench, r))
	}
	if l.cancelled > 0 {
		fmt.Printf("  %d in flight when the run ended (cancelled, not counted)\n", l.cancelled)
	}
	for _, n := range l.notes {
		fmt.Printf("  %s\n", n)
	}
	if l.unexpected > 0 {
		fmt.Printf("  %d UNEXPECTED answers:\n", l.unexpected)
		keys := make([]string, 0, len(l.problems))
		for k := range l.problems {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i == maxReported {
				fmt.Printf("    … and %d more kinds\n", len(keys)-maxReported)
				break
			}
			fmt.Printf("    %5d × %s\n", l.problems[k], k)
		}
	}
}

// perOp is the CPU time per operation of cores used at rate operations per second.
func perOp(cores, rate float64) string {
	return fmt.Sprintf("%.0fµs", cores/rate*1e6)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
