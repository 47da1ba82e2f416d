package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// setupKey reads the secret key a set-up page shows (grouped in fours).
func setupKey(t testing.TB, body string) string {
	t.Helper()
	m := regexp.MustCompile(`data-testid="secret-key">([A-Z2-7 ]+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret key on the page:\n%s", excerpt(body))
	}
	return strings.ReplaceAll(m[1], " ", "")
}

// recoveryCodesOn reads the recovery codes a page shows.
func recoveryCodesOn(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<li><code>([0-9A-Z-]{19})</code></li>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func (e *env) outbox(to, kind string) int {
	e.t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM mail_outbox WHERE to_address = $1 AND kind = $2`,
		to, kind).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestTwoFactor_EnrolmentAtSignIn: a user whose favourite account requires two-factor
// authentication and who has none sets it up at sign-in: QR code and key, one code to
// confirm, ten recovery codes shown once; the secret is stored sealed; the user is
// emailed; the sign-in completes.
func TestTwoFactor_EnrolmentAtSignIn(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("new")+"@pixel.test")
	pgtest.MustGrant(t, e.Store, w.Strict, u, domain.ViewerRoleID)
	e.favourite(u, w.Strict)
	c := e.client()
	if got := c.password(u.Email, pgtest.Password); got != "/login/two-factor/setup" {
		t.Fatalf("password step for a user to enrol: %q", got)
	}
	res, body := c.get("/login/two-factor/setup")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `src="data:image/png;base64,`) ||
		!strings.Contains(body, "Globex Vault requires two-factor authentication.") {
		t.Fatalf("setup page: %d\n%s", res.StatusCode, excerpt(body))
	}
	secret := setupKey(t, body)
	// The same secret on a second look (it is the sign-in's until confirmed).
	if _, again := c.get("/login/two-factor/setup"); setupKey(t, again) != secret {
		t.Fatal("the setup page shows another secret on reload")
	}
	if res, _ := c.get("/profile"); res.Header.Get("Location") != "/login" {
		t.Fatal("a sign-in enrolling reached the profile")
	}
	if res, _ := c.post("/login/two-factor/setup", url.Values{"code": {wrongCode(t, secret, clk.now())}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong confirmation code: %d", res.StatusCode)
	}
	now := code(t, secret, clk.now())
	res, body = c.post("/login/two-factor/setup", url.Values{"code": {now}})
	codes := recoveryCodesOn(body)
	if res.StatusCode != http.StatusOK || len(codes) != 10 || !strings.Contains(body, `href="/"`) {
		t.Fatalf("confirming the setup: %d, %d recovery codes\n%s", res.StatusCode, len(codes), excerpt(body))
	}
	if res, _ := c.get("/a/" + w.Strict.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in after enrolling: %d", res.StatusCode)
	}
	var sealed []byte
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT totp_secret FROM users WHERE id = $1`, u.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(secret)) || sealed[0] != 1 {
		t.Fatal("the TOTP secret is not stored sealed")
	}
	sealer, _ := auth.NewSealer(pgtest.SecretKey)
	if plain, err := sealer.Open(sealed, "totp:"+strconv.FormatInt(u.ID, 10)); err != nil || string(plain) != secret {
		t.Fatalf("the stored secret does not open to the one shown: %v", err)
	}
	if n := e.outbox(u.Email, "security_2fa_enrolled"); n != 1 {
		t.Fatalf("%d enrolment notices queued, want 1", n)
	}
	// The code that confirmed the set-up cannot sign in again.
	again := e.client()
	again.password(u.Email, pgtest.Password)
	if res, _ := again.post("/login/two-factor", url.Values{"code": {now}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("the set-up code used again: %d", res.StatusCode)
	}
	if res, _ := again.post("/login/two-factor/recovery", url.Values{"recovery_code": {codes[9]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a recovery code shown at set-up: %d", res.StatusCode)
	}
}

// TestSecuritySettings: account.security holders choose the login method (password
// only while the organisation has no SSO connection), require two-factor authentication and step-up; requiring it
// walks a changer without 2FA through setting it up first; changes are audited.
func TestSecuritySettings(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password) // administrator of A1
	page := "/a/" + w.AccA1.Slug + "/settings/security"
	res, body := c.get(page)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `value="sso" disabled`) || !strings.Contains(body, "Add a single sign-on connection below") {
		t.Fatalf("security page: %d\n%s", res.StatusCode, excerpt(body))
	}
	if res, _ := c.post(page, url.Values{"login_method": {"sso"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("choosing SSO: %d", res.StatusCode)
	}
	// Not enrolled: requiring 2FA sends the changer to set it up, and back.
	res, _ = c.post(page, url.Values{"login_method": {"password"}, "mfa_required": {"on"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile/two-factor?next="+url.QueryEscape(page) {
		t.Fatalf("requiring 2FA without having it: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if acc, _ := e.Store.AccountBySlug(context.Background(), w.AccA1.Slug); acc.MFARequired {
		t.Fatal("2FA was required although its maker has none")
	}
	// Set it up (signed in just now: no password asked), then require it.
	res, body = c.post("/profile/two-factor/setup", url.Values{"next": {page}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("starting the set-up: %d\n%s", res.StatusCode, excerpt(body))
	}
	secret := setupKey(t, body)
	res, body = c.post("/profile/two-factor/setup/confirm", url.Values{"next": {page}, "code": {code(t, secret, clk.now())}})
	if res.StatusCode != http.StatusOK || len(recoveryCodesOn(body)) != 10 || !strings.Contains(body, `href="`+page+`"`) {
		t.Fatalf("confirming the set-up: %d\n%s", res.StatusCode, excerpt(body))
	}
	res, _ = c.post(page, url.Values{"login_method": {"password"}, "mfa_required": {"on"}, "enforce_on_entry": {"on"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page {
		t.Fatalf("requiring 2FA with step-up: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	acc, _ := e.Store.AccountBySlug(context.Background(), w.AccA1.Slug)
	if !acc.MFARequired || !acc.EnforceOnEntry {
		t.Fatalf("settings not saved: %+v", acc)
	}
	// The changer is not locked out: this session proved a code by setting it up.
	if res, _ := c.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the changer's next page: %d", res.StatusCode)
	}
	events, err := e.Store.AuditForActor(context.Background(), w.Agency.ID, 1)
	want := "Settings > Security > Two-factor authentication (not required → required); Apply on switching in (off → on)"
	if err != nil || events[0].Action != want || events[0].AccountID != w.AccA1.ID {
		t.Fatalf("audit: %+v, want %q", events, want)
	}
	// Other members whose favourite is lax now step up on entering it.
	member := pgtest.MustUser(t, e.Store, pgtest.Unique("member")+"@b.test")
	pgtest.MustGrant(t, e.Store, w.AccB, member, domain.ViewerRoleID)
	pgtest.MustGrant(t, e.Store, w.AccA1, member, domain.ViewerRoleID)
	e.favourite(member, w.AccB)
	viewer := e.client()
	viewer.login(member.Email, pgtest.Password)
	if res, _ := viewer.get("/a/" + w.AccA1.Slug + "/"); !strings.HasPrefix(res.Header.Get("Location"), "/step-up?") {
		t.Fatalf("a member entering after the change: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Form values a browser does not send are refused.
	if res, _ := c.post(page, url.Values{"login_method": {"password"}, "mfa_required": {"yes"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("checkbox value 'yes': %d", res.StatusCode)
	}
}

// TestProfileTwoFactor: changing two-factor settings needs a recent proof; it cannot be
// turned off while an account requires it; new recovery codes replace the old; turning
// it off is emailed.
func TestProfileTwoFactor(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.twoFactorWorld()
	c := e.client()
	c.password(w.User.Email, pgtest.Password)
	c.post("/login/two-factor", url.Values{"code": {code(t, w.TOTP.secret, clk.now())}})
	if _, body := c.get("/profile/two-factor"); !strings.Contains(body, "Globex Vault requires two-factor authentication") ||
		!strings.Contains(body, "Get new recovery codes") {
		t.Fatalf("two-factor page:\n%s", excerpt(body))
	}
	if res, _ := c.post("/profile/two-factor/disable", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("turning off while required: %d", res.StatusCode)
	}
	if _, body := c.get("/profile/two-factor"); !strings.Contains(body, "requires two-factor authentication, so it stays on") {
		t.Fatal("no reason given for keeping it on")
	}
	// Sixteen minutes later the password is asked first.
	clk.add(16 * time.Minute)
	if res, _ := c.post("/profile/two-factor/recovery-codes", url.Values{}); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/profile/two-factor") {
		t.Fatalf("new recovery codes without a recent proof: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := c.get("/profile/two-factor"); !strings.Contains(body, "Confirm it's you") || strings.Contains(body, "Get new recovery codes") {
		t.Fatal("the page does not ask for the password")
	}
	if res, _ := c.post("/profile/two-factor/confirm-password", url.Values{"password": {"not it"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	before := c.sessionCookie().Value
	if res, _ := c.post("/profile/two-factor/confirm-password", url.Values{"password": {pgtest.Password}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password: %d", res.StatusCode)
	}
	if c.sessionCookie().Value == before {
		t.Fatal("re-authentication kept the session's token")
	}
	res, body := c.post("/profile/two-factor/recovery-codes", url.Values{})
	fresh := recoveryCodesOn(body)
	if res.StatusCode != http.StatusOK || len(fresh) != 10 {
		t.Fatalf("new recovery codes: %d, %d codes", res.StatusCode, len(fresh))
	}
	// The old codes stopped working; the new ones work.
	other := e.client()
	other.password(w.User.Email, pgtest.Password)
	if res, _ := other.post("/login/two-factor/recovery", url.Values{"recovery_code": {w.TOTP.recovery[0]}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an old recovery code: %d", res.StatusCode)
	}
	if res, _ := other.post("/login/two-factor/recovery", url.Values{"recovery_code": {fresh[0]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a new recovery code: %d", res.StatusCode)
	}
	// No account requires it any more: it can be turned off.
	if err := e.Store.SetAccountSecurity(context.Background(), w.Strict.ID, "password", 0, false, false); err != nil {
		t.Fatal(err)
	}
	if res, _ := c.post("/profile/two-factor/disable", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("turning off: %d", res.StatusCode)
	}
	if got := c.password(w.User.Email, pgtest.Password); got != "/" {
		t.Fatalf("sign-in after turning it off goes to %q", got)
	}
	if n := e.outbox(w.User.Email, "security_2fa_disabled"); n != 1 {
		t.Fatalf("%d notices of turning it off, want 1", n)
	}
}

// TestStaffResetTwoFactor: staff reset a user's two-factor set-up from the console
// (a lost device); audited and emailed; the user sets up anew at the next sign-in.
func TestStaffResetTwoFactor(t *testing.T) {
	e := newEnv(t)
	e.useClock()
	w := e.twoFactorWorld()
	staffUser := pgtest.MustUser(t, e.Store, pgtest.Unique("staff")+"@atrium.test")
	if err := e.Store.SetStaff(context.Background(), staffUser.ID, true); err != nil {
		t.Fatal(err)
	}
	s := e.client()
	s.login(staffUser.Email, pgtest.Password)
	if _, body := s.get("/staff/users?email=" + url.QueryEscape(w.User.Email)); !strings.Contains(body, "Reset two-factor authentication") {
		t.Fatal("the user card offers no reset")
	}
	res, _ := s.post("/staff/users/reset-2fa", url.Values{"email": {w.User.Email}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	if res, _ := s.post("/staff/users/reset-2fa", url.Values{"email": {w.User.Email}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("reset again: %d", res.StatusCode)
	}
	if n := e.outbox(w.User.Email, "security_2fa_reset"); n != 1 {
		t.Fatalf("%d reset notices, want 1", n)
	}
	events, err := e.Store.AuditForActor(context.Background(), staffUser.ID, 1)
	if err != nil || events[0].Action != "Staff > Users > Reset two-factor authentication > "+w.User.Email {
		t.Fatalf("audit: %+v %v", events, err)
	}
	if got := e.client().password(w.User.Email, pgtest.Password); got != "/login/two-factor/setup" {
		t.Fatalf("sign-in after the reset goes to %q, want the set-up", got)
	}
	// Not staff: 404.
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	if res, _ := owner.post("/staff/users/reset-2fa", url.Values{"email": {w.User.Email}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("reset by a non-staff user: %d", res.StatusCode)
	}
}
