// Command atriumsoak runs Atrium under load and faults, and on several instances, and
// prints what it measured. It makes a private PostgreSQL cluster of its own (durable:
// fsync on; a data directory under /var/tmp, a free loopback port, removed at the
// end), so stopping and starting it touches nothing else; builds cmd/atrium and runs it
// as child processes on free loopback ports; and delivers mail to an SMTP server of its
// own on loopback. Everything it starts stops when it ends, or when it is killed.
//
//	atriumsoak -mode soak    (make soak)
//
// seeds -users users, signs them in and runs a mixed load for -duration: the landing
// redirect, the account switcher and a switch, the account home, members, campaigns,
// lists and activity pages, and one operation in -write-every a write (create a
// campaign or a list, rename a campaign). At -outage-at PostgreSQL is stopped (-stop
// fast: pg_ctl's -m fast; immediate: as after a crash) and started again -outage-hold
// later. It prints latency (p50/p95/p99) by page, the answers during the outage (503
// with Retry-After, never 500), when /readyz and the pages came back, and checks that
// every write acknowledged with a redirect is in the database. Then each user sends an
// invitation against an SMTP server taking -mail-delay a message; the server is killed
// with SIGKILL once a third are delivered and started again; every message must be
// delivered, duplicates only for messages the SMTP server had accepted while their
// outbox row was not yet marked sent.
//
//	atriumsoak -mode multi   (make multi)
//
// runs -instances servers over one database behind haproxy (Debian's; see
// scripts/ensure-haproxy.sh) and the same load straight at one instance, through
// haproxy to that one, and through haproxy to all, printing requests/s of each.
//
// The exit status is 1 when a check failed (an unexpected answer, a lost write, an
// undelivered message …); timings are figures, never checks.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/childproc"
	"atrium/internal/pgcluster"
	"atrium/internal/smtpsink"
	"atrium/internal/store"
)

// options are the knobs of one run.
type options struct {
	mode          string
	users         int
	accounts      int
	duration      time.Duration
	writeEvery    int
	think         time.Duration
	outageAt      time.Duration
	outageHold    time.Duration
	stopMode      string
	mailDelay     time.Duration
	rescueAfter   time.Duration
	instances     int
	multiDuration time.Duration
	limit         time.Duration
	keep          bool
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "soak", "soak: load with a PostgreSQL restart, then the server killed with mail queued; multi: several instances behind haproxy")
	flag.IntVar(&o.users, "users", 200, "concurrent signed-in users")
	flag.IntVar(&o.accounts, "accounts", 10, "accounts the users are spread over (each user administers two)")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "soak: how long the load runs")
	flag.IntVar(&o.writeEvery, "write-every", 10, "one operation in this many is a write (0: none)")
	flag.DurationVar(&o.think, "think", 0, "pause of each user after each operation (0: none, as fast as answers come)")
	flag.DurationVar(&o.outageAt, "outage-at", 25*time.Second, "soak: when in the load PostgreSQL is stopped (0: no restart)")
	flag.DurationVar(&o.outageHold, "outage-hold", 3*time.Second, "soak: how long PostgreSQL stays down")
	flag.StringVar(&o.stopMode, "stop", "fast", "soak: how PostgreSQL is stopped: fast (pg_ctl -m fast) or immediate (as a crash: WAL recovery at start)")
	flag.DurationVar(&o.mailDelay, "mail-delay", 150*time.Millisecond, "soak: how long the SMTP server takes for each message before the kill")
	flag.DurationVar(&o.rescueAfter, "rescue-after", 10*time.Second, "ATRIUM_MAIL_RESCUE_AFTER of the servers: when a delivery of a killed process is retried")
	flag.IntVar(&o.instances, "instances", 3, "multi: atrium serve processes behind the balancer")
	flag.DurationVar(&o.multiDuration, "multi-duration", 20*time.Second, "multi: how long each of the three load runs lasts")
	flag.DurationVar(&o.limit, "limit", 15*time.Minute, "the whole run stops after this long")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (server and haproxy logs)")
	flag.Parse()
	switch {
	case o.mode != "soak" && o.mode != "multi":
		usage("-mode must be soak or multi")
	case o.stopMode != "fast" && o.stopMode != "immediate":
		usage("-stop must be fast or immediate")
	case o.users < 1 || o.accounts < 2 || o.instances < 2:
		usage("-users must be at least 1, -accounts and -instances at least 2")
	case o.outageAt > 0 && o.outageAt+o.outageHold >= o.duration:
		usage("-outage-at plus -outage-hold must fall within -duration")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.limit)
	defer cancel()
	failed, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "atriumsoak:", err)
		os.Exit(1)
	}
	if len(failed) > 0 {
		fmt.Println("\nFAILED:")
		for _, f := range failed {
			fmt.Println("  - " + f)
		}
		os.Exit(1)
	}
	fmt.Println("\nEvery check passed.")
}

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "atriumsoak:", msg)
	os.Exit(2)
}

// world is what a run shares: the cluster, the database, the binary, the SMTP server.
type world struct {
	cluster *pgcluster.Cluster
	dbURL   string
	dir     string
	bin     string
	sink    *smtpsink.Sink
	tr      *http.Transport
	o       options
}

func run(ctx context.Context, o options) (failed []string, err error) {
	w := &world{o: o, tr: newTransport(o.users)}
	defer w.tr.CloseIdleConnections()
	// The work directories of earlier runs that were killed before they could remove
	// them (their PostgreSQL data directories are swept by pgcluster.New).
	childproc.SweepPIDDirs(os.TempDir(), "atrium-soak", nil)
	if w.dir, err = childproc.MkdirPID(os.TempDir(), "atrium-soak"); err != nil {
		return nil, err
	}
	defer func() {
		if o.keep || err != nil || len(failed) > 0 {
			fmt.Printf("\nlogs kept in %s\n", w.dir)
			return
		}
		_ = os.RemoveAll(w.dir)
	}()
	t0 := time.Now()
	if w.bin, err = buildServer(ctx, w.dir); err != nil {
		return nil, err
	}
	if w.cluster, err = pgcluster.New(ctx, pgcluster.Options{Prefix: "atrium-soak", Durable: true}); err != nil {
		return nil, err
	}
	defer func() {
		if rerr := w.cluster.Remove(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if err := w.cluster.CreateDatabase(ctx, "atrium"); err != nil {
		return nil, err
	}
	w.dbURL = w.cluster.URL("atrium")
	if w.sink, err = smtpsink.Start("soak.localhost"); err != nil {
		return nil, err
	}
	defer w.sink.Close()
	var version string
	if conn, err := pgxpool.New(ctx, w.dbURL); err == nil {
		_ = conn.QueryRow(ctx, `SELECT current_setting('server_version') || ', fsync ' || current_setting('fsync') ||
			', synchronous_commit ' || current_setting('synchronous_commit')`).Scan(&version)
		conn.Close()
	}
	fmt.Printf("PostgreSQL %s: private cluster in %s on 127.0.0.1:%d (ready in %.1f s with the build)\n",
		version, w.cluster.Dir, w.cluster.Port, time.Since(t0).Seconds())
	if o.mode == "multi" {
		return multi(ctx, o, w)
	}
	return soak(ctx, o, w)
}

// soakSecretKey seals the soak's servers' secrets (its database is thrown away).
const soakSecretKey = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"

// serverEnv is the environment of every atrium serve process.
func (w *world) serverEnv() []string {
	return []string{"DATABASE_URL=" + w.dbURL, "SMTP_URL=" + w.sink.URL(), "ATRIUM_SECRET_KEY=" + soakSecretKey,
		"ATRIUM_MAIL_RESCUE_AFTER=" + w.o.rescueAfter.String()}
}

// loadOptions are those of a load run; run tags its writes (see loadOptions.run).
func (w *world) loadOptions(o options, run string) loadOptions {
	return loadOptions{run: run, duration: o.duration, writeEvery: o.writeEvery, think: o.think, pause503: 250 * time.Millisecond}
}

// prepare seeds the users (the database is migrated by the first server) and signs
// them in at base.
func (w *world) prepare(ctx context.Context, base string, o options) ([]soakUser, []*browser, error) {
	pool, err := pgxpool.New(ctx, w.dbURL)
	if err != nil {
		return nil, nil, err
	}
	defer pool.Close()
	if pending, err := store.Pending(ctx, pool); err != nil || pending {
		return nil, nil, fmt.Errorf("the database is not migrated (%v)", err)
	}
	t0 := time.Now()
	users, err := seedData(ctx, pool, o.users, o.accounts)
	if err != nil {
		return nil, nil, fmt.Errorf("seeding: %w", err)
	}
	t1 := time.Now()
	browsers, err := signInAll(ctx, w.tr, base, users)
	if err != nil {
		return nil, nil, fmt.Errorf("signing in: %w", err)
	}
	fmt.Printf("%d users in %d accounts seeded in %.1f s, signed in in %.1f s (%s)\n", len(users), o.accounts,
		t1.Sub(t0).Seconds(), time.Since(t1).Seconds(), strings.TrimPrefix(base, "http://"))
	return users, browsers, nil
}
