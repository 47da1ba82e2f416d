package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/policy"
	"atrium/internal/server"
)

// twoFactorWorld is a user whose favourite account requires two-factor authentication.
type twoFactorWorld struct {
	world
	Strict domain.Account
	User   domain.User
	TOTP   enrolled
}

func (e *env) twoFactorWorld() twoFactorWorld {
	w := twoFactorWorld{world: e.world()}
	w.Strict = e.strictAccount(w.OrgB, "Globex Vault", w.OwnerB, false)
	w.User = pgtest.MustUser(e.t, e.Store, pgtest.Unique("strict")+"@pixel.test")
	pgtest.MustGrant(e.t, e.Store, w.Strict, w.User, domain.EditorRoleID)
	pgtest.MustGrant(e.t, e.Store, w.AccA1, w.User, domain.ViewerRoleID)
	e.favourite(w.User, w.Strict)
	w.TOTP = e.enrol(w.User)
	return w
}

func TestTwoFactor_SignInAsksForTheCodeAndSaysWhy(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	c := e.client()
	if got := c.password(w.User.Email, pgtest.Password); got != "/login/two-factor" {
		t.Fatalf("password step of a 2FA account sends to %q, want /login/two-factor", got)
	}
	pendingToken := c.sessionCookie().Value
	res, body := c.get("/login/two-factor")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Globex Vault requires two-factor authentication.") ||
		!strings.Contains(body, `autocomplete="one-time-code"`) {
		t.Fatalf("code step: %d, reason shown %v\n%s", res.StatusCode, strings.Contains(body, "Globex Vault requires"), excerpt(body))
	}
	// A pending sign-in is not signed in: its session has no user.
	if res, _ := c.get("/profile"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("profile while the code is owed: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("right code: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	if c.sessionCookie().Value == pendingToken {
		t.Fatal("the code step kept the pending sign-in's token")
	}
	if res, _ := c.get("/a/" + w.Strict.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("account page after the code: %d", res.StatusCode)
	}
	// The pending sign-in's token no longer works.
	replay := e.client()
	u, _ := url.Parse(e.URL)
	replay.jar.SetCookies(u, []*http.Cookie{{Name: e.Server.Sessions().Cookie.Name, Value: pendingToken, Path: "/"}})
	if res, _ := replay.get("/login/two-factor"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("the pending token replayed: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	events, err := e.Store.AuditForActor(context.Background(), w.User.ID, 5)
	if err != nil || len(events) == 0 || events[0].Action != "Sign in > Password and an authenticator code" {
		t.Fatalf("audit after a code sign-in: %+v %v", events, err)
	}
}

// TestTwoFactor_PendingSignInReachesNoProtectedRoute walks the router with a browser
// that has proven the password but not the code: every route that is not public sends
// it to /login.
func TestTwoFactor_PendingSignInReachesNoProtectedRoute(t *testing.T) {
	e := newEnv(t)
	e.useClock()
	w := e.twoFactorWorld()
	c := e.client()
	if got := c.password(w.User.Email, pgtest.Password); got != "/login/two-factor" {
		t.Fatalf("password step: %q", got)
	}
	guards := e.Server.Guards()
	o := matrixObjects{accountSlug: w.Strict.Slug, orgSlug: w.OrgB.Slug, target: w.User, role: 1, campaign: 1, list: 1,
		session: 1, token: strings.Repeat("A", 43)}
	n := 0
	for _, r := range walkRoutes(t, e.Server) {
		if guards[r.method+" "+r.pattern].Kind == server.KindPublic {
			continue
		}
		n++
		var form url.Values
		if r.method == http.MethodPost {
			form = url.Values{"account": {w.Strict.Slug}, "code": {"123456"}}
		}
		res, _ := c.do(r.method, o.path(r.pattern), form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("%s %s with a pending sign-in: %d %s, want 303 to /login", r.method, r.pattern, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if n < 40 {
		t.Fatalf("walked only %d protected routes", n)
	}
	// The sign-in is still pending after all that, at its step.
	if res, _ := c.get("/login"); res.Header.Get("Location") != "/login/two-factor" {
		t.Fatalf("/login with the sign-in pending: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestTwoFactor_CodeWorksOnce(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	now := code(t, w.TOTP.secret, clk.now())
	first := e.client()
	first.password(w.User.Email, pgtest.Password)
	if res, _ := first.post("/login/two-factor", url.Values{"code": {now}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first use of the code: %d", res.StatusCode)
	}
	second := e.client()
	second.password(w.User.Email, pgtest.Password)
	res, body := second.post("/login/two-factor", url.Values{"code": {now}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "That code is not right") {
		t.Fatalf("the same code again: %d\n%s", res.StatusCode, excerpt(body))
	}
	// A code of an earlier step is refused too; the next step's code works.
	if res, _ := second.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now().Add(-auth.TOTPPeriod))}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an earlier step's code after a later one was used: %d", res.StatusCode)
	}
	clk.add(auth.TOTPPeriod)
	if res, _ := second.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the next step's code: %d", res.StatusCode)
	}
}

// TestTwoFactor_CodeReplayedInParallel sends one code from eight pending sign-ins at
// once: exactly one is accepted.
func TestTwoFactor_CodeReplayedInParallel(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	const n = 8
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = e.client()
		clients[i].password(w.User.Email, pgtest.Password)
	}
	c := code(t, w.TOTP.secret, clk.now())
	statuses := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range clients {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			res, _ := clients[i].post("/login/two-factor", url.Values{"code": {c}})
			statuses[i] = res.StatusCode
		}()
	}
	start.Done()
	done.Wait()
	accepted := 0
	for _, st := range statuses {
		switch st {
		case http.StatusSeeOther:
			accepted++
		case http.StatusUnprocessableEntity, http.StatusTooManyRequests: // a used code counts as a wrong one
		default:
			t.Errorf("status %d", st)
		}
	}
	if accepted != 1 {
		t.Fatalf("one code sent %d times at once was accepted %d times (%v), want once", n, accepted, statuses)
	}
}

// TestTwoFactor_WrongCodesInParallelAreCountedOneByOne sends twenty wrong codes at
// once: five are checked (free), the rest wait for the throttle.
func TestTwoFactor_WrongCodesInParallelAreCountedOneByOne(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	wrong := wrongCode(t, w.TOTP.secret, clk.now())
	const n = 20
	// Each from a sign-in of its own: the count is the user's.
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = e.client()
		clients[i].password(w.User.Email, pgtest.Password)
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, _ := clients[i].post("/login/two-factor", url.Values{"code": {wrong}})
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	checked, throttled := 0, 0
	for _, st := range statuses {
		switch st {
		case http.StatusUnprocessableEntity:
			checked++
		case http.StatusTooManyRequests:
			throttled++
		default:
			t.Errorf("status %d", st)
		}
	}
	if checked != policy.CodeFreeFailures || throttled != n-policy.CodeFreeFailures || e.totpFailures(w.User) != policy.CodeFreeFailures {
		t.Fatalf("%d wrong codes at once: %d checked, %d throttled, %d counted; want %d checked and counted",
			n, checked, throttled, e.totpFailures(w.User), policy.CodeFreeFailures)
	}
}

// TestTwoFactor_TenWrongCodesEndTheSignIn: wrong codes wait longer and longer after
// the fifth; the tenth ends the pending sign-in, so an eleventh is refused (to /login).
// The count is the user's: a new sign-in does not reset it, but an hour does.
func TestTwoFactor_TenWrongCodesEndTheSignIn(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	c := e.client()
	c.password(w.User.Email, pgtest.Password)
	for i := 1; i <= policy.CodeEndAfter; i++ {
		wrong := wrongCode(t, w.TOTP.secret, clk.now())
		if i > policy.CodeFreeFailures {
			// Too soon: refused without being checked.
			res, body := c.post("/login/two-factor", url.Values{"code": {wrong}})
			if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many wrong codes") {
				t.Fatalf("wrong code %d straight after the last: %d (Retry-After %q)", i, res.StatusCode, res.Header.Get("Retry-After"))
			}
			clk.add(policy.CodeWait(i - 1))
			wrong = wrongCode(t, w.TOTP.secret, clk.now())
		}
		res, _ := c.post("/login/two-factor", url.Values{"code": {wrong}})
		want, where := http.StatusUnprocessableEntity, ""
		if i == policy.CodeEndAfter {
			want, where = http.StatusSeeOther, "/login"
		}
		if res.StatusCode != want || res.Header.Get("Location") != where {
			t.Fatalf("wrong code %d: %d %q, want %d %q", i, res.StatusCode, res.Header.Get("Location"), want, where)
		}
	}
	// The eleventh, even a right one, finds no sign-in.
	clk.add(time.Hour - time.Minute)
	res, _ := c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("the eleventh code: %d %s, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := c.get("/login"); !strings.Contains(body, "Too many wrong codes") {
		t.Fatalf("/login does not say why the sign-in ended")
	}
	// A new sign-in does not reset the count: one more wrong code ends it again.
	c.password(w.User.Email, pgtest.Password)
	clk.add(policy.CodeWait(policy.CodeEndAfter))
	if res, _ := c.post("/login/two-factor", url.Values{"code": {wrongCode(t, w.TOTP.secret, clk.now())}}); res.Header.Get("Location") != "/login" {
		t.Fatalf("a wrong code in a new sign-in with ten standing: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// An hour after the last wrong code the count is forgotten.
	clk.add(policy.CodeFailureDecay)
	c.password(w.User.Email, pgtest.Password)
	if res, _ := c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/" {
		t.Fatalf("right code an hour later: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if n := e.totpFailures(w.User); n != 0 {
		t.Fatalf("%d wrong codes stand after a right one", n)
	}
}

func TestTwoFactor_RecoveryCodeWorksOnce(t *testing.T) {
	e := newEnv(t)
	e.useClock()
	w := e.twoFactorWorld()
	rc := strings.ToLower(w.TOTP.recovery[3]) // typing is forgiving
	c := e.client()
	c.password(w.User.Email, pgtest.Password)
	res, body := c.post("/login/two-factor/recovery", url.Values{"recovery_code": {rc}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("recovery code: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	if _, body := c.get("/profile"); !strings.Contains(body, "9 are left") {
		t.Fatalf("profile after a recovery code does not say how many are left:\n%s", excerpt(body))
	}
	again := e.client()
	again.password(w.User.Email, pgtest.Password)
	res, body = again.post("/login/two-factor/recovery", url.Values{"recovery_code": {w.TOTP.recovery[3]}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not one of your unused recovery codes") {
		t.Fatalf("a used recovery code again: %d\n%s", res.StatusCode, excerpt(body))
	}
	if res, _ := again.post("/login/two-factor/recovery", url.Values{"recovery_code": {w.TOTP.recovery[4]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another recovery code: %d", res.StatusCode)
	}
}

// TestTwoFactor_RecoveryCodeInParallel: one recovery code sent at once from several
// sign-ins signs in once.
func TestTwoFactor_RecoveryCodeInParallel(t *testing.T) {
	e := newEnv(t)
	e.useClock()
	w := e.twoFactorWorld()
	const n = 6
	var mu sync.Mutex
	accepted := 0
	var wg sync.WaitGroup
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = e.client()
		clients[i].password(w.User.Email, pgtest.Password)
	}
	for i := range n {
		wg.Go(func() {
			res, _ := clients[i].post("/login/two-factor/recovery", url.Values{"recovery_code": {w.TOTP.recovery[0]}})
			if res.StatusCode == http.StatusSeeOther {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("one recovery code sent %d times at once signed in %d times", n, accepted)
	}
}

func TestTwoFactor_PendingSignInExpires(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	c := e.client()
	c.password(w.User.Email, pgtest.Password)
	clk.add(10*time.Minute + time.Second)
	res, _ := c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("code after 10 minutes: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := c.get("/login"); !strings.Contains(body, "took too long") {
		t.Fatal("/login does not say the sign-in expired")
	}
}

// TestTwoFactor_UserSignedOutEverywhereDuringTheStep: a sign-in pending when its user
// is signed out everywhere (or disabled) cannot complete.
func TestTwoFactor_UserSignedOutEverywhereDuringTheStep(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	c := e.client()
	c.password(w.User.Email, pgtest.Password)
	if _, err := e.Store.BumpSessionEpoch(context.Background(), w.User.ID); err != nil {
		t.Fatal(err)
	}
	res, _ := c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}})
	if res.Header.Get("Location") != "/login" {
		t.Fatalf("code after the user was signed out everywhere: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := c.get("/profile"); res.Header.Get("Location") != "/login" {
		t.Fatal("signed in after all")
	}
}

// TestTwoFactor_StepsCostNoHashAndOneStatement counts the work of each step. The
// password step of a 2FA sign-in costs what a password-only sign-in's does (the
// pending state rides in the session row the response saves anyway). The code step
// hashes nothing and runs four statements: the session's load (which carries the
// pending state), its old token's delete, one statement that checks the code and
// records the sign-in, and the session's save.
func TestTwoFactor_StepsCostNoHashAndOneStatement(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	step := func(c *client, path string, form url.Values) (int64, int64) {
		hashes, stmts := e.App.Hasher().Computations(), e.writes.all.Load()
		c.post(path, form)
		return e.App.Hasher().Computations() - hashes, e.writes.all.Load() - stmts
	}
	e.favourite(w.Viewer, w.AccA1)
	plain, strict := e.client(), e.client()
	plain.post("/login", url.Values{"email": {w.Viewer.Email}})
	strict.post("/login", url.Values{"email": {w.User.Email}})
	h1, s1 := step(plain, "/login/password", url.Values{"email": {w.Viewer.Email}, "password": {pgtest.Password}})
	h2, s2 := step(strict, "/login/password", url.Values{"email": {w.User.Email}, "password": {pgtest.Password}})
	if h1 != 1 || h2 != 1 || s1 != s2 {
		t.Fatalf("password step: %d hashes, %d statements without 2FA; %d hashes, %d statements with", h1, s1, h2, s2)
	}
	h3, s3 := step(strict, "/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}})
	if h3 != 0 || s3 != 4 {
		t.Fatalf("code step: %d hashes, %d statements; want none and 4", h3, s3)
	}
	if res, _ := strict.get("/a/" + w.Strict.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in after the counted steps: %d", res.StatusCode)
	}
}

// TestFinishSignIn_RunsThePolicy: finishSignIn, the one way a sign-in completes (for
// callers such as accepting an invitation), signs a user of a lax account straight in
// and on to next (a same-site path only), and sends one whose account requires
// two-factor authentication to the code step, pending, going on to next after it.
func TestFinishSignIn_RunsThePolicy(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	e.favourite(w.Viewer, w.AccA1)
	finish := func(u domain.User, next string) (*client, string) {
		hs := httptest.NewServer(e.Server.FinishSignInHandler(u, next))
		defer hs.Close()
		c := e.client()
		res, err := c.c.Post(hs.URL, "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		base, _ := url.Parse(e.URL)
		for _, ck := range res.Cookies() {
			c.jar.SetCookies(base, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
		}
		return c, res.Header.Get("Location")
	}
	lists := "/a/" + w.AccA1.Slug + "/lists"
	c, dest := finish(w.Viewer, lists)
	if dest != lists {
		t.Fatalf("a lax user goes to %q, want %q", dest, lists)
	}
	if res, _ := c.get(lists); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in by finishSignIn: %d", res.StatusCode)
	}
	if _, dest := finish(w.Viewer, "https://evil.test/"); dest != "/" {
		t.Fatalf("an unsafe next goes to %q, want /", dest)
	}
	vault := "/a/" + w.Strict.Slug + "/"
	c, dest = finish(w.User, vault)
	if dest != "/login/two-factor" {
		t.Fatalf("a user owing a code goes to %q", dest)
	}
	if res, _ := c.get("/profile"); res.Header.Get("Location") != "/login" {
		t.Fatal("the pending sign-in reached the profile")
	}
	if res, _ := c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}}); res.Header.Get("Location") != vault {
		t.Fatalf("after the code: %d %s, want %s", res.StatusCode, res.Header.Get("Location"), vault)
	}
}

// TestTwoFactor_FavouriteClosedFallbackRulesApply: when the favourite is closed, the
// rules of the account the user lands in instead apply at sign-in.
func TestTwoFactor_FavouriteClosedFallbackRulesApply(t *testing.T) {
	e := newEnv(t)
	e.useClock()
	w := e.twoFactorWorld()
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("fallback")+"@pixel.test")
	pgtest.MustGrant(t, e.Store, w.AccB, u, domain.ViewerRoleID)   // lax, the favourite
	pgtest.MustGrant(t, e.Store, w.Strict, u, domain.ViewerRoleID) // requires 2FA
	e.favourite(u, w.AccB)
	if got := e.client().password(u.Email, pgtest.Password); got != "/" {
		t.Fatalf("lax favourite: %q", got)
	}
	if err := e.Store.SetAccountStatus(context.Background(), w.AccB.ID, domain.AccountClosed); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	if got := c.password(u.Email, pgtest.Password); got != "/login/two-factor/setup" {
		t.Fatalf("favourite closed: %q, want the set-up the fallback's rules ask", got)
	}
	if _, body := c.get("/login/two-factor/setup"); !strings.Contains(body, "Globex Vault requires two-factor authentication.") {
		t.Fatal("the set-up does not name the fallback account")
	}
}
