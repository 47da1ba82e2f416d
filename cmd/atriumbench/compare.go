package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/auth"
)

// targetForkGain is how much faster sign-in must be with internal/auth/argon2 than
// with x/crypto's argon2.IDKey for the fork to be worth keeping.
const targetForkGain = 0.20

// xcryptoResult is load (a) run again against a server hashing with x/crypto's
// argon2.IDKey behind the same Hasher, with its own raw hash rate.
type xcryptoResult struct {
	hash     hashResult    // both raw runs pooled
	hashRuns [2]hashResult // before and after its sign-in run
	signIn   loadResult
	runs     [2]time.Duration // how long the fork's sign-in run and this one lasted at most
}

// compareXCrypto starts a second server on the same database with
// ATRIUM_HASH_IMPL=xcrypto and measures it as load (a) measured the first: the raw
// x/crypto hash rate before and after, and the sign-in run in between, for
// o.compareDuration. The first server stays up, idle.
func compareXCrypto(ctx context.Context, bin, databaseURL, dir string, pool *pgxpool.Pool, s seeded, o options) (res *xcryptoResult, err error) {
	step("starting a second server hashing with x/crypto's argon2.IDKey")
	srv, err := startServer(ctx, bin, databaseURL, dir, auth.ImplXCrypto, "xcrypto", o.secretKey)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = fmt.Errorf("stop the x/crypto server: %w", serr)
		}
	}()
	fmt.Printf("  server pid %d on %s (hash workers %s, argon2id %s)\n", srv.pid(), srv.base, hashWorkers(), auth.ImplXCrypto)
	meter := cpuMeter{serverPID: srv.pid(), pool: pool}

	before, err := rawHashRate(ctx, o, meter, auth.ImplXCrypto, "before load (a) on x/crypto")
	if err != nil {
		return nil, err
	}
	step(fmt.Sprintf("load (a) on x/crypto: password sign-in, %d clients, %s or %d sign-ins", o.signInClients, o.compareDuration, o.signInMax))
	meter.settle(ctx, o.settle)
	run := o
	run.signInDuration = o.compareDuration
	si, err := signInLoad(ctx, srv, meter, s, run)
	if err != nil {
		return nil, err
	}
	si.print()
	if err := srv.alive(); err != nil {
		return nil, err
	}
	after, err := rawHashRate(ctx, o, meter, auth.ImplXCrypto, "after load (a) on x/crypto")
	if err != nil {
		return nil, err
	}
	return &xcryptoResult{hash: before.plus(after), hashRuns: [2]hashResult{before, after}, signIn: si,
		runs: [2]time.Duration{o.signInDuration, o.compareDuration}}, nil
}

// compareRows adds the fork against x/crypto to the report.
func compareRows(row func(...string), in reportInput) {
	xc := in.xcrypto
	share := func(signIn loadResult, raw hashResult) float64 {
		if raw.perSecond() <= 0 {
			return 0
		}
		return signIn.rate() / raw.perSecond()
	}
	gain := func(fork, xcrypto float64) float64 {
		if xcrypto <= 0 {
			return 0
		}
		return fork/xcrypto - 1
	}
	pair := func(format string, fork, xcrypto float64) string {
		return fmt.Sprintf(format+" / "+format+" (%+.1f%%)", fork, xcrypto, 100*gain(fork, xcrypto))
	}
	signInGain := gain(in.signIn.rate(), xc.signIn.rate())
	cpuGain := gain(in.signIn.perServerCPUSecond(), xc.signIn.perServerCPUSecond())
	row(fmt.Sprintf("fork vs x/crypto argon2.IDKey behind the same Hasher (sign-in runs %s / %s)", xc.runs[0], xc.runs[1]),
		"fork / x/crypto (fork's gain)", "", "")
	row("    raw hash rate, hashes/s (2 goroutines)", pair("%.1f", in.hash.perSecond(), xc.hash.perSecond()), "", "")
	row("    raw hashes per CPU-second", pair("%.1f", in.hash.perCPUSecond(), xc.hash.perCPUSecond()), "", "")
	// Other processes taking cores from one run and not the other decide the wall-clock
	// comparison; per CPU-second the figures hold up better.
	result := verdict(signInGain >= targetForkGain)
	if contended(in.signIn.cpu) || contended(xc.signIn.cpu) {
		result += " (contended: see per CPU-second)"
	}
	row(fmt.Sprintf("    password sign-ins/s, %d clients", in.clients), pair("%.1f", in.signIn.rate(), xc.signIn.rate()),
		fmt.Sprintf("gain >= %.0f%%, else drop the fork", 100*targetForkGain), result)
	row("    sign-ins per server CPU-second", pair("%.1f", in.signIn.perServerCPUSecond(), xc.signIn.perServerCPUSecond()),
		fmt.Sprintf("gain >= %.0f%%", 100*targetForkGain), verdict(cpuGain >= targetForkGain))
	row("    sign-in rate / raw hash rate", fmt.Sprintf("%.1f%% / %.1f%%",
		100*share(in.signIn, in.hash), 100*share(xc.signIn, xc.hash)), "", "")
	row("    password step p50 / p99", fmt.Sprintf("%s / %s vs %s / %s", ms(in.signIn.p50), ms(in.signIn.p99),
		ms(xc.signIn.p50), ms(xc.signIn.p99)), "", "")
	row("    peak server RSS", fmt.Sprintf("%.1f / %.1f MB", mb(in.signIn.rss.peak()), mb(xc.signIn.rss.peak())), "", "")
	row("    x/crypto successes / unexpected answers", fmt.Sprintf("%d / %d", xc.signIn.ok, xc.signIn.unexpected),
		"0 unexpected", okIfZero(xc.signIn.unexpected))
}

// contended reports whether other processes used enough CPU during a run to skew it.
func contended(u cpuUsage) bool { return u.ok && u.others > contendedCores }
