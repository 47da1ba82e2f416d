package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets, reported as PASS or MISS; missing one is not an error.
const (
	targetSignInShare = 0.90  // sign-ins/s as a share of the raw hash rate
	targetHomeRate    = 2000  // account home requests/s
	targetSignInRSSMB = 150.0 // peak RSS during the sign-in run
)

type reportInput struct {
	hash    hashResult
	signIn  loadResult
	home    loadResult
	idleRSS int64
	clients int
	cpus    int
	elapsed time.Duration
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// report prints the final table.
func report(w io.Writer, in reportInput) {
	share := 0.0
	if in.hash.perSecond() > 0 {
		share = in.signIn.rate() / in.hash.perSecond()
	}
	signInRSS := mb(in.signIn.rss.peak())
	rssTarget := fmt.Sprintf("< %.0f MB", targetSignInRSSMB)
	if in.clients != 200 {
		rssTarget += fmt.Sprintf(" (target is for 200 clients, ran %d)", in.clients)
	}

	fmt.Fprintf(w, "\nAtrium bench results (%d CPUs, bench took %s)\n", in.cpus, in.elapsed.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(cols ...string) { fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t") }
	row("measure", "value", "target", "result")
	row("-------", "-----", "------", "------")
	row("raw argon2id hash rate (2 goroutines)", fmt.Sprintf("%.1f hashes/s", in.hash.perSecond()), "", "")
	row(fmt.Sprintf("(a) password sign-in, %d clients", in.clients), fmt.Sprintf("%.1f sign-ins/s", in.signIn.rate()), "", "")
	row("    sign-in rate / raw hash rate", fmt.Sprintf("%.1f%%", share*100),
		fmt.Sprintf(">= %.0f%%", targetSignInShare*100), verdict(share >= targetSignInShare))
	row("    password step p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(in.signIn.p50), ms(in.signIn.p95), ms(in.signIn.p99)), "", "")
	row("    peak server RSS", fmt.Sprintf("%.1f MB", signInRSS), rssTarget, verdict(signInRSS < targetSignInRSSMB))
	row("    successes / unexpected answers", fmt.Sprintf("%d / %d", in.signIn.ok, in.signIn.unexpected), "0 unexpected", okIfZero(in.signIn.unexpected))
	row(fmt.Sprintf("(b) GET /a/%s/", homeAccount), fmt.Sprintf("%.0f req/s", in.home.rate()),
		fmt.Sprintf(">= %d req/s", targetHomeRate), verdict(in.home.rate() >= targetHomeRate))
	row("    p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(in.home.p50), ms(in.home.p95), ms(in.home.p99)), "", "")
	row("    peak server RSS", fmt.Sprintf("%.1f MB", mb(in.home.rss.peak())), "", "")
	row("    200 answers / unexpected answers", fmt.Sprintf("%d / %d", in.home.ok, in.home.unexpected), "0 unexpected", okIfZero(in.home.unexpected))
	row("server RSS idle (after seeding)", fmt.Sprintf("%.1f MB", mb(in.idleRSS)), "", "")
	_ = tw.Flush()
	fmt.Fprintln(w, "(rates and percentiles leave out each run's warm-up; targets are informational)")
}

func okIfZero(n int) string {
	if n == 0 {
		return "ok"
	}
	return "ERROR"
}
