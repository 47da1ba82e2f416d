// Command atrium serves the Atrium web application and runs its maintenance tasks.
//
//	atrium serve     migrate, (in dev) load demo data, serve HTTP
//	atrium migrate   apply database migrations and exit
//	atrium demo      load the demo data (idempotent)
//	atrium staff …   create organisations, accounts and first owners
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/config"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/server"
	"atrium/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "atrium:", err)
		os.Exit(1)
	}
}

const usage = `usage: atrium <command>

commands:
  serve     migrate, load demo data when ATRIUM_DEV=1, and serve HTTP on ATRIUM_ADDR
  migrate   apply database migrations
  demo      load the demo data (idempotent)
  staff     create-org | create-account | appoint-owner | reset-2fa … (run "atrium staff" for flags)`

// run is the whole program: it reads configuration through getenv and writes its
// output to stdout, so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	hashImpl, err := auth.ParseImpl(cfg.HashImpl)
	if err != nil {
		return fmt.Errorf("ATRIUM_HASH_IMPL: %w", err)
	}
	var transport mail.Transport
	if args[0] == "serve" {
		if transport, err = mail.TransportFor(cfg.SMTPURL, cfg.MailFrom, cfg.Dev); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	if err := store.Migrate(ctx, pool); err != nil {
		return err
	}
	st := store.New(pool)
	a, err := newApp(cfg, st, auth.NewHasherImpl(auth.DefaultParams, cfg.HashWorkers, hashImpl), stdout)
	if err != nil {
		return err
	}
	switch args[0] {
	case "migrate":
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "demo":
		return loadDemo(ctx, a, stdout)
	case "staff":
		return staff(ctx, a, args[1:], stdout)
	case "serve":
		if cfg.Dev {
			if err := loadDemo(ctx, a, stdout); err != nil {
				return err
			}
		}
		a.SetDevMailbox(cfg.DevMailbox())
		return serve(ctx, cfg, a, hashImpl, st, transport, log, stdout)
	}
	return errors.New(usage)
}

// newApp builds the use cases over st and h as cfg says. Secrets at rest are sealed
// with ATRIUM_SECRET_KEY (in development without one, with the fixed development key,
// which it says on stdout), and what the keys of ATRIUM_SECRET_KEY_OLD sealed still
// opens.
func newApp(cfg config.Config, st *store.Store, h *auth.Hasher, stdout io.Writer) (*app.App, error) {
	a := app.New(st, h, cfg.BaseURL)
	a.SetInvitationTTL(cfg.InvitationTTL)
	a.SetSSOPrivateNetworks(cfg.SSOPrivateNetworks())
	key := cfg.SecretKey
	if key == nil {
		key = auth.DevelopmentSecretKey
		fmt.Fprintln(stdout, "ATRIUM_SECRET_KEY is not set: sealing secrets at rest (TOTP secrets, SSO client secrets, "+
			"SAML service-provider keys) with the fixed development key (ATRIUM_DEV=1). It is public: never run like this "+
			"in production.")
	}
	if err := a.SetSecretKey(key, cfg.OlderSecretKeys...); err != nil {
		return nil, fmt.Errorf("ATRIUM_SECRET_KEY: %w", err)
	}
	return a, nil
}

func loadDemo(ctx context.Context, a *app.App, stdout io.Writer) error {
	if err := a.LoadDemo(ctx); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	fmt.Fprintf(stdout, "Demo logins (password %q):\n", app.DemoPassword)
	for _, l := range app.DemoLogins {
		fmt.Fprintf(stdout, "  %-24s %s\n", l.Email, l.What)
	}
	return nil
}

// serve runs the mail workers and the HTTP server until ctx ends, then stops both
// gracefully: requests drain, and running deliveries get the rest of the 20 s.
func serve(ctx context.Context, cfg config.Config, a *app.App, hashImpl auth.Impl, st *store.Store, transport mail.Transport, log *slog.Logger, stdout io.Writer) error {
	pool := st.Pool
	web, handler := server.New(a, cfg, log, func() (bool, error) { return store.Pending(context.Background(), pool) })
	srv := &http.Server{Addr: cfg.Addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	// Both listeners are taken before anything starts: a refusal to listen leaves
	// nothing running.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var mln net.Listener
	if cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("ATRIUM_METRICS_ADDR: %w", err)
		}
	}
	closeListeners := func() {
		_ = ln.Close()
		if mln != nil {
			_ = mln.Close()
		}
	}
	// The delivery workers have a pool of their own: a burst of requests does not hold
	// deliveries up, and deliveries take no connection from requests.
	mailPool, err := mail.OpenPool(ctx, cfg.DatabaseURL, cfg.MailWorkers)
	if err != nil {
		closeListeners()
		return fmt.Errorf("mail workers' database pool: %w", err)
	}
	defer mailPool.Close()
	workers, err := mail.Start(ctx, mailPool, store.New(mailPool), mail.Delivery{Transport: transport, MaxAttempts: cfg.MailMaxAttempts,
		RescueAfter: cfg.MailRescueAfter, Workers: cfg.MailWorkers, Poll: cfg.MailPoll, Log: log})
	if err != nil {
		closeListeners()
		return fmt.Errorf("mail workers: %w", err)
	}
	// The bench reads "argon2id <impl>" to be sure which code it measures.
	fmt.Fprintf(stdout, "Atrium is listening on %s; open %s (GOMAXPROCS=%d, argon2id %s)\n", ln.Addr(), cfg.BaseURL,
		runtime.GOMAXPROCS(0), hashImpl)
	if smtp, ok := transport.(*mail.SMTP); ok {
		fmt.Fprintf(stdout, "Email goes out through %s from %s\n", smtp.Describe(), cfg.MailFrom)
	} else {
		fmt.Fprintf(stdout, "Email goes to the development mailbox: %s/dev/mail\n", cfg.BaseURL)
	}
	fmt.Fprintf(stdout, "Email delivery: %d messages at once, new ones looked for every %s (%d database connections of its own)\n",
		cfg.MailWorkers, cfg.MailPoll, mail.PoolConns(cfg.MailWorkers))
	go cleanSessions(ctx, a, log)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var metricsSrv *http.Server
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", web.MetricsHandler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- metricsSrv.Serve(mln) }()
		fmt.Fprintf(stdout, "Metrics are served on http://%s/metrics\n", mln.Addr())
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if ctx.Err() != nil {
		err = srv.Shutdown(shutdown)
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdown)
	}
	if werr := workers.Stop(shutdown); werr != nil {
		log.Error("stopping the mail workers", "err", werr)
	}
	return err
}

// cleanSessions deletes expired sessions, failed sign-in attempts that no longer
// throttle anything and rate-limit windows long over, and expires overdue invitations
// (freeing their seats), periodically until ctx ends.
func cleanSessions(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(server.SessionCleanupInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
				log.Error("session cleanup", "err", err)
			}
			if _, err := a.DeleteStaleLoginFailures(ctx); err != nil && ctx.Err() == nil {
				log.Error("sign-in attempts cleanup", "err", err)
			}
			if _, err := a.DeleteStaleRateLimits(ctx); err != nil && ctx.Err() == nil {
				log.Error("rate limits cleanup", "err", err)
			}
			if _, err := a.SweepInvitations(ctx); err != nil && ctx.Err() == nil {
				log.Error("invitation expiry", "err", err)
			}
			if err := a.DeleteStaleSSO(ctx); err != nil && ctx.Err() == nil {
				log.Error("single sign-on cleanup", "err", err)
			}
		}
	}
}

func staff(ctx context.Context, a *app.App, args []string, stdout io.Writer) error {
	const staffUsage = `usage:
  atrium staff create-org --name NAME [--slug SLUG]
  atrium staff create-account --org SLUG --name NAME [--slug SLUG] [--plan team|enterprise|solo] [--seats N] --owner-email EMAIL [--owner-name NAME]
  atrium staff appoint-owner --org SLUG --email EMAIL [--name NAME] [--confirm-user ID]
  atrium staff unlock-signin --email EMAIL
  atrium staff show-user --email EMAIL
  atrium staff disable-user --email EMAIL
  atrium staff enable-user --email EMAIL
  atrium staff reset-2fa --email EMAIL

An owner email that already belongs to a user is refused until --confirm-user (or, for
create-account, --confirm-owner) names that user's id, after staff have checked who
they are (the refusal prints it).`
	if len(args) == 0 {
		return errors.New(staffUsage)
	}
	fs := flag.NewFlagSet("staff "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	name := fs.String("name", "", "name")
	slug := fs.String("slug", "", "URL slug (derived from the name when empty)")
	org := fs.String("org", "", "organisation slug")
	plan := fs.String("plan", "team", "plan: team, enterprise or solo")
	seats := fs.Int("seats", 25, "seat limit")
	ownerEmail := fs.String("owner-email", "", "account owner's email")
	ownerName := fs.String("owner-name", "", "account owner's full name (new users)")
	email := fs.String("email", "", "email")
	confirmUser := fs.Int64("confirm-user", 0, "id of the existing user the email belongs to (appoint-owner)")
	confirmOwner := fs.Int64("confirm-owner", 0, "id of the existing user the owner email belongs to (create-account)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "create-org":
		o, err := a.CreateOrganisation(ctx, app.System, *name, *slug)
		if err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(stdout, "created organisation %s (/org/%s/)\n", o.Name, o.Slug)
	case "create-account":
		acc, inv, err := a.CreateAccount(ctx, app.System, app.NewAccountInput{OrganisationSlug: *org, Name: *name, Slug: *slug,
			Plan: *plan, SeatLimit: *seats, OwnerEmail: *ownerEmail, OwnerName: *ownerName, ConfirmOwnerID: *confirmOwner})
		if inv.Existing != nil {
			return confirmErr(stdout, *inv.Existing, "--confirm-owner")
		}
		if err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(stdout, "created account %s (/a/%s/) owned by %s\n", acc.Name, acc.Slug, inv.User.Email)
		printLink(stdout, inv)
	case "appoint-owner":
		inv, err := a.AppointOrganisationOwner(ctx, app.System, *org, *email, *name, *confirmUser)
		if inv.Existing != nil {
			return confirmErr(stdout, *inv.Existing, "--confirm-user")
		}
		if err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(stdout, "%s is an owner of organisation %s\n", inv.User.Email, *org)
		printLink(stdout, inv)
	case "unlock-signin":
		if err := a.UnlockSignIn(ctx, app.System, *email); err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(stdout, "password sign-in unlocked for %s\n", app.NormaliseEmail(*email))
	case "show-user":
		f, err := a.StaffUser(ctx, app.System, *email)
		if err != nil {
			return cliErr(err)
		}
		printFacts(stdout, f)
	case "disable-user", "enable-user":
		u, err := a.SetUserDisabled(ctx, app.System, *email, args[0] == "disable-user")
		if err != nil {
			return cliErr(err)
		}
		if u.Disabled {
			fmt.Fprintf(stdout, "%s is disabled: every session ended, and sign-in is refused\n", u.Email)
		} else {
			fmt.Fprintf(stdout, "%s can sign in again\n", u.Email)
		}
	case "reset-2fa":
		u, err := a.ResetTOTP(ctx, app.System, *email)
		if err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(stdout, "two-factor authentication of %s is reset (they were emailed); they set up a new authenticator "+
			"at their next sign-in where an account requires it\n", u.Email)
	default:
		return errors.New(staffUsage)
	}
	return nil
}

func printLink(stdout io.Writer, inv app.Invited) {
	if inv.Emailed {
		fmt.Fprintf(stdout, "new user %s: a link to set their password was emailed to %s\n", inv.User.Email, inv.User.Email)
	}
}

func cliErr(err error) error {
	if msg := errorMessage(err); msg != "" {
		return errors.New(msg)
	}
	return err
}

// printFacts writes who a user is, for staff deciding whether to act on them.
func printFacts(w io.Writer, f domain.UserFacts) {
	orgs := strings.Join(f.Organisations, ", ")
	if orgs == "" {
		orgs = "none"
	}
	created := f.CreatedBy
	if created == "" {
		created = "not recorded"
	}
	password := "never set"
	switch {
	case f.PasswordSetAt != nil:
		password = "set " + f.PasswordSetAt.UTC().Format(time.RFC3339) + " through " + f.PasswordSetVia
	case f.HasPassword:
		password = "has one, never set by themselves through Atrium"
	}
	last := "never"
	if f.User.LastLoginAt != nil {
		last = f.User.LastLoginAt.UTC().Format(time.RFC3339)
	}
	twoFactor := "off"
	if f.TOTPEnrolledAt != nil {
		twoFactor = "on since " + f.TOTPEnrolledAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "user %d: %s <%s>\n  organisations: %s\n  created: %s by %s\n  own password: %s\n  two-factor: %s\n  last sign-in: %s\n  staff: %t, disabled: %t\n",
		f.User.ID, f.User.FullName, f.User.Email, orgs, f.CreatedAt.UTC().Format(time.RFC3339), created, password, twoFactor, last,
		f.User.IsStaff, f.User.Disabled)
}

// confirmErr prints who an email already belongs to and asks for the confirming flag.
func confirmErr(w io.Writer, f domain.UserFacts, flag string) error {
	fmt.Fprintln(w, "That email already belongs to this user:")
	printFacts(w, f)
	return fmt.Errorf("check who they are, then run again with %s %d to confirm", flag, f.User.ID)
}
