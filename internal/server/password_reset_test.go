package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/pgtest"
)

// forgot asks for a reset link for email in a fresh browser and returns the status and
// page, with the statements, writes and hashes it cost.
func (e *env) forgot(email string) (status int, body string, statements, writes, hashes int64) {
	e.t.Helper()
	all, n, h := e.writes.all.Load(), e.writes.n.Load(), e.App.Hasher().Computations()
	res, body := e.client().post("/login/forgot", url.Values{"email": {email}})
	return res.StatusCode, body, e.writes.all.Load() - all, e.writes.n.Load() - n, e.App.Hasher().Computations() - h
}

// resetLink asks for a reset link for email and returns its path, read from the
// newest message to that address.
func (e *env) resetLink(email string) string {
	e.t.Helper()
	if st, body, _, _, _ := e.forgot(email); st != http.StatusOK {
		e.t.Fatalf("asking for a reset link for %s: %d\n%s", email, st, excerpt(body))
	}
	m := e.lastMail(email)
	if m.Kind != app.MailResetLink {
		e.t.Fatalf("newest message to %s is %s, want %s", email, m.Kind, app.MailResetLink)
	}
	return e.link(m)
}

func TestForgotPassword_LinkOnSignInPages(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	if _, body := c.get("/login"); !strings.Contains(body, `href="/login/forgot"`) || !strings.Contains(body, "Forgot your password?") {
		t.Error("the email step has no \"Forgot your password?\" link")
	}
	c.post("/login", url.Values{"email": {w.Viewer.Email}})
	if _, body := c.get("/login/password"); !strings.Contains(body, `href="/login/forgot"`) {
		t.Error("the password step has no \"Forgot your password?\" link")
	}
	// The email of the sign-in under way fills in the form.
	if res, body := c.get("/login/forgot"); res.StatusCode != http.StatusOK || !strings.Contains(body, `value="`+w.Viewer.Email+`"`) {
		t.Errorf("GET /login/forgot: %d, want the form filled with %s", res.StatusCode, w.Viewer.Email)
	}
}

// TestForgotPassword_SameAnswerAndWorkForKnownAndUnknownEmails: an email nobody signs
// in with gets the same page, after the same database statements and writes, as one
// that belongs to a user, and neither costs a password hash.
func TestForgotPassword_SameAnswerAndWorkForKnownAndUnknownEmails(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	known, unknown := w.Viewer.Email, pgtest.Unique("nobody")+"@a.test"
	// The job queue's first insert in a process asks a question once: warm it up so
	// both measured requests find it done.
	e.forgot(pgtest.Unique("warm-up") + "@a.test")
	kst, kbody, kstmts, kwrites, khashes := e.forgot(known)
	ust, ubody, ustmts, uwrites, uhashes := e.forgot(unknown)
	if kst != http.StatusOK || ust != kst {
		t.Errorf("status: known %d, unknown %d; want 200 for both", kst, ust)
	}
	if strings.ReplaceAll(kbody, known, "EMAIL") != strings.ReplaceAll(ubody, unknown, "EMAIL") {
		t.Error("the pages for a known and an unknown email differ (beyond the email itself)")
	}
	if !strings.Contains(kbody, "If an Atrium account signs in with") {
		t.Errorf("the answer does not say a link may be on its way:\n%s", excerpt(kbody))
	}
	if kstmts != ustmts || kwrites != uwrites {
		t.Errorf("work: known email %d statements (%d writes), unknown %d (%d)", kstmts, kwrites, ustmts, uwrites)
	}
	if khashes != 0 || uhashes != 0 {
		t.Errorf("password hashes: known %d, unknown %d; want none", khashes, uhashes)
	}
	if m := e.lastMail(known); m.Kind != app.MailResetLink || !strings.Contains(m.Text, "/reset-password/") {
		t.Errorf("the known email got %s, want a reset link", m.Kind)
	}
	if m := e.lastMail(unknown); m.Kind != app.MailResetNoAccount || strings.Contains(m.Text, "/reset-password/") {
		t.Errorf("the unknown email got %s, want a note without a link", m.Kind)
	}
	// Only the hash of the link is stored.
	link := e.link(e.lastMail(known))
	token := link[strings.LastIndexByte(link, '/')+1:]
	if n := e.count(`SELECT count(*) FROM password_tokens WHERE token_hash = $1 AND purpose = 'reset'`, auth.HashToken(token)); n != 1 {
		t.Errorf("%d reset links stored under the token's hash, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM password_tokens WHERE position($1::bytea in token_hash) > 0`, []byte(token)); n != 0 {
		t.Error("the token itself is stored")
	}
}

func TestForgotPassword_InvalidEmailRefusedBeforeAnyWork(t *testing.T) {
	e := newEnv(t)
	st, body, stmts, _, _ := e.forgot("not an email")
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "That is not an email address.") {
		t.Errorf("invalid email: %d", st)
	}
	if stmts != 0 {
		t.Errorf("an invalid email cost %d database statements, want 0", stmts)
	}
}

// TestResetLink_WorksOnceAndSignsNobodyIn: the link sets the password, then sends the
// browser to /login with the email filled in, signed in as nobody; the sign-in that
// follows is the ordinary one. Used again, the link is refused and changes nothing.
func TestResetLink_WorksOnceAndSignsNobodyIn(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	u := w.Viewer
	link := e.resetLink(u.Email)
	c := e.client()
	if res, body := c.get(link); res.StatusCode != http.StatusOK || !strings.Contains(body, u.Email) || !strings.Contains(body, "Choose a new password") {
		t.Fatalf("GET the link: %d", res.StatusCode)
	}
	const next = "a freshly chosen passphrase"
	res, _ := c.post(link, url.Values{"password": {next}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("POST the link: %d %s, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	if n := e.count(`SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID); n != 0 {
		t.Errorf("the reset left %d signed-in sessions of the user, want 0", n)
	}
	if c.stillSignedIn() {
		t.Error("the reset signed the browser in")
	}
	_, body := c.get("/login")
	if !strings.Contains(body, `value="`+u.Email+`"`) || !strings.Contains(body, "Your new password is saved") {
		t.Errorf("/login after the reset lacks the email or the notice:\n%s", excerpt(body))
	}
	c.login(u.Email, next)

	again := e.client()
	if res, body := again.post(link, url.Values{"password": {"yet another passphrase"}}); res.StatusCode < 400 ||
		!strings.Contains(body, "already been used") {
		t.Errorf("the link used twice: %d, want a refusal", res.StatusCode)
	}
	if res, _, _ := e.attempt(u.Email, "yet another passphrase"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the password posted to a used link signs in: %d", res.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND action = 'Sign in > Reset password'`, u.ID); n != 1 {
		t.Errorf("the reset is audited %d times, want 1", n)
	}
	if m := e.lastMail(u.Email); m.Kind != app.MailPasswordReset {
		t.Errorf("newest message after the reset is %s, want the notice %s", m.Kind, app.MailPasswordReset)
	}
}

// TestResetLink_EndsEverySessionAndLiftsSuspension: every session of the user ends
// (rows gone, epoch raised), and the email's suspended password sign-in works again.
func TestResetLink_EndsEverySessionAndLiftsSuspension(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	u := w.Agency
	here, there := e.client(), e.client()
	here.login(u.Email, pgtest.Password)
	there.login(u.Email, pgtest.Password)
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ($1, 100, now())`, "email:"+u.Email)
	if res, _, _ := e.attempt(u.Email, pgtest.Password); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("suspended sign-in: %d, want 429", res.StatusCode)
	}
	before, err := e.Store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	link := e.resetLink(u.Email)
	if res, _ := here.post(link, url.Values{"password": {"the suspension is over"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	// Rows first: a stale session's next request deletes its own row.
	if n := e.count(`SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID); n != 0 {
		t.Errorf("%d session rows of the user after the reset, want 0", n)
	}
	if here.stillSignedIn() || there.stillSignedIn() {
		t.Error("a session of the user survived the reset")
	}
	after, err := e.Store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.SessionEpoch <= before.SessionEpoch {
		t.Errorf("session epoch %d after the reset, was %d: want it raised", after.SessionEpoch, before.SessionEpoch)
	}
	if n := e.count(`SELECT count(*) FROM login_throttles WHERE key = $1`, "email:"+u.Email); n != 0 {
		t.Error("the email's failed attempts survived the reset")
	}
	e.client().login(u.Email, "the suspension is over")
}

func TestResetLink_ExpiresAfterAnHour(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	link := e.resetLink(w.Viewer.Email)
	start := time.Now()
	e.App.SetClock(func() time.Time { return start.Add(app.ResetTTL - time.Minute) })
	if res, _ := e.client().get(link); res.StatusCode != http.StatusOK {
		t.Fatalf("the link a minute before it expires: %d, want 200", res.StatusCode)
	}
	e.App.SetClock(func() time.Time { return start.Add(app.ResetTTL + time.Minute) })
	c := e.client()
	if res, body := c.get(link); res.StatusCode == http.StatusOK || !strings.Contains(body, "expired") {
		t.Errorf("GET the link after an hour: %d, want a refusal saying it expired", res.StatusCode)
	}
	hashes := e.App.Hasher().Computations()
	if res, body := c.post(link, url.Values{"password": {"too late for this one"}}); res.StatusCode < 400 || !strings.Contains(body, "expired") {
		t.Errorf("POST the link after an hour: %d, want a refusal saying it expired", res.StatusCode)
	}
	if n := e.App.Hasher().Computations() - hashes; n != 0 {
		t.Errorf("an expired link cost %d password hashes, want 0", n)
	}
	if res, _, _ := e.attempt(w.Viewer.Email, "too late for this one"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the password posted to an expired link signs in: %d", res.StatusCode)
	}
}

func TestResetLink_NewerKillsOlder(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	older := e.resetLink(w.Viewer.Email)
	newer := e.resetLink(w.Viewer.Email)
	if res, body := e.client().post(older, url.Values{"password": {"from the older link"}}); res.StatusCode < 400 ||
		!strings.Contains(body, "already been used") {
		t.Errorf("the older link after a newer one: %d, want a refusal", res.StatusCode)
	}
	if res, _ := e.client().post(newer, url.Values{"password": {"from the newer link"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the newer link: %d, want 303", res.StatusCode)
	}
}

// TestResetLink_OnlyForItsPurpose: a reset link is no set-password link and the other
// way round, and an unknown link costs no hash.
func TestResetLink_OnlyForItsPurpose(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	reset := e.resetLink(w.Viewer.Email)
	token := reset[strings.LastIndexByte(reset, '/')+1:]
	if res, _ := e.client().get("/set-password/" + token); res.StatusCode != http.StatusNotFound {
		t.Errorf("a reset link at /set-password/: %d, want 404", res.StatusCode)
	}
	set := spLink(t, e, w.Agency)
	if res, _ := e.client().get("/reset-password/" + set[len("/set-password/"):]); res.StatusCode != http.StatusNotFound {
		t.Errorf("a set-password link at /reset-password/: %d, want 404", res.StatusCode)
	}
	unknown, _ := auth.NewToken()
	hashes := e.App.Hasher().Computations()
	if res, body := e.client().post("/reset-password/"+unknown, url.Values{"password": {"a guess at a link"}}); res.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, html.EscapeString("Ask for a new link")) {
		t.Errorf("an unknown link: %d, want 404 offering a new link", res.StatusCode)
	}
	if n := e.App.Hasher().Computations() - hashes; n != 0 {
		t.Errorf("an unknown link cost %d password hashes, want 0", n)
	}
}

// TestForgotPassword_RateLimitedPerEmailAndPerAddress: beyond the limits the answer is
// 429 with Retry-After and the same words for known and unknown emails, and nothing is
// sent.
func TestForgotPassword_RateLimitedPerEmailAndPerAddress(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	unknown := pgtest.Unique("nobody") + "@a.test"
	var answers []string
	for _, email := range []string{w.Viewer.Email, unknown} {
		for i := 0; i < app.ResetEmailLimit; i++ {
			if st, _, _, _, _ := e.forgot(email); st != http.StatusOK {
				t.Fatalf("request %d for %s: %d", i+1, email, st)
			}
		}
		sent := len(e.mails(email))
		res, body := e.client().post("/login/forgot", url.Values{"email": {email}})
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("request %d for %s: %d (Retry-After %q), want 429 with Retry-After", app.ResetEmailLimit+1, email,
				res.StatusCode, res.Header.Get("Retry-After"))
		}
		if n := len(e.mails(email)); n != sent {
			t.Errorf("a refused request sent %s a message", email)
		}
		answers = append(answers, strings.ReplaceAll(body, email, "EMAIL"))
	}
	if answers[0] != answers[1] || !strings.Contains(answers[0], "Too many links were asked for") {
		t.Error("the refusals for a known and an unknown email differ, or do not say why")
	}
	// Per address: requests for many emails from one address.
	for i := 2 * app.ResetEmailLimit; i < app.ResetAddressLimit; i++ {
		if st, _, _, _, _ := e.forgot(pgtest.Unique("spread") + "@a.test"); st != http.StatusOK {
			t.Fatalf("request %d from the address: %d", i+1, st)
		}
	}
	if st, _, _, _, _ := e.forgot(pgtest.Unique("spread") + "@a.test"); st != http.StatusTooManyRequests {
		t.Errorf("request %d from one address: %d, want 429", app.ResetAddressLimit+1, st)
	}
}

// TestPasswordNotices: changing the password on the profile sends the user a notice.
func TestPasswordNotices_ChangeOnProfile(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	if res, _ := c.post("/profile/password", url.Values{"current_password": {pgtest.Password}, "new_password": {"a noticed new passphrase"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", res.StatusCode)
	}
	m := e.lastMail(w.Viewer.Email)
	if m.Kind != app.MailPasswordChanged || !strings.Contains(m.Text, "/login/forgot") || !strings.Contains(m.Text, "127.0.0.1") {
		t.Errorf("after a password change the newest message is %s:\n%s", m.Kind, m.Text)
	}
}
