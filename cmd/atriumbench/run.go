package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// run is the whole bench: setup, the three measurements, the report and the cleanup.
// Cleanup (server stopped, database dropped, temporary files removed) runs whatever
// happened before it.
func run(ctx context.Context, o options) (err error) {
	started := time.Now()
	adminURL := os.Getenv("DATABASE_URL")
	if adminURL == "" {
		return errors.New("DATABASE_URL is not set (an admin URL on a PostgreSQL server)")
	}
	benchURL, err := databaseURL(adminURL, benchDatabase)
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "atriumbench-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keepLog || err != nil {
			fmt.Printf("server log kept in %s\n", tmp)
			return
		}
		_ = os.RemoveAll(tmp)
	}()

	step("building the server")
	bin, err := buildServer(ctx, tmp)
	if err != nil {
		return err
	}

	step("creating database " + benchDatabase)
	if err := recreateDatabase(ctx, adminURL); err != nil {
		return err
	}
	defer func() {
		if derr := dropDatabase(context.Background(), adminURL); derr != nil {
			fmt.Fprintln(os.Stderr, "atriumbench: drop database:", derr)
			if err == nil {
				err = derr
			}
		} else {
			fmt.Printf("dropped database %s\n", benchDatabase)
		}
	}()

	step("starting the server")
	srv, err := startServer(ctx, bin, benchURL, tmp)
	if err != nil {
		return err
	}
	defer func() {
		if serr := srv.stop(); serr != nil {
			fmt.Fprintln(os.Stderr, "atriumbench: stop server:", serr)
			if err == nil {
				err = serr
			}
		} else {
			fmt.Printf("server stopped (pid %d)\n", srv.pid())
		}
	}()
	fmt.Printf("  server pid %d on %s (hash workers %s)\n", srv.pid(), srv.base, hashWorkers())

	pool, err := pgxpool.New(ctx, benchURL)
	if err != nil {
		return fmt.Errorf("bench database: %w", err)
	}
	defer pool.Close()

	step(fmt.Sprintf("seeding %d users", o.users))
	seeded, err := seed(ctx, pool, o.users)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("  %d users with memberships in %v, %d demo users\n", len(seeded.users), seeded.accounts, seeded.demoUsers)

	idle := readRSS(srv.pid())
	fmt.Printf("  server RSS idle after seeding: %.1f MB\n", mb(idle.rss))

	step(fmt.Sprintf("raw argon2id hash rate (2 goroutines, %s, server idle)", o.hashDuration))
	hr, err := hashRate(ctx, o.hashDuration)
	if err != nil {
		return err
	}
	fmt.Printf("  %d hashes in %.2fs: %.1f hashes/s (%.1f ms each per goroutine)\n",
		hr.hashes, hr.elapsed.Seconds(), hr.perSecond(), 2*1000/hr.perSecond())

	step(fmt.Sprintf("load (a): password sign-in, %d clients, %s or %d sign-ins", o.signInClients, o.signInDuration, o.signInMax))
	si, err := signInLoad(ctx, srv, seeded, o)
	if err != nil {
		return err
	}
	si.print()
	if err := srv.alive(); err != nil {
		return err
	}

	step(fmt.Sprintf("load (b): GET /a/%s/ as %s, %d workers, %s", homeAccount, homeEmail, o.homeWorkers, o.homeDuration))
	home, err := homeLoad(ctx, srv, o)
	if err != nil {
		return err
	}
	home.print()
	if err := srv.alive(); err != nil {
		return err
	}

	report(os.Stdout, reportInput{hash: hr, signIn: si, home: home, idleRSS: idle.rss, clients: o.signInClients,
		cpus: runtime.NumCPU(), elapsed: time.Since(started)})

	if n := si.unexpected + home.unexpected; n > 0 {
		return fmt.Errorf("%d requests got an unexpected answer (see above)", n)
	}
	return ctx.Err()
}

func step(s string) { fmt.Printf("== %s\n", s) }

func hashWorkers() string {
	if v := os.Getenv("ATRIUM_HASH_WORKERS"); v != "" {
		return v
	}
	return "2 (default)"
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
