// Command atriumbench measures Atrium under load: the raw argon2id hash rate, password
// sign-ins through the two-step login, and the account home page of a signed-in user,
// with the server's resident memory sampled throughout.
//
// It creates a throwaway database atrium_bench on the PostgreSQL server named by
// DATABASE_URL (an admin URL), builds and starts cmd/atrium as a separate process on a
// free loopback port with ATRIUM_DEV=1, seeds bench users through the store, runs the
// loads, prints a table, then stops the server and drops the database.
//
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable go run ./cmd/atriumbench
//
// Targets are reported as PASS or MISS for information only; the exit status is
// non-zero only when something went wrong (setup failed, a request got an unexpected
// answer, the server died).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the knobs of one bench run.
type options struct {
	users          int
	hashDuration   time.Duration
	signInClients  int
	signInDuration time.Duration
	signInMax      int
	homeWorkers    int
	homeDuration   time.Duration
	warmup         time.Duration
	keepLog        bool
	settle         time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 200, "bench users to seed (each signs in with a shared production-cost hash)")
	flag.DurationVar(&o.hashDuration, "hash-duration", 5*time.Second, "how long to measure the raw argon2id hash rate")
	flag.IntVar(&o.signInClients, "signin-clients", 200, "concurrent password sign-in clients")
	flag.DurationVar(&o.signInDuration, "signin-duration", 15*time.Second, "how long the sign-in run lasts at most")
	flag.IntVar(&o.signInMax, "signin-max", 3000, "sign-ins to start at most")
	flag.IntVar(&o.homeWorkers, "home-workers", 48, "concurrent account home workers (keep-alive)")
	flag.DurationVar(&o.homeDuration, "home-duration", 10*time.Second, "how long the account home run lasts")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "start of each load run left out of rates and percentiles")
	flag.DurationVar(&o.settle, "settle", 15*time.Second, "before each measurement, wait at most this long for the host to be quiet (0: do not wait)")
	flag.BoolVar(&o.keepLog, "keep-log", false, "keep the server's log file after the run")
	flag.Parse()
	if o.warmup >= o.signInDuration || o.warmup >= o.homeDuration {
		fmt.Fprintln(os.Stderr, "atriumbench: -warmup must be shorter than both runs")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "atriumbench:", err)
		os.Exit(1)
	}
}
