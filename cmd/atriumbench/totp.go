package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Load (d): password + TOTP sign-in. Users of an account that requires two-factor
// authentication (their favourite), each enrolled with a secret the bench knows, sign
// in through the three steps a browser takes (email, password, code), the code
// computed by the bench from the clock. A code is accepted once per time step, so each
// sign-in is a user of its own: the run ends when every user has signed in, or after
// o.totpDuration. Its rate is set against the raw argon2id rate of the same run: the
// code step adds no hash, so the two should stay close (target: 85%).

// targetTOTPShare is the password + TOTP sign-in rate as a share of the raw hash rate.
const targetTOTPShare = 0.85

// newSecretKey makes an ATRIUM_SECRET_KEY for one bench run.
func newSecretKey() (string, []byte) {
	k := make([]byte, auth.SecretKeyLen)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return hex.EncodeToString(k), k
}

// totpUser is one seeded user who signs in with a code.
type totpUser struct {
	email, secret string
}

// seedTOTP creates the account "Bench Vault" (requiring two-factor authentication, in
// the demo organisation Northwind) and n users whose favourite it is, each enrolled
// with a random secret sealed with key, sharing benchPassword's hash.
func seedTOTP(ctx context.Context, pool *pgxpool.Pool, key []byte, n int) ([]totpUser, error) {
	sealer, err := auth.NewSealer(key)
	if err != nil {
		return nil, err
	}
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, benchPassword)
	if err != nil {
		return nil, err
	}
	st := store.New(pool)
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	orgID, acc, err := demoAccount(ctx, tx, "bench-vault", "Bench Vault", n+10)
	if err != nil {
		return nil, err
	}
	if err := tx.SetAccountSecurity(ctx, acc.ID, "password", 0, true, false); err != nil {
		return nil, err
	}
	users := make([]totpUser, 0, n)
	for i := range n {
		email := fmt.Sprintf("totp%05d@bench.test", i)
		u, err := tx.CreateUser(ctx, email, fmt.Sprintf("TOTP User %05d", i), hash, false)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", email, err)
		}
		if err := tx.AddMembership(ctx, acc.ID, u.ID, domain.EditorRoleID); err != nil {
			return nil, err
		}
		if err := tx.AddOrganisationMember(ctx, orgID, u.ID); err != nil {
			return nil, err
		}
		if err := tx.SetFavourite(ctx, u.ID, acc.ID); err != nil {
			return nil, err
		}
		secret, _, err := auth.NewTOTPKey(email)
		if err != nil {
			return nil, err
		}
		sealed := sealer.Seal([]byte(secret), "totp:"+strconv.FormatInt(u.ID, 10))
		if err := tx.SetTOTP(ctx, u.ID, sealed, 0, nil); err != nil {
			return nil, err
		}
		users = append(users, totpUser{email: email, secret: secret})
	}
	return users, tx.Commit(ctx)
}

// totpLoad runs load (d): o.signInClients clients, each taking the next user not yet
// signed in and signing in as them in a fresh cookie jar. A success is a 303 to "/"
// from the code step; its latency runs from the password step's request to the code
// step's answer (both steps a person waits for).
func totpLoad(ctx context.Context, srv *serverProc, m cpuMeter, users []totpUser, o options) (loadResult, error) {
	tr := newTransport(o.signInClients)
	defer tr.CloseIdleConnections()
	runCtx, cancel := context.WithTimeout(ctx, o.totpDuration)
	defer cancel()
	sampler := startRSSSampler(srv.pid())
	cpu := m.window(o.warmup)
	rec := newRecorder(o.warmup)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range o.signInClients {
		wg.Go(func() {
			for runCtx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(users)) {
					return
				}
				totpSignInOnce(runCtx, tr, srv.base, users[i], rec)
			}
		})
	}
	wg.Wait()
	end := time.Now()
	res := rec.result("password + TOTP sign-in", "sign-ins", end, sampler.stop())
	res.cpu = cpu.stop()
	if next.Load() >= int64(len(users)) {
		res.notes = append(res.notes, fmt.Sprintf("every one of the %d TOTP users signed in before the time was up (-totp-users raises it)", len(users)))
	}
	return res, ctx.Err()
}

// totpSignInOnce signs u in through email, password and code, and records it.
func totpSignInOnce(ctx context.Context, tr http.RoundTripper, base string, u totpUser, rec *recorder) {
	jar, _ := cookiejar.New(nil)
	c := newClient(tr, jar)
	a, err := postForm(ctx, c, base, "/login", url.Values{"email": {u.email}})
	if err != nil {
		failed(ctx, rec, "POST /login", err)
		return
	}
	if a.status != http.StatusSeeOther || a.location != "/login/password" {
		rec.problem(a.describe("POST /login"))
		return
	}
	t0 := time.Now()
	a, err = postForm(ctx, c, base, "/login/password", url.Values{"email": {u.email}, "password": {benchPassword}})
	if err != nil {
		failed(ctx, rec, "POST /login/password", err)
		return
	}
	if a.status != http.StatusSeeOther || a.location != "/login/two-factor" {
		rec.problem(a.describe("POST /login/password"))
		return
	}
	code, err := auth.TOTPCode(u.secret, time.Now())
	if err != nil {
		rec.problem("computing a code: " + err.Error())
		return
	}
	a, err = postForm(ctx, c, base, "/login/two-factor", url.Values{"code": {code}})
	done := time.Now()
	if err != nil {
		failed(ctx, rec, "POST /login/two-factor", err)
		return
	}
	if a.status != http.StatusSeeOther || a.location != "/" {
		rec.problem(a.describe("POST /login/two-factor"))
		return
	}
	rec.success(done.Sub(t0), done)
}

// totpRows adds load (d) to the report.
func totpRows(row func(...string), in reportInput) {
	r := in.totp
	share := 0.0
	if in.hash.perSecond() > 0 {
		share = r.rate() / in.hash.perSecond()
	}
	row(fmt.Sprintf("(d) password + TOTP sign-in, %d clients", in.clients), fmt.Sprintf("%.1f sign-ins/s", r.rate()), "", "")
	row("    sign-in rate / raw hash rate", fmt.Sprintf("%.1f%%", share*100),
		fmt.Sprintf(">= %.0f%%", targetTOTPShare*100), verdict(share >= targetTOTPShare))
	cpuShare := 0.0
	if in.hash.perCPUSecond() > 0 {
		cpuShare = r.perServerCPUSecond() / in.hash.perCPUSecond()
	}
	row("    per CPU-second: sign-ins / raw hashes", fmt.Sprintf("%.1f%% (%.1f vs %.1f)", cpuShare*100,
		r.perServerCPUSecond(), in.hash.perCPUSecond()), "", "")
	if a := in.signIn.rate(); a > 0 {
		row("    rate / password-only rate (a)", fmt.Sprintf("%.1f%%", r.rate()/a*100), "", "")
	}
	row("    password + code p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(r.p50), ms(r.p95), ms(r.p99)), "", "")
	row("    successes / unexpected answers", fmt.Sprintf("%d / %d", r.ok, r.unexpected), "0 unexpected", okIfZero(r.unexpected))
}
