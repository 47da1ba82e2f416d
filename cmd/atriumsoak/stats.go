package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"time"
)

// summary is the latency and rate of a set of successful requests.
type summary struct {
	n                  int
	p50, p95, p99, max time.Duration
}

func summarize(samples []sample, keep func(sample) bool) summary {
	var lat []time.Duration
	for _, s := range samples {
		if s.class == classOK && (keep == nil || keep(s)) {
			lat = append(lat, s.lat)
		}
	}
	slices.Sort(lat)
	out := summary{n: len(lat), p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99)}
	if len(lat) > 0 {
		out.max = lat[len(lat)-1]
	}
	return out
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// counts is how many samples fell in each class.
func counts(samples []sample) map[class]int {
	out := map[class]int{}
	for _, s := range samples {
		out[s.class]++
	}
	return out
}

// printTable writes the latency of each operation and of all of them.
func printTable(w io.Writer, samples []sample, window time.Duration, keep func(sample) bool) {
	ops := map[string]bool{}
	for _, s := range samples {
		ops[s.op] = true
	}
	names := slices.Sorted(maps.Keys(ops))
	fmt.Fprintf(w, "  %-16s %8s %10s %10s %10s %10s\n", "request", "ok", "p50", "p95", "p99", "max")
	for _, op := range names {
		s := summarize(samples, func(x sample) bool { return x.op == op && (keep == nil || keep(x)) })
		fmt.Fprintf(w, "  %-16s %8d %10s %10s %10s %10s\n", op, s.n, ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max))
	}
	all := summarize(samples, keep)
	fmt.Fprintf(w, "  %-16s %8d %10s %10s %10s %10s\n", "all", all.n, ms(all.p50), ms(all.p95), ms(all.p99), ms(all.max))
	if window > 0 {
		fmt.Fprintf(w, "  throughput: %.0f requests/s answered as expected over %s\n", float64(all.n)/window.Seconds(), window.Round(time.Second))
	}
}

// printCounts writes how many answers fell in each class, and the problems seen.
func printCounts(w io.Writer, samples []sample, problems map[string]int) {
	c := counts(samples)
	fmt.Fprintf(w, "  answers: %d in all", len(samples))
	for k := classOK; k <= classTransport; k++ {
		fmt.Fprintf(w, "; %s %d", k, c[k])
	}
	fmt.Fprintln(w)
	keys := slices.Collect(maps.Keys(problems))
	sort.Slice(keys, func(i, j int) bool { return problems[keys[i]] > problems[keys[j]] })
	for i, k := range keys {
		if i == 8 {
			fmt.Fprintf(w, "    … %d more kinds\n", len(keys)-i)
			break
		}
		fmt.Fprintf(w, "    %6d × %s\n", problems[k], k)
	}
}
