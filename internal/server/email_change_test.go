package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// askEmailChange posts the profile's email form as c and returns the response.
func askEmailChange(c *client, newEmail, password string) (*http.Response, string) {
	c.t.Helper()
	form := url.Values{"new_email": {newEmail}}
	if password != "" {
		form.Set("email_current_password", password)
	}
	return c.post("/profile/email", form)
}

// confirmLink asks, as c, to move to newEmail and returns the confirmation link sent there.
func (e *env) confirmLink(c *client, newEmail string) string {
	e.t.Helper()
	if res, body := askEmailChange(c, newEmail, ""); res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("asking to change the email to %s: %d\n%s", newEmail, res.StatusCode, excerpt(body))
	}
	m := e.lastMail(newEmail)
	if m.Kind != app.MailEmailConfirm {
		e.t.Fatalf("newest message to %s is %s, want %s", newEmail, m.Kind, app.MailEmailConfirm)
	}
	return e.link(m)
}

func (e *env) epochOf(u domain.User) int {
	e.t.Helper()
	got, err := e.Store.UserByID(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got.SessionEpoch
}

func (e *env) emailOf(u domain.User) string {
	e.t.Helper()
	got, err := e.Store.UserByID(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got.Email
}

// TestEmailChange_NeedsPasswordOrRecentSignIn: within 15 minutes of signing in no
// password is needed; after that a change without the password is refused, a wrong
// password counts as a failed attempt, and nothing is recorded or sent for either.
func TestEmailChange_NeedsPasswordOrRecentSignIn(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	if _, body := c.get("/profile"); strings.Contains(body, `id="email_current_password"`) {
		t.Error("the profile asks for the password right after signing in")
	}
	if res, _ := askEmailChange(c, pgtest.Unique("recent")+"@moved.test", ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a change right after signing in: %d, want 303", res.StatusCode)
	}
	start := time.Now()
	e.App.SetClock(func() time.Time { return start.Add(app.ReauthWindow + time.Minute) })
	if _, body := c.get("/profile"); !strings.Contains(body, `id="email_current_password"`) {
		t.Error("the profile does not ask for the password 16 minutes after signing in")
	}
	changes, mails := e.count(`SELECT count(*) FROM email_changes`), e.count(`SELECT count(*) FROM mail_outbox`)
	stale := pgtest.Unique("stale") + "@moved.test"
	if res, body := askEmailChange(c, stale, ""); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enter your current password") {
		t.Errorf("a change without the password 16 minutes after signing in: %d, want 422", res.StatusCode)
	}
	if res, body := askEmailChange(c, stale, "not my password"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "That is not your current password.") {
		t.Errorf("a change with a wrong password: %d, want 422", res.StatusCode)
	}
	if e.failures("email:"+w.Viewer.Email) != 1 {
		t.Errorf("a wrong password counted %d failed attempts, want 1", e.failures("email:"+w.Viewer.Email))
	}
	if e.count(`SELECT count(*) FROM email_changes`) != changes || e.count(`SELECT count(*) FROM mail_outbox`) != mails {
		t.Error("a refused change recorded a change or sent a message")
	}
	if res, _ := askEmailChange(c, stale, pgtest.Password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a change with the password: %d, want 303", res.StatusCode)
	}
	if e.failures("email:"+w.Viewer.Email) != 0 {
		t.Error("the right password did not settle the email's failed attempts")
	}
}

// TestEmailChange_ConfirmedOnceByTheNewAddress: nothing changes until the link sent to
// the new address is used; the old address is told at both steps; the confirming
// browser stays signed in with a new token, every other session ends; the link works
// once.
func TestEmailChange_ConfirmedOnceByTheNewAddress(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	u := w.Agency
	here, there := e.client(), e.client()
	here.login(u.Email, pgtest.Password)
	there.login(u.Email, pgtest.Password)
	next := pgtest.Unique("agency-new") + "@moved.test"
	link := e.confirmLink(here, next)

	if got := e.emailOf(u); got != u.Email {
		t.Fatalf("the email changed to %s before confirmation", got)
	}
	if _, body := here.get("/profile"); !strings.Contains(body, "Waiting for you to open the link we sent to <strong>"+next) {
		t.Error("the profile does not show the change waiting for confirmation")
	}
	asked := e.lastMail(u.Email)
	if asked.Kind != app.MailEmailChangeAsked || !strings.Contains(asked.Text, next) || strings.Contains(asked.Text, "/confirm-email/") {
		t.Errorf("the old address got %s (naming the new address: %v), want a notice without the link", asked.Kind, strings.Contains(asked.Text, next))
	}
	if res, body := e.client().get(link); res.StatusCode != http.StatusOK || !strings.Contains(body, next) || !strings.Contains(body, u.Email) {
		t.Fatalf("GET the link: %d", res.StatusCode)
	}
	if got := e.emailOf(u); got != u.Email {
		t.Fatal("opening the link changed the email")
	}

	before := here.sessionCookie().Value
	epoch := e.epochOf(u)
	res, _ := here.post(link, url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile" {
		t.Fatalf("confirming: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := e.emailOf(u); got != next {
		t.Fatalf("email after confirming: %s, want %s", got, next)
	}
	if after := here.sessionCookie(); after == nil || after.Value == before {
		t.Error("the confirming browser's session token was not renewed")
	}
	if ok, _ := e.Store.SessionExists(ctx, auth.HashToken(before)); ok {
		t.Error("the old token still has a session")
	}
	if _, body := here.get("/profile"); !strings.Contains(body, "You now sign in with "+next) {
		t.Error("the confirming browser is not signed in, or not told")
	}
	if e.epochOf(u) <= epoch {
		t.Error("the session epoch was not raised: a request in flight elsewhere would finish signed in")
	}
	// Rows first: a stale session's next request deletes its own row.
	if n := e.count(`SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID); n != 1 {
		t.Errorf("%d session rows of the user after the change, want 1 (this browser's)", n)
	}
	if there.stillSignedIn() {
		t.Error("another session survived the email change")
	}
	if done := e.lastMail(u.Email); done.Kind != app.MailEmailChanged || !strings.Contains(done.Text, next) {
		t.Errorf("the old address's last message is %s, want %s", done.Kind, app.MailEmailChanged)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND action = $2`, u.ID,
		"Profile > Change email ("+u.Email+" → "+next+")"); n != 1 {
		t.Errorf("the change is audited %d times, want 1", n)
	}
	if res, body := e.client().post(link, url.Values{}); res.StatusCode < 400 || !strings.Contains(body, "already been used") {
		t.Errorf("the link used twice: %d, want a refusal", res.StatusCode)
	}
	e.client().login(next, pgtest.Password)
	if res, _, _ := e.attempt(u.Email, pgtest.Password); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old email still signs in: %d", res.StatusCode)
	}
}

// TestEmailChange_SignedOutConfirmationGoesToLogin: confirming in a browser that is
// not signed in signs nobody in and fills in the new email at /login.
func TestEmailChange_SignedOutConfirmationGoesToLogin(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	next := pgtest.Unique("viewer-new") + "@moved.test"
	link := e.confirmLink(c, next)
	other := e.client()
	if res, _ := other.post(link, url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("confirming signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if other.stillSignedIn() {
		t.Error("confirming signed the browser in")
	}
	if _, body := other.get("/login"); !strings.Contains(body, `value="`+next+`"`) {
		t.Error("/login does not fill in the new email")
	}
	if c.stillSignedIn() {
		t.Error("the session that asked survived the change confirmed elsewhere")
	}
}

// TestEmailChange_TakenAddressSameAnswerAndWork: asking for an address that already
// belongs to someone answers as for any other, after the same statements and writes;
// that address gets a note instead of a link, and nothing changes.
func TestEmailChange_TakenAddressSameAnswerAndWork(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	var sqls [2][]string
	ask := func(email string) (int, string, int64, int64) {
		all, n := e.writes.all.Load(), e.writes.n.Load()
		stop := e.writes.record()
		res, _ := askEmailChange(c, email, "")
		_, page := c.get("/profile")
		sqls[0], sqls[1] = sqls[1], stop()
		return res.StatusCode, page, e.writes.all.Load() - all, e.writes.n.Load() - n
	}
	free := pgtest.Unique("free") + "@moved.test"
	taken := strings.ToUpper(w.Viewer.Email[:1]) + w.Viewer.Email[1:] // another user's, in another case
	// The job queue's first insert in a process asks a question once: warm it up so
	// both measured requests find it done.
	ask(pgtest.Unique("warm-up") + "@moved.test")
	fst, fpage, fstmts, fwrites := ask(free)
	tst, tpage, tstmts, twrites := ask(taken)
	if fst != http.StatusSeeOther || tst != fst {
		t.Errorf("status: free address %d, taken %d; want 303 for both", fst, tst)
	}
	norm := func(page, email string) string {
		i := strings.Index(page, "<main")
		return strings.ReplaceAll(page[i:], email, "EMAIL")
	}
	if norm(fpage, free) != norm(tpage, strings.ToLower(taken)) {
		t.Error("the profile after asking for a taken address differs from the one after a free address")
	}
	if fstmts != tstmts || fwrites != twrites {
		t.Errorf("work: free address %d statements (%d writes), taken %d (%d)\nfree:\n%s\ntaken:\n%s", fstmts, fwrites, tstmts, twrites,
			strings.Join(sqls[0], "\n"), strings.Join(sqls[1], "\n"))
	}
	m := e.lastMail(w.Viewer.Email)
	if m.Kind != app.MailEmailTaken || strings.Contains(m.Text, "/confirm-email/") || strings.Contains(m.Text, w.Agency.Email) {
		t.Errorf("the taken address got %s, want a note without a link or the asker's address", m.Kind)
	}
	if got := e.emailOf(w.Viewer); got != w.Viewer.Email {
		t.Errorf("the other user's email is now %s", got)
	}
	if got := e.emailOf(w.Agency); got != w.Agency.Email {
		t.Errorf("the asker's email is now %s", got)
	}
}

// TestEmailChange_AddressTakenBeforeConfirmation: when the new address becomes another
// user's between the request and the confirmation, the confirmation says so clearly
// and changes nothing.
func TestEmailChange_AddressTakenBeforeConfirmation(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	next := pgtest.Unique("contested") + "@moved.test"
	link := e.confirmLink(c, next)
	pgtest.MustUser(t, e.Store, next)
	res, body := c.post(link, url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, next+" now belongs to another Atrium sign-in") {
		t.Errorf("confirming a taken address: %d, want 409 saying it is taken\n%s", res.StatusCode, excerpt(body))
	}
	if got := e.emailOf(w.Viewer); got != w.Viewer.Email {
		t.Errorf("email after a refused confirmation: %s", got)
	}
	if !c.stillSignedIn() {
		t.Error("a refused confirmation signed the user out")
	}
}

func TestEmailChange_NewerRequestKillsOlder(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	first, second := pgtest.Unique("first")+"@moved.test", pgtest.Unique("second")+"@moved.test"
	older := e.confirmLink(c, first)
	newer := e.confirmLink(c, second)
	if res, body := c.post(older, url.Values{}); res.StatusCode < 400 || !strings.Contains(body, "already been used") {
		t.Errorf("the older link after a newer request: %d, want a refusal", res.StatusCode)
	}
	if res, _ := c.post(newer, url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the newer link: %d, want 303", res.StatusCode)
	}
	if got := e.emailOf(w.Viewer); got != second {
		t.Errorf("email %s, want %s", got, second)
	}
}

func TestEmailChange_LinkExpires(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	link := e.confirmLink(c, pgtest.Unique("late")+"@moved.test")
	start := time.Now()
	e.App.SetClock(func() time.Time { return start.Add(app.EmailChangeTTL + time.Minute) })
	if res, body := c.post(link, url.Values{}); res.StatusCode < 400 || !strings.Contains(body, "expired") {
		t.Errorf("the link after 24 hours: %d, want a refusal saying it expired", res.StatusCode)
	}
	if got := e.emailOf(w.Viewer); got != w.Viewer.Email {
		t.Errorf("an expired link changed the email to %s", got)
	}
}

// TestEmailChange_LinkChangesOnlyItsOwnUser: a link confirmed in a browser signed in as
// someone else changes the email of the user who asked, never the signed-in user's,
// and leaves that browser's session alone.
func TestEmailChange_LinkChangesOnlyItsOwnUser(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	asker, other := e.client(), e.client()
	asker.login(w.Viewer.Email, pgtest.Password)
	other.login(w.Agency.Email, pgtest.Password)
	next := pgtest.Unique("own") + "@moved.test"
	link := e.confirmLink(asker, next)
	agencyBefore, err := e.Store.UserByID(ctx, w.Agency.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, body := other.post(link, url.Values{"user": {"0"}, "new_email": {"x@y.test"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "still signed in") {
		t.Fatalf("confirming in another user's browser: %d\n%s", res.StatusCode, excerpt(body))
	}
	if got := e.emailOf(w.Viewer); got != next {
		t.Errorf("the asker's email is %s, want %s", got, next)
	}
	agencyAfter, err := e.Store.UserByID(ctx, w.Agency.ID)
	if err != nil {
		t.Fatal(err)
	}
	if agencyAfter.Email != agencyBefore.Email || agencyAfter.SessionEpoch != agencyBefore.SessionEpoch {
		t.Errorf("the signed-in user changed: email %s → %s, epoch %d → %d", agencyBefore.Email, agencyAfter.Email,
			agencyBefore.SessionEpoch, agencyAfter.SessionEpoch)
	}
	if !other.stillSignedIn() {
		t.Error("the other user's browser was signed out")
	}
	if asker.stillSignedIn() {
		t.Error("the asker's session survived a change confirmed elsewhere")
	}
}

// TestEmailChange_EndedSessionStaysEnded: a browser whose session was already ended
// (its epoch left behind) is not signed back in by confirming there.
func TestEmailChange_EndedSessionStaysEnded(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	stale, fresh := e.client(), e.client()
	stale.login(w.Viewer.Email, pgtest.Password)
	e.exec(`UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, w.Viewer.ID)
	fresh.login(w.Viewer.Email, pgtest.Password)
	link := e.confirmLink(fresh, pgtest.Unique("ended")+"@moved.test")
	if res, _ := stale.post(link, url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("confirming in an ended session: %d %s, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	if stale.stillSignedIn() {
		t.Error("confirming revived an ended session")
	}
}

// TestEmailChange_PasswordChangeOrResetEndsPendingChange: a change asked for from a
// session that was not the user's cannot complete after they change or reset their
// password.
func TestEmailChange_PasswordChangeOrResetEndsPendingChange(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	byChange := e.confirmLink(c, pgtest.Unique("hijack")+"@moved.test")
	if res, _ := c.post("/profile/password", url.Values{"current_password": {pgtest.Password}, "new_password": {"taking it back now"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d", res.StatusCode)
	}
	if res, _ := e.client().post(byChange, url.Values{}); res.StatusCode < 400 {
		t.Errorf("a pending change after a password change: %d, want a refusal", res.StatusCode)
	}
	byReset := e.confirmLink(c, pgtest.Unique("hijack")+"@moved.test")
	if res, _ := e.client().post(e.resetLink(w.Viewer.Email), url.Values{"password": {"and again, to be sure"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	if res, _ := e.client().post(byReset, url.Values{}); res.StatusCode < 400 {
		t.Errorf("a pending change after a reset: %d, want a refusal", res.StatusCode)
	}
	if got := e.emailOf(w.Viewer); got != w.Viewer.Email {
		t.Errorf("email %s, want it unchanged", got)
	}
}

func TestEmailChange_RateLimited(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	for i := 0; i < app.EmailChangeLimit; i++ {
		if res, _ := askEmailChange(c, pgtest.Unique("many")+"@moved.test", ""); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("request %d: %d", i+1, res.StatusCode)
		}
	}
	mails := e.count(`SELECT count(*) FROM mail_outbox`)
	// Refused before the password is looked at: a wrong one counts no failure.
	res, body := askEmailChange(c, pgtest.Unique("many")+"@moved.test", "not my password")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "the most allowed") {
		t.Errorf("request %d: %d, want 429 with Retry-After", app.EmailChangeLimit+1, res.StatusCode)
	}
	if e.count(`SELECT count(*) FROM mail_outbox`) != mails {
		t.Error("a refused request sent a message")
	}
	if n := e.failures("email:" + w.Viewer.Email); n != 0 {
		t.Errorf("a refused request checked the password (%d failed attempts)", n)
	}
}

func TestEmailChange_OwnAddressRefused(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	if res, body := askEmailChange(c, strings.ToUpper(w.Viewer.Email), ""); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "That is already your email address.") {
		t.Errorf("asking for one's own address: %d, want 422", res.StatusCode)
	}
}
