package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"atrium/internal/app"
)

// ssoLogin takes the email step of a user whose favourite signs in through single
// sign-on, then chooses who to be at the development identity provider (/dev/idp).
func (b *browser) ssoLogin(email, person, want string) {
	b.t.Helper()
	b.do("opening /login", chromedp.Navigate(b.base+"/login"))
	b.do("email step",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.Clear(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.Click(chromedp.Search(`//form[@action="/login"]//button[normalize-space()="Continue"]`)),
	)
	b.atIdP(person)
	b.waitPath(want)
}

// atIdP waits for the development identity provider's page and signs in there as person.
func (b *browser) atIdP(person string) {
	b.t.Helper()
	b.waitPath("/dev/idp/login")
	b.do("signing in at the identity provider as "+person,
		chromedp.Click(chromedp.Search(`//button[contains(normalize-space(), "`+person+`")]`)))
}

// TestBrowser_SSOJourney walks the demo's single sign-on through a real browser: the
// SSO-only favourite sends Ivy to the development identity provider and lands her in
// Initech Portal; Olga's first sign-in confirms the link with her password; she tests
// the connection from the settings; with two-factor authentication required, SSO is
// followed by its set-up; and a password favourite steps up through the provider.
func TestBrowser_SSOJourney(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*browserTestTimeout)
	defer cancel()
	e := newEnvWith(t, envOptions{dev: true})
	if err := e.App.LoadDemo(ctx); err != nil {
		t.Fatalf("loading the demo data: %v", err)
	}
	b := newBrowser(ctx, t, exe, e.URL)

	// The favourite signs in only through SSO: straight to the provider and back.
	b.do("opening /login", chromedp.Navigate(b.base+"/login"))
	b.do("email step",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "sso@initech.test"),
		chromedp.Click(chromedp.Search(`//form[@action="/login"]//button[normalize-space()="Continue"]`)),
	)
	b.waitPath("/dev/idp/login")
	b.screenshot("sso-idp-login")
	b.atIdP("Ivy Initech")
	b.waitPath("/a/initech-portal/")
	b.signOut()

	// First sign-in of someone who also has a password: confirm the link once.
	b.ssoLogin("owner@initech.test", "Olga Owner", "/login/sso/link")
	if got := b.text("[data-testid=link-explain]"); !strings.Contains(got, "owner@initech.test") {
		t.Fatalf("link page says %q", got)
	}
	b.screenshot("sso-link-confirm")
	b.submitCode("password", "wrong password", "Confirm and link")
	b.waitText(".field-error", "That is not your current password")
	b.screenshot("sso-link-refused")
	b.submitCode("password", app.DemoPassword, "Confirm and link")
	b.waitPath("/a/initech-portal/")

	// The security settings and the connection's page; a test round trip comes back there.
	b.do("opening the security settings", chromedp.Navigate(b.base+"/a/initech-portal/settings/security"))
	b.waitText("h1", "Security")
	b.screenshot("sso-security-settings")
	b.do("opening the connection", chromedp.Click(chromedp.Search(`//a[normalize-space()="Development identity provider"]`)))
	b.waitText("h1", "Development identity provider")
	b.screenshot("sso-connection")
	b.do("testing the connection", chromedp.Click(chromedp.Search(`//button[normalize-space()="Test connection"]`)))
	b.atIdP("Olga Owner")
	b.waitText(".flash", "Test succeeded")
	b.screenshot("sso-connection-tested")
	b.do("opening a new connection's form", chromedp.Navigate(b.base+"/a/initech-portal/settings/security/connections/new?protocol=saml"))
	b.waitText("h1", "New SAML connection")
	b.screenshot("sso-connection-new-saml")
	b.signOut()

	// SSO, then the two-factor authentication the account requires (set up the first time).
	e.exec(`UPDATE accounts SET mfa_required = true WHERE slug = 'initech-portal'`)
	b.ssoLogin("sso@initech.test", "Ivy Initech", "/login/two-factor/setup")
	secret := strings.ReplaceAll(b.text("[data-testid=secret-key]"), " ", "")
	b.submitCode("code", code(t, secret, time.Now()), "Turn on two-factor authentication")
	b.waitText("h1", "Two-factor authentication is on")
	b.do("continuing", chromedp.Click(chromedp.Search(`//a[normalize-space()="Continue"]`)))
	b.waitPath("/a/initech-portal/")
	b.signOut()
	e.exec(`UPDATE accounts SET mfa_required = false WHERE slug = 'initech-portal'`)

	// Step-up: Olga's favourite becomes a password account; entering the SSO account,
	// which now applies its rules on entry, goes through the provider.
	e.exec(`UPDATE accounts SET enforce_on_entry = true WHERE slug = 'initech-portal'`)
	e.exec(`UPDATE users SET favourite_account_id = (SELECT id FROM accounts WHERE slug = 'acme-blog') WHERE email = 'owner@initech.test'`)
	e.exec(`INSERT INTO memberships (account_id, user_id, role_id) SELECT a.id, u.id, 5 FROM accounts a, users u
		WHERE a.slug = 'acme-blog' AND u.email = 'owner@initech.test'`)
	b.login("owner@initech.test", app.DemoPassword, "/a/acme-blog/")
	b.do("switching to Initech Portal", chromedp.Navigate(b.base+"/a/initech-portal/members"))
	b.waitPath("/step-up")
	b.screenshot("sso-step-up")
	b.do("continuing to single sign-on", chromedp.Click(chromedp.Search(`//a[normalize-space()="Continue to single sign-on"]`)))
	b.atIdP("Olga Owner")
	b.waitPath("/a/initech-portal/members")
}
