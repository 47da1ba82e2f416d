package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/auth"
)

// run is the whole bench: setup, the measurements, the report and the cleanup.
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

	var secretKey []byte
	o.secretKey, secretKey = newSecretKey()
	step("starting the server")
	srv, err := startServer(ctx, bin, benchURL, tmp, auth.ImplFork, "fork", o.secretKey)
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
	fmt.Printf("  server pid %d on %s (hash workers %s, argon2id %s)\n", srv.pid(), srv.base, hashWorkers(), auth.ImplFork)

	pool, err := openPool(ctx, benchURL)
	if err != nil {
		return fmt.Errorf("bench database: %w", err)
	}
	defer pool.Close()
	meter := cpuMeter{serverPID: srv.pid(), pool: pool}

	step(fmt.Sprintf("seeding %d users", o.users))
	seeded, err := seed(ctx, pool, o.users)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("  %d users with memberships in %v, %d demo users\n", len(seeded.users), seeded.accounts, seeded.demoUsers)
	var totpUsers []totpUser
	if o.totp {
		step(fmt.Sprintf("seeding %d users enrolled in TOTP", o.totpUsers))
		if totpUsers, err = seedTOTP(ctx, pool, secretKey, o.totpUsers); err != nil {
			return fmt.Errorf("seed TOTP users: %w", err)
		}
		fmt.Printf("  %d users of Bench Vault (two-factor authentication required), each with a secret of their own\n", len(totpUsers))
	}

	idle := readRSS(srv.pid())
	fmt.Printf("  server RSS idle after seeding: %.1f MB\n", mb(idle.rss))

	// The raw rate is measured before and after the sign-in run and the two are
	// pooled: a shared host's speed drifts, and the sign-in run sits between them.
	hrBefore, err := rawHashRate(ctx, o, meter, auth.ImplFork, "before load (a)")
	if err != nil {
		return err
	}

	step(fmt.Sprintf("load (a): password sign-in, %d clients, %s or %d sign-ins", o.signInClients, o.signInDuration, o.signInMax))
	meter.settle(ctx, o.settle)
	si, err := signInLoad(ctx, srv, meter, seeded, o)
	if err != nil {
		return err
	}
	si.print()
	if err := srv.alive(); err != nil {
		return err
	}

	var totpRes *loadResult
	if o.totp {
		step(fmt.Sprintf("load (d): password + TOTP sign-in, %d clients, %s or %d sign-ins", o.signInClients, o.totpDuration, len(totpUsers)))
		meter.settle(ctx, o.settle)
		r, err := totpLoad(ctx, srv, meter, totpUsers, o)
		if err != nil {
			return err
		}
		r.print()
		totpRes = &r
		if err := srv.alive(); err != nil {
			return err
		}
	}

	var ssoRes *loadResult
	if o.sso {
		step(fmt.Sprintf("load (e): SSO sign-in through an OpenID provider in the bench, %d clients, %s", o.ssoClients, o.ssoDuration))
		idp, stopIdP, err := startBenchIdP(srv.base)
		if err != nil {
			return err
		}
		ssoUsers, err := seedSSO(ctx, pool, secretKey, idp, o.ssoUsers)
		if err != nil {
			stopIdP()
			return fmt.Errorf("seed SSO users: %w", err)
		}
		meter.settle(ctx, o.settle)
		r, err := ssoLoad(ctx, srv, meter, ssoUsers, o)
		stopIdP()
		if err != nil {
			return err
		}
		r.print()
		ssoRes = &r
		if err := srv.alive(); err != nil {
			return err
		}
	}

	hrAfter, err := rawHashRate(ctx, o, meter, auth.ImplFork, "after loads (a) and (d)")
	if err != nil {
		return err
	}
	hr := hrBefore.plus(hrAfter)

	var xc *xcryptoResult
	if o.compare {
		if xc, err = compareXCrypto(ctx, bin, benchURL, tmp, pool, seeded, o); err != nil {
			return err
		}
	}

	step(fmt.Sprintf("load (b): GET /a/%s/ as %s, %d workers, %s", homeAccount, homeEmail, o.homeWorkers, o.homeDuration))
	meter.settle(ctx, o.settle)
	home, err := homeLoad(ctx, srv, meter, o)
	if err != nil {
		return err
	}
	home.print()
	if err := srv.alive(); err != nil {
		return err
	}

	var guesses *guessResult
	if o.guesses > 0 && len(seeded.users) > 0 {
		step(fmt.Sprintf("load (c): %d wrong passwords at once for %s", o.guesses, seeded.users[0]))
		g, err := guessPhase(ctx, srv, seeded.users[0], o.guesses)
		if err != nil {
			return err
		}
		g.print()
		guesses = &g
		if err := srv.alive(); err != nil {
			return err
		}
	}

	var people *peopleResult
	if o.people {
		if people, err = peoplePhase(ctx, srv, pool, benchURL, meter, o); err != nil {
			return err
		}
	}

	var agency *agencyResult
	if o.agency {
		if agency, err = agencyPhase(ctx, srv, pool, benchURL, meter, o); err != nil {
			return err
		}
	}

	var mailRes *mailResult
	if o.mail {
		// The first server's workers would take the phase's jobs to the development
		// mailbox: the phase runs on a server of its own, alone.
		step("stopping the first server for the mail phase")
		if err := srv.stop(); err != nil {
			return err
		}
		if mailRes, err = mailPhase(ctx, bin, benchURL, tmp, pool, o); err != nil {
			return err
		}
	}

	report(os.Stdout, reportInput{hash: hr, hashRuns: [2]hashResult{hrBefore, hrAfter}, signIn: si, totp: totpRes, sso: ssoRes,
		ssoClients: o.ssoClients, xcrypto: xc, home: home,
		guesses: guesses, people: people, agency: agency, mail: mailRes, idleRSS: idle.rss, clients: o.signInClients,
		cpus: runtime.NumCPU(), elapsed: time.Since(started)})

	n := si.unexpected + home.unexpected
	if ssoRes != nil {
		n += ssoRes.unexpected
	}
	if totpRes != nil {
		n += totpRes.unexpected
	}
	if guesses != nil {
		n += guesses.unexpected
	}
	if xc != nil {
		n += xc.signIn.unexpected
	}
	if people != nil {
		n += people.unexpected()
	}
	if mailRes != nil {
		n += mailRes.unexpected
		if mailRes.missing > 0 || mailRes.duplicates > 0 {
			return fmt.Errorf("mail: %d messages missing, %d received twice", mailRes.missing, mailRes.duplicates)
		}
	}
	if agency != nil {
		n += agency.unexpected()
	}
	if n > 0 {
		return fmt.Errorf("%d requests got an unexpected answer (see above)", n)
	}
	return ctx.Err()
}

// benchAppName marks the bench's own database connections, which the CPU meter leaves
// out of the server's PostgreSQL time.
const benchAppName = "atriumbench"

func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = benchAppName
	return pgxpool.NewWithConfig(ctx, cfg)
}

// rawHashRate measures the raw argon2id hash rate of impl in the bench process while
// the server is idle, and prints it.
func rawHashRate(ctx context.Context, o options, meter cpuMeter, impl auth.Impl, when string) (hashResult, error) {
	step(fmt.Sprintf("raw argon2id hash rate, %s, %s (2 goroutines, %s, server idle)", implName(impl), when, o.hashDuration))
	meter.settle(ctx, o.settle)
	hr, err := hashRate(ctx, o.hashDuration, meter, impl)
	if err != nil {
		return hr, err
	}
	fmt.Printf("  %d hashes in %.2fs: %.1f hashes/s (%.1f ms each per goroutine)\n",
		hr.hashes, hr.elapsed.Seconds(), hr.perSecond(), 2*1000/hr.perSecond())
	fmt.Printf("  %s; %.1f hashes per CPU-second\n", hr.cpu, hr.perCPUSecond())
	return hr, nil
}

// implName is how the report names an argon2id implementation.
func implName(impl auth.Impl) string {
	if impl == auth.ImplXCrypto {
		return "x/crypto argon2.IDKey"
	}
	return "fork"
}

func step(s string) { fmt.Printf("== %s\n", s) }

func hashWorkers() string {
	if v := os.Getenv("ATRIUM_HASH_WORKERS"); v != "" {
		return v
	}
	return "2 (default)"
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
