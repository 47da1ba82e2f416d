// Command atriumbench measures Atrium under load: the raw argon2id hash rate, password
// sign-ins through the two-step login, and the account home page of a signed-in user,
// with the server's resident memory sampled throughout. The raw rate and the sign-in
// run are measured again with a second server hashing with x/crypto's argon2.IDKey
// instead of internal/auth/argon2 (-compare=false skips it), and the report sets the
// two side by side: the fork is worth keeping only while it gains about 20% sign-ins/s.
// Load (d) signs in users of an account requiring two-factor authentication through
// the password and a TOTP code the bench computes (-totp=false skips), against the
// same raw rate.
// Then how many of a burst of wrong passwords for one email get hashed (-guesses=0
// skips). A "people at scale" phase (-people=false skips it) then bulk-loads an
// organisation of 100,000 users and an account of 10,000 members, loads the members
// list and the organisation's Users page (first pages, searches, a deep page) as the
// organisation's owner, and explains the SQL behind them, reporting any sequential
// scan of a large table. An "agency at scale" phase (-agency=false skips it) then makes
// the demo agency user a member of about 2,000 accounts in 22 organisations, loads the
// switcher's list, its search, /accounts and /profile (first page, a later page, a
// search) as that user next to their account home, and explains that SQL too.
//
// It creates a throwaway database atrium_bench_<pid> on the PostgreSQL server named by
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
	guesses        int

	compare         bool
	compareDuration time.Duration

	totp         bool
	totpUsers    int
	totpDuration time.Duration
	// load (e): SSO sign-in through a provider in the bench process.
	sso         bool
	ssoUsers    int
	ssoClients  int
	ssoDuration time.Duration
	// secretKey is the ATRIUM_SECRET_KEY (hex) the bench gives its servers, made anew
	// each run, so it can seal the TOTP secrets of the users it seeds.
	secretKey string

	people         bool
	peopleUsers    int
	peopleMembers  int
	peopleWorkers  int
	peopleDuration time.Duration
	peoplePlans    bool

	mail            bool
	mailInvitations int
	mailWorkers     int
	mailPoll        time.Duration
	agency          bool
	agencyPerOrg    int
	agencyWorkers   int
	agencyDuration  time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 200, "bench users to seed (each signs in with a shared production-cost hash)")
	flag.DurationVar(&o.hashDuration, "hash-duration", 5*time.Second, "how long to measure the raw argon2id hash rate")
	flag.IntVar(&o.signInClients, "signin-clients", 200, "concurrent password sign-in clients")
	flag.DurationVar(&o.signInDuration, "signin-duration", 15*time.Second, "how long the sign-in run lasts at most")
	flag.IntVar(&o.signInMax, "signin-max", 3000, "sign-ins to start at most")
	flag.IntVar(&o.homeWorkers, "home-workers", 48, "concurrent account home workers (keep-alive)")
	flag.BoolVar(&o.compare, "compare", true, "run the raw hash rate and the sign-in run again with x/crypto's argon2.IDKey behind the same hasher, and compare with the fork")
	flag.DurationVar(&o.compareDuration, "compare-duration", 10*time.Second, "how long the x/crypto sign-in run lasts at most")
	flag.DurationVar(&o.homeDuration, "home-duration", 10*time.Second, "how long the account home run lasts")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "start of each load run left out of rates and percentiles")
	flag.DurationVar(&o.settle, "settle", 15*time.Second, "before each measurement, wait at most this long for the host to be quiet (0: do not wait)")
	flag.BoolVar(&o.keepLog, "keep-log", false, "keep the server's log file after the run")
	flag.IntVar(&o.guesses, "guesses", 110, "wrong passwords sent at once for one email, counted as hashed or refused (0 skips)")
	flag.BoolVar(&o.totp, "totp", true, "run load (d): password + TOTP sign-in, each sign-in as a user of its own (enrolled with a known secret)")
	flag.IntVar(&o.totpUsers, "totp-users", 2000, "load (d): users enrolled in TOTP, each signing in once (a code works once per time step)")
	flag.DurationVar(&o.totpDuration, "totp-duration", 15*time.Second, "how long load (d) lasts at most (it also ends when every TOTP user has signed in)")
	flag.BoolVar(&o.sso, "sso", true, "run load (e): sign-in through an OpenID provider that runs in the bench (its work is not the server's)")
	flag.IntVar(&o.ssoUsers, "sso-users", 200, "load (e): users with a linked identity at the provider")
	flag.IntVar(&o.ssoClients, "sso-clients", 8, "load (e): concurrent clients")
	flag.DurationVar(&o.ssoDuration, "sso-duration", 10*time.Second, "how long load (e) lasts")
	flag.BoolVar(&o.people, "people", true, "run the people-at-scale phase (large organisation and account: members and Users pages)")
	flag.IntVar(&o.peopleUsers, "people-users", 100000, "people phase: bulk users listed in the northwind organisation")
	flag.IntVar(&o.peopleMembers, "people-members", 10000, "people phase: active members of northwind-retail (at most a tenth of -people-users)")
	flag.IntVar(&o.peopleWorkers, "people-workers", 4, "people phase: concurrent keep-alive workers per page")
	flag.DurationVar(&o.peopleDuration, "people-duration", 4*time.Second, "people phase: how long each page is loaded")
	flag.BoolVar(&o.peoplePlans, "people-plans", false, "people and agency phases: print every plan in full")
	flag.BoolVar(&o.agency, "agency", true, "run the agency-at-scale phase (a user with about 2,000 accounts: switcher, /accounts, /profile)")
	flag.IntVar(&o.agencyPerOrg, "agency-per-org", 111, "agency phase: accounts in each of the 20 client organisations (the agency user can enter nine in ten)")
	flag.IntVar(&o.agencyWorkers, "agency-workers", 4, "agency phase: concurrent keep-alive workers per page")
	flag.DurationVar(&o.agencyDuration, "agency-duration", 4*time.Second, "agency phase: how long each page is loaded")
	flag.BoolVar(&o.mail, "mail", true, "run the mail phase (a burst of invitations delivered to the bench's SMTP server; account home while a backlog drains)")
	flag.IntVar(&o.mailInvitations, "mail-invitations", 1000, "mail phase: invitations in each burst (each inviter sends 20, the hourly limit)")
	flag.IntVar(&o.mailWorkers, "mail-workers", 0, "mail phase: the server's ATRIUM_MAIL_WORKERS (0: its default)")
	flag.DurationVar(&o.mailPoll, "mail-poll", 0, "mail phase: the server's ATRIUM_MAIL_POLL (0: its default)")
	flag.Parse()
	if o.warmup >= o.signInDuration || o.warmup >= o.homeDuration || (o.totp && o.warmup >= o.totpDuration) || (o.people && o.warmup >= o.peopleDuration) ||
		(o.agency && o.warmup >= o.agencyDuration) ||
		(o.compare && o.warmup >= o.compareDuration) {
		fmt.Fprintln(os.Stderr, "atriumbench: -warmup must be shorter than every run")
		os.Exit(2)
	}
	// Bulk users are numbered 00000–99999; the searches and the deep page need users up
	// to 10,050 and member 04242.
	if o.people && (o.peopleUsers < 20000 || o.peopleUsers > 100000 || o.peopleMembers < 500 || o.peopleMembers*10 > o.peopleUsers || o.peopleWorkers < 1) {
		fmt.Fprintln(os.Stderr, "atriumbench: the people phase needs 20000 <= -people-users <= 100000 (five-digit numbers), 500 <= -people-members <= users/10, -people-workers >= 1")
		os.Exit(2)
	}

	if o.mail && (o.mailInvitations < 1 || o.mailWorkers < 0 || o.mailPoll < 0) {
		fmt.Fprintln(os.Stderr, "atriumbench: the mail phase needs -mail-invitations >= 1, -mail-workers >= 0, -mail-poll >= 0")
		os.Exit(2)
	}
	// The later page of /profile is the 40th: 20 organisations of accounts fill it.
	if o.agency && (o.agencyPerOrg < 20 || o.agencyPerOrg > 999 || o.agencyWorkers < 1) {
		fmt.Fprintln(os.Stderr, "atriumbench: the agency phase needs 20 <= -agency-per-org <= 999 (three-digit numbers), -agency-workers >= 1")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "atriumbench:", err)
		os.Exit(1)
	}
}
