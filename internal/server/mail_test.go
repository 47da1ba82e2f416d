package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/mailtest"
	"atrium/internal/pgtest"
)

// staffClient makes a staff user and signs them in.
func (e *env) staffClient() *client {
	e.t.Helper()
	staff := pgtest.MustUser(e.t, e.Store, pgtest.Unique("staff")+"@atrium.test")
	if err := e.Store.SetStaff(context.Background(), staff.ID, true); err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	c.login(staff.Email, pgtest.Password)
	return c
}

// TestDevMail_OnlyInDevelopmentWithoutSMTP: /dev/mail does not exist without
// ATRIUM_DEV (the route is not even registered), nor when SMTP_URL is set; in
// development without SMTP a new owner's set-password email arrives there, the HTML
// part is served sandboxed under its own CSP, and the link in it works.
func TestDevMail_OnlyInDevelopmentWithoutSMTP(t *testing.T) {
	t.Parallel()
	prod := newEnv(t)
	if _, ok := prod.Server.Guards()["GET /dev/mail"]; ok {
		t.Error("/dev/mail is registered without ATRIUM_DEV")
	}
	for _, path := range []string{"/dev/mail", "/dev/mail/1", "/dev/mail/1/html"} {
		if res, _ := prod.client().get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("without ATRIUM_DEV, GET %s: %d", path, res.StatusCode)
		}
	}
	if _, _, err := prod.App.DevMailbox(context.Background(), 1); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("without ATRIUM_DEV the app opens the dev mailbox: %v", err)
	}
	withSMTP := newEnvWith(t, envOptions{dev: true, smtp: mailtest.Start(t)})
	if _, ok := withSMTP.Server.Guards()["GET /dev/mail"]; ok {
		t.Error("/dev/mail is registered with SMTP_URL set")
	}
	if res, _ := withSMTP.client().get("/dev/mail"); res.StatusCode != http.StatusNotFound {
		t.Errorf("with SMTP_URL, GET /dev/mail: %d", res.StatusCode)
	}

	e := newEnvWith(t, envOptions{dev: true})
	c := e.staffClient()
	org := pgtest.MustOrganisation(t, e.Store, "Initech", pgtest.MustUser(t, e.Store, pgtest.Unique("o")+"@initech.test"))
	res, body := c.post("/staff/accounts", url.Values{"account_org": {org.Slug}, "account_name": {"Initech Sales"},
		"account_owner_email": {"bill@initech.test"}, "account_owner_name": {"Bill Lumbergh"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create account: %d\n%s", res.StatusCode, body)
	}
	m := e.waitMail("bill@initech.test", "sent", 30*time.Second)
	if m.Transport != "dev" {
		t.Fatalf("delivered through %q, want the dev mailbox", m.Transport)
	}
	// Anyone on the development machine reads it, signed in or not.
	reader := e.client()
	res, body = reader.get("/dev/mail")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "bill@initech.test") || !strings.Contains(body, "Set your Atrium password") {
		t.Fatalf("GET /dev/mail: %d\n%s", res.StatusCode, body)
	}
	show := regexp.MustCompile(`href="(/dev/mail/\d+)"`).FindStringSubmatch(body)
	if show == nil {
		t.Fatal("the mailbox does not link to the message")
	}
	res, body = reader.get(show[1])
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"`) ||
		!strings.Contains(body, `src="`+show[1]+`/html"`) || !strings.Contains(body, m.MessageID[1:len(m.MessageID)-1]) {
		t.Fatalf("GET %s: %d\n%s", show[1], res.StatusCode, body)
	}
	textLink := regexp.MustCompile(`<a href="(` + regexp.QuoteMeta(e.URL) + `/set-password/[A-Za-z0-9_-]{43})">`).FindStringSubmatch(body)
	if textLink == nil {
		t.Fatalf("the text part's link is not a link:\n%s", body)
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("the message page lost the main CSP")
	}

	res, html := reader.get(show[1] + "/html")
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != http.StatusOK || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'self'") ||
		!strings.Contains(csp, "sandbox") || strings.Contains(csp, "allow-scripts") || strings.Contains(csp, "script-src") ||
		res.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Fatalf("GET %s/html: %d, CSP %q, X-Frame-Options %q", show[1], res.StatusCode, csp, res.Header.Get("X-Frame-Options"))
	}
	if !strings.Contains(html, `<base target="_top">`) || !strings.Contains(html, `href="`+textLink[1]+`"`) || !strings.Contains(html, "Initech Sales") {
		t.Fatalf("the HTML part:\n%s", html)
	}

	// The link works: Bill sets a password and signs in.
	bill := e.client()
	path := strings.TrimPrefix(textLink[1], e.URL)
	if res, _ := bill.post(path, url.Values{"password": {"mondays are the worst"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password through the emailed link: %d", res.StatusCode)
	}
	bill.login("bill@initech.test", "mondays are the worst")

	if res, _ := reader.get("/dev/mail/999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing message: %d", res.StatusCode)
	}
}

// TestStaff_FailedMailIsListedAndRetried: a message the SMTP server keeps refusing is
// tried the allowed number of times, then listed in the staff console with its last
// error; Retry (audited) queues it again and it is delivered, under its Message-ID.
func TestStaff_FailedMailIsListedAndRetried(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	smtp.SetMode(mailtest.Refuse)
	e := newEnvWith(t, envOptions{smtp: smtp, mailAttempts: 2})
	c := e.staffClient()
	org := pgtest.MustOrganisation(t, e.Store, "Globex", pgtest.MustUser(t, e.Store, pgtest.Unique("o")+"@globex.test"))
	if res, body := c.post("/staff/owners", url.Values{"owner_org": {org.Slug}, "owner_email": {"hank@globex.test"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("appoint owner: %d\n%s", res.StatusCode, body)
	}
	m := e.waitMail("hank@globex.test", "failed", 30*time.Second)
	if m.Attempts != 2 || !strings.Contains(m.LastError, "try again later") || smtp.Refused() != 2 {
		t.Fatalf("failed after %d attempts (%d refusals): %q", m.Attempts, smtp.Refused(), m.LastError)
	}
	_, body := c.get("/staff/")
	retry := "/staff/mail/" + strconv.FormatInt(m.ID, 10) + "/retry"
	if !strings.Contains(body, "Email that keeps failing") || !strings.Contains(body, "hank@globex.test") ||
		!strings.Contains(body, "try again later") || !strings.Contains(body, `action="`+retry+`"`) {
		t.Fatalf("the console does not list the failed email with its error and a Retry button:\n%s", body)
	}

	smtp.SetMode(mailtest.Accept)
	if res, _ := c.post(retry, url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", res.StatusCode)
	}
	if got := smtp.WaitTo("hank@globex.test", 30*time.Second); got.MessageID != m.MessageID || !setPasswordPath.MatchString(got.Text) {
		t.Fatalf("delivered after retry under %q (want %q)\n%s", got.MessageID, m.MessageID, got.Text)
	}
	e.waitMail("hank@globex.test", "sent", 10*time.Second)
	if _, body := c.get("/staff/"); strings.Contains(body, "Email that keeps failing") {
		t.Error("a delivered email is still listed as failing")
	}
	var audited int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'Staff > Email > Retry > hank@globex.test'`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("retry audited %d times (%v)", audited, err)
	}
	if res, _ := c.post(retry, url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("retrying a sent email: %d, want 404", res.StatusCode)
	}
}
