package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/auth"
	"atrium/internal/devidp"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Load (e): single sign-on. The OpenID provider (devidp, on zitadel's op) runs in the
// bench process on its own loopback listener, so its work (the login page, the token
// endpoint, signing ID tokens) is the bench's CPU, not the server's: the server's CPU
// per sign-in is what a sign-in through a provider costs Atrium itself (the email
// step, sending the browser off, the callback's code exchange and ID token check, the
// identity look-up and the session).

// targetSSOServerCPU is the most server CPU an SSO sign-in round trip may cost.
const targetSSOServerCPU = 2 * time.Millisecond

type ssoUser struct{ email, subject string }

// startBenchIdP serves an OpenID provider on loopback for the server at base.
func startBenchIdP(base string) (*devidp.Provider, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	var p *devidp.Provider
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.ServeHTTP(w, r) }),
		ReadHeaderTimeout: 5 * time.Second}
	p, err = devidp.New("http://"+ln.Addr().String(), []devidp.Client{{ID: "bench", Secret: "bench-secret",
		RedirectURIs: []string{base + "/sso/*/callback"}}}, nil)
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	return p, func() { _ = srv.Close() }, nil
}

// seedSSO creates the account "Bench SSO" (in the demo organisation Northwind) that
// signs in only through a connection to p, and n users whose favourite it is, each
// with an identity at the provider linked already.
func seedSSO(ctx context.Context, pool *pgxpool.Pool, key []byte, p *devidp.Provider, n int) ([]ssoUser, error) {
	sealer, err := auth.NewSealer(key)
	if err != nil {
		return nil, err
	}
	tx, err := store.New(pool).Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	orgID, acc, err := demoAccount(ctx, tx, "bench-sso", "Bench SSO", n+10)
	if err != nil {
		return nil, err
	}
	c, err := tx.CreateSSOConnection(ctx, domain.SSOConnection{OrganisationID: orgID, Name: "Bench provider",
		Protocol: domain.ProtocolOIDC, Issuer: p.Issuer(), ClientID: "bench", Scopes: "email profile",
		ClientSecret: sealer.Seal([]byte("bench-secret"), "sso-client-secret:"+strconv.FormatInt(orgID, 10))})
	if err != nil {
		return nil, err
	}
	if err := tx.SetAccountSecurity(ctx, acc.ID, "sso", c.ID, false, false); err != nil {
		return nil, err
	}
	users := make([]ssoUser, 0, n)
	for i := range n {
		email, subject := fmt.Sprintf("sso%05d@bench.test", i), fmt.Sprintf("bench-%05d", i)
		u, err := tx.CreateUser(ctx, email, fmt.Sprintf("SSO User %05d", i), "", false)
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
		if err := tx.LinkSSOIdentity(ctx, domain.SSOIdentity{ConnectionID: c.ID, Subject: subject, UserID: u.ID, Email: email}); err != nil {
			return nil, err
		}
		p.AddIdentity(devidp.Identity{Subject: subject, Email: email, EmailVerified: true, Name: fmt.Sprintf("SSO User %05d", i)})
		users = append(users, ssoUser{email: email, subject: subject})
	}
	return users, tx.Commit(ctx)
}

// ssoLoad runs load (e): o.ssoClients clients signing the users in through the
// provider, round robin, for o.ssoDuration. A success is the callback's 303 to "/";
// its latency runs from the email step to that answer.
func ssoLoad(ctx context.Context, srv *serverProc, m cpuMeter, users []ssoUser, o options) (loadResult, error) {
	tr := newTransport(o.ssoClients)
	defer tr.CloseIdleConnections()
	idpTr := newTransport(o.ssoClients)
	defer idpTr.CloseIdleConnections()
	runCtx, cancel := context.WithTimeout(ctx, o.ssoDuration)
	defer cancel()
	sampler := startRSSSampler(srv.pid())
	cpu := m.window(o.warmup)
	rec := newRecorder(o.warmup)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range o.ssoClients {
		wg.Go(func() {
			for runCtx.Err() == nil {
				u := users[int(next.Add(1)-1)%len(users)]
				ssoSignInOnce(runCtx, tr, idpTr, srv.base, u, rec)
			}
		})
	}
	wg.Wait()
	res := rec.result("SSO sign-in (OpenID Connect)", "sign-ins", time.Now(), sampler.stop())
	res.cpu = cpu.stop()
	return res, ctx.Err()
}

// ssoSignInOnce signs u in: the email step (which sends the browser to the provider),
// the provider's login page, and back to the callback.
func ssoSignInOnce(ctx context.Context, tr, idpTr http.RoundTripper, base string, u ssoUser, rec *recorder) {
	jar, _ := cookiejar.New(nil)
	c := newClient(tr, jar)
	t0 := time.Now()
	a, err := postForm(ctx, c, base, "/login", url.Values{"email": {u.email}})
	if err != nil {
		failed(ctx, rec, "POST /login", err)
		return
	}
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "http") {
		rec.problem(a.describe("POST /login"))
		return
	}
	back, err := devidp.SignIn(newClient(idpTr, nil), a.location, u.subject)
	if err != nil {
		failed(ctx, rec, "the provider", err)
		return
	}
	a, err = get(ctx, c, base, back.RequestURI(), "", false)
	done := time.Now()
	if err != nil {
		failed(ctx, rec, "GET callback", err)
		return
	}
	if a.status != http.StatusSeeOther || a.location != "/" {
		rec.problem(a.describe("GET callback"))
		return
	}
	rec.success(done.Sub(t0), done)
}

// ssoRows adds load (e) to the report.
func ssoRows(row func(...string), in reportInput) {
	r := in.sso
	per := time.Duration(0)
	if v := r.perServerCPUSecond(); v > 0 {
		per = time.Duration(float64(time.Second) / v)
	}
	row(fmt.Sprintf("(e) SSO sign-in (OIDC, provider in the bench), %d clients", in.ssoClients), fmt.Sprintf("%.1f sign-ins/s", r.rate()), "", "")
	row("    server CPU per sign-in round trip", fmt.Sprintf("%.2f ms", float64(per)/float64(time.Millisecond)),
		fmt.Sprintf("< %.0f ms", float64(targetSSOServerCPU)/float64(time.Millisecond)), verdict(per > 0 && per < targetSSOServerCPU))
	row("    CPU cores: server / PostgreSQL / bench (with the provider)", fmt.Sprintf("%.2f / %.2f / %.2f",
		r.cpu.server, r.cpu.db, r.cpu.bench), "", "")
	row("    round trip p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(r.p50), ms(r.p95), ms(r.p99)), "", "")
	row("    successes / unexpected answers", fmt.Sprintf("%d / %d", r.ok, r.unexpected), "0 unexpected", okIfZero(r.unexpected))
}
