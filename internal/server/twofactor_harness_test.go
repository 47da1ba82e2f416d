package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// clock is a time both the app and the server read, moved by tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// useClock makes the app and the server read a clock starting at the real time, moved
// to the start of a TOTP time step so that a test's codes all fall in one step unless
// it moves the clock on.
func (e *env) useClock() *clock {
	now := time.Now()
	c := &clock{t: now.Truncate(auth.TOTPPeriod).Add(time.Second)}
	e.App.SetClock(c.now)
	e.Server.SetClock(c.now)
	return c
}

// enrolled is a user's TOTP set-up made by a test: the secret, to compute codes with,
// and the recovery codes.
type enrolled struct {
	secret   string
	recovery []string
}

// enrol sets up TOTP for u with a new secret, sealed as the app seals it.
func (e *env) enrol(u domain.User) enrolled {
	e.t.Helper()
	secret, _, err := auth.NewTOTPKey(u.Email)
	if err != nil {
		e.t.Fatal(err)
	}
	sealer, err := auth.NewSealer(pgtest.SecretKey)
	if err != nil {
		e.t.Fatal(err)
	}
	codes, hashes := auth.NewRecoveryCodes()
	sealed := sealer.Seal([]byte(secret), "totp:"+strconv.FormatInt(u.ID, 10))
	if err := e.Store.SetTOTP(context.Background(), u.ID, sealed, 0, hashes); err != nil {
		e.t.Fatal(err)
	}
	return enrolled{secret: secret, recovery: codes}
}

// code is the TOTP code of secret at t.
func code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := auth.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a six-digit code that is not secret's at t or a step either side.
func wrongCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	for i := 0; ; i++ {
		c := strconv.Itoa(100000 + i*7919%900000)
		if auth.MatchTOTP(secret, c, at) == 0 {
			return c
		}
	}
}

// password takes the email and password steps and returns where the password step
// sends the browser (the next step's page, or "/" when signed in).
func (c *client) password(email, password string) string {
	c.t.Helper()
	if res, _ := c.post("/login", url.Values{"email": {email}}); res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("email step for %s: %d", email, res.StatusCode)
	}
	res, body := c.post("/login/password", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("password step for %s: %d\n%s", email, res.StatusCode, excerpt(body))
	}
	return res.Header.Get("Location")
}

// strictAccount makes an account of organisation o requiring two-factor
// authentication, with step-up when enforce.
func (e *env) strictAccount(o domain.Organisation, name string, owner domain.User, enforce bool) domain.Account {
	e.t.Helper()
	acc := pgtest.MustAccount(e.t, e.Store, o, name, owner)
	if err := e.Store.SetAccountSecurity(context.Background(), acc.ID, "password", 0, true, enforce); err != nil {
		e.t.Fatal(err)
	}
	acc.MFARequired, acc.EnforceOnEntry = true, enforce
	return acc
}

// favourite makes acc u's favourite account.
func (e *env) favourite(u domain.User, acc domain.Account) {
	e.t.Helper()
	if err := e.Store.SetFavourite(context.Background(), u.ID, acc.ID); err != nil {
		e.t.Fatal(err)
	}
}

// totpFailures reads the wrong codes counted against a user.
func (e *env) totpFailures(u domain.User) int {
	e.t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT totp_failures FROM users WHERE id = $1`, u.ID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
