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

// contendedCores is how much CPU other processes (PostgreSQL included) may use during
// a measurement before the report warns that its figures are contended.
const contendedCores = 0.25

type reportInput struct {
	hash       hashResult    // both raw runs pooled
	hashRuns   [2]hashResult // before and after the sign-in run
	signIn     loadResult
	totp       *loadResult // load (d); nil when it did not run
	sso        *loadResult // load (e); nil when it did not run
	ssoClients int
	xcrypto    *xcryptoResult // nil when the comparison did not run
	home       loadResult
	guesses    *guessResult  // nil when the phase did not run
	people     *peopleResult // nil when the phase did not run
	mail       *mailResult   // nil when the phase did not run
	agency     *agencyResult // nil when the phase did not run
	idleRSS    int64
	clients    int
	cpus       int
	elapsed    time.Duration
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
	row("raw argon2id hash rate (2 goroutines)", fmt.Sprintf("%.1f hashes/s (%.1f before, %.1f after load (a))",
		in.hash.perSecond(), in.hashRuns[0].perSecond(), in.hashRuns[1].perSecond()), "", "")
	row(fmt.Sprintf("(a) password sign-in, %d clients", in.clients), fmt.Sprintf("%.1f sign-ins/s", in.signIn.rate()), "", "")
	row("    sign-in rate / raw hash rate", fmt.Sprintf("%.1f%%", share*100),
		fmt.Sprintf(">= %.0f%%", targetSignInShare*100), verdict(share >= targetSignInShare))
	cpuShare := 0.0
	if in.hash.perCPUSecond() > 0 {
		cpuShare = in.signIn.perServerCPUSecond() / in.hash.perCPUSecond()
	}
	row("    per CPU-second: sign-ins / raw hashes", fmt.Sprintf("%.1f%% (%.1f vs %.1f)", cpuShare*100,
		in.signIn.perServerCPUSecond(), in.hash.perCPUSecond()), "", "")
	row("    server CPU cores used", fmt.Sprintf("%.2f of %d", in.signIn.cpu.server, in.cpus), "", "")
	row("    password step p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(in.signIn.p50), ms(in.signIn.p95), ms(in.signIn.p99)), "", "")
	row("    peak server RSS", fmt.Sprintf("%.1f MB", signInRSS), rssTarget, verdict(signInRSS < targetSignInRSSMB))
	row("    successes / unexpected answers", fmt.Sprintf("%d / %d", in.signIn.ok, in.signIn.unexpected), "0 unexpected", okIfZero(in.signIn.unexpected))
	if in.totp != nil {
		totpRows(row, in)
	}
	if in.sso != nil {
		ssoRows(row, in)
	}
	if in.xcrypto != nil {
		compareRows(row, in)
	}
	row(fmt.Sprintf("(b) GET /a/%s/", homeAccount), fmt.Sprintf("%.0f req/s", in.home.rate()),
		fmt.Sprintf(">= %d req/s", targetHomeRate), verdict(in.home.rate() >= targetHomeRate))
	row("    p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(in.home.p50), ms(in.home.p95), ms(in.home.p99)), "", "")
	row("    CPU cores: server / PostgreSQL / bench / other", fmt.Sprintf("%.2f / %.2f / %.2f / %.2f",
		in.home.cpu.server, in.home.cpu.db, in.home.cpu.bench, in.home.cpu.others), "", "")
	row("    peak server RSS", fmt.Sprintf("%.1f MB", mb(in.home.rss.peak())), "", "")
	row("    200 answers / unexpected answers", fmt.Sprintf("%d / %d", in.home.ok, in.home.unexpected), "0 unexpected", okIfZero(in.home.unexpected))
	if in.guesses != nil {
		in.guesses.rows(row)
	}
	row("server RSS idle (after seeding)", fmt.Sprintf("%.1f MB", mb(in.idleRSS)), "", "")
	if in.people != nil {
		in.people.rows(row)
	}
	if in.agency != nil {
		in.agency.rows(row)
	}
	if in.mail != nil {
		in.mail.rows(row)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "(rates and percentiles leave out each run's warm-up; targets are informational)")
	runs := []namedUsage{{"hash rate", in.hash.cpu}, {"sign-in run", in.signIn.cpu}, {"account home run", in.home.cpu}}
	if in.totp != nil {
		runs = append(runs, namedUsage{"password + TOTP sign-in run", in.totp.cpu})
	}
	if in.xcrypto != nil {
		runs = append(runs, []namedUsage{{"x/crypto hash rate", in.xcrypto.hash.cpu}, {"x/crypto sign-in run", in.xcrypto.signIn.cpu}}...)
	}
	if in.people != nil {
		for _, l := range in.people.loads {
			runs = append(runs, namedUsage{"people (" + l.key + ") run", l.res.cpu})
		}
	}
	if in.agency != nil {
		runs = append(runs, in.agency.runs()...)
	}
	if in.mail != nil {
		runs = append(runs, []namedUsage{{"invitation burst", in.mail.cpuBurst}, {"account home run while the mail drained", in.mail.cpuDrain},
			{"account home run with the mail queue idle", in.mail.cpuIdle}}...)
	}
	for _, p := range runs {
		if contended(p.u) {
			fmt.Fprintf(w, "NOTE: during the %s other processes used %.2f cores: the figures are contended.\n", p.name, p.u.others)
		}
	}
}

// namedUsage is the CPU use of one named measurement.
type namedUsage struct {
	name string
	u    cpuUsage
}

func okIfZero(n int) string {
	if n == 0 {
		return "ok"
	}
	return "ERROR"
}
