package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"atrium/internal/app"
	"atrium/internal/auth"
)

// submitCode types a code into the field with that id and presses the button named button.
func (b *browser) submitCode(field, code, button string) {
	b.t.Helper()
	b.do("entering "+field,
		chromedp.WaitVisible(chromedp.ID(field)),
		chromedp.Clear(chromedp.ID(field)),
		chromedp.SendKeys(chromedp.ID(field), code),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="`+button+`"]`)),
	)
}

// signOut presses the top bar's Sign out button and waits for /login.
func (b *browser) signOut() {
	b.t.Helper()
	b.do("signing out", chromedp.Click(chromedp.Search(`//form[@action="/logout"]//button[normalize-space()="Sign out"]`)))
	b.waitPath("/login")
}

// totpNow computes the code of secret at the app's time, as an authenticator app would.
func totpNow(t *testing.T, secret string, clk *clock) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, clk.now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBrowser_TwoFactorJourney walks the demo agency user through two-factor
// authentication: they star an account that requires it, so the next sign-in asks them
// to set it up (saying why), shows recovery codes once, then asks for a code at each
// sign-in; a code used once is refused the second time; a recovery code works once.
// Then a writer whose favourite is lax switches into an account that asks for a code on
// entry (step-up), and an owner opens the security settings.
func TestBrowser_TwoFactorJourney(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	clk := e.useClock()
	if err := e.App.LoadDemo(ctx); err != nil {
		t.Fatalf("loading the demo data: %v", err)
	}
	e.exec(`UPDATE accounts SET mfa_required = true WHERE slug = 'northwind-travel'`)
	b := newBrowser(ctx, t, exe, e.URL)
	const agency = "agency@pixel.test"

	// The favourite (Globex Marketing) asks for no code; starring Northwind Travel,
	// which requires two-factor authentication, changes that at the next sign-in.
	b.login(agency, app.DemoPassword, "/a/globex-marketing/")
	b.do("opening /profile", chromedp.Navigate(e.URL+"/profile"))
	b.waitPath("/profile")
	b.do("starring Northwind Travel", chromedp.Click(chromedp.CSS(`button[aria-label="Make Northwind Travel my favourite"]`)))
	b.waitText(".flash", "Northwind Travel is now your favourite")
	b.signOut()

	// Set-up: the QR code and key, one code to confirm, then ten recovery codes.
	b.login(agency, app.DemoPassword, "/login/two-factor/setup")
	if got := b.text(".reason"); got != "Northwind Travel requires two-factor authentication." {
		t.Fatalf("set-up reason: %q", got)
	}
	if loaded, err := evalJS[bool](b, `document.querySelector("img.qr").naturalWidth > 100`); err != nil || !loaded {
		t.Fatalf("the QR code image did not load (%v)", err)
	}
	b.screenshot("twofactor-setup")
	secret := strings.ReplaceAll(b.text("[data-testid=secret-key]"), " ", "")
	setupCode := totpNow(t, secret, clk)
	b.submitCode("code", setupCode, "Turn on two-factor authentication")
	b.waitText("h1", "Two-factor authentication is on")
	codes, err := evalJS[[]string](b, `Array.from(document.querySelectorAll("[data-testid=recovery-codes] code")).map(c => c.textContent)`)
	if err != nil || len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("recovery codes shown: %v (%v)", codes, err)
	}
	b.screenshot("twofactor-recovery-codes")
	b.do("continuing", chromedp.Click(chromedp.Search(`//a[normalize-space()="Continue"]`)))
	b.waitPath("/a/northwind-travel/")
	b.signOut()

	// The next sign-in asks for a code, saying why; the code used at set-up is spent.
	b.login(agency, app.DemoPassword, "/login/two-factor")
	if got := b.text(".reason"); got != "Northwind Travel requires two-factor authentication." {
		t.Fatalf("code step reason: %q", got)
	}
	b.screenshot("twofactor-code")
	b.submitCode("code", setupCode, "Verify")
	b.waitText(".field-error", "That code is not right")
	b.screenshot("twofactor-code-refused")
	clk.add(auth.TOTPPeriod)
	b.submitCode("code", totpNow(t, secret, clk), "Verify")
	b.waitPath("/a/northwind-travel/")
	b.signOut()

	// A recovery code works once.
	useRecovery := func(code string) {
		b.login(agency, app.DemoPassword, "/login/two-factor")
		b.do("opening the recovery form", chromedp.Click(chromedp.Search(`//summary[contains(., "Use a recovery code")]`)))
		b.submitCode("recovery_code", code, "Use recovery code")
	}
	useRecovery(codes[0])
	b.waitPath("/a/northwind-travel/")
	b.waitText(".notice", "9 are left")
	b.signOut()
	useRecovery(codes[0])
	b.waitText("#recovery_code + .field-error", "not one of your unused recovery codes")
	b.do("cancelling the sign-in", chromedp.Click(chromedp.Search(`//button[normalize-space()="Cancel and sign in as someone else"]`)))
	b.waitPath("/login")

	// Step-up: the writer's favourite, Acme Blog, asks nothing more than the password;
	// Acme Vault asks for two-factor authentication on entry. Not set up yet: the
	// step-up sends them to set it up and on into the vault.
	const writer = "writer@acme.test"
	b.login(writer, app.DemoPassword, "/a/acme-blog/")
	b.do("opening Acme Vault", chromedp.Navigate(e.URL+"/a/acme-vault/lists"))
	b.waitPath("/step-up")
	if got := b.text(".reason"); got != "Acme Vault requires two-factor authentication when you switch into it." {
		t.Fatalf("step-up reason: %q", got)
	}
	b.screenshot("step-up-setup")
	b.do("setting up", chromedp.Click(chromedp.Search(`//a[normalize-space()="Set up two-factor authentication"]`)))
	b.waitPath("/profile/two-factor")
	b.screenshot("twofactor-profile")
	b.do("starting the set-up", chromedp.Click(chromedp.Search(`//button[normalize-space()="Set up two-factor authentication"]`)))
	b.waitText("h1", "Set up two-factor authentication")
	writerSecret := strings.ReplaceAll(b.text("[data-testid=secret-key]"), " ", "")
	b.submitCode("code", totpNow(t, writerSecret, clk), "Turn on two-factor authentication")
	b.waitText("h1", "Two-factor authentication is on")
	b.do("continuing", chromedp.Click(chromedp.Search(`//a[normalize-space()="Continue"]`)))
	b.waitPath("/a/acme-vault/lists")
	b.signOut()

	// Set up now, the writer signs in with the password alone (the favourite's rules)
	// and switching into the vault from the switcher asks for a code.
	b.login(writer, app.DemoPassword, "/a/acme-blog/")
	b.do("opening the switcher", chromedp.Click(chromedp.ID("switcher-toggle")), chromedp.WaitVisible(chromedp.ID("switcher-search")))
	b.waitFor("loading the switcher's list", `document.querySelectorAll("#switcher-list .switcher-item").length > 1 ? "yes" : "no"`, "yes")
	b.do("switching to Acme Vault", chromedp.Click(chromedp.Search(`//a[contains(@class,"switcher-item")][.//*[contains(@class,"item-name")][contains(., "Acme Vault")]]`)))
	b.waitPath("/step-up")
	b.waitText(".reason", "Acme Vault requires two-factor authentication when you switch into it.")
	b.screenshot("step-up-code")
	clk.add(auth.TOTPPeriod)
	b.submitCode("code", totpNow(t, writerSecret, clk), "Verify")
	b.waitPath("/a/acme-vault/")
	// Remembered for the session: back and forth asks nothing more.
	b.do("to the blog", chromedp.Navigate(e.URL+"/a/acme-blog/"))
	b.waitPath("/a/acme-blog/")
	b.do("back to the vault", chromedp.Navigate(e.URL+"/a/acme-vault/"))
	b.waitPath("/a/acme-vault/")
	b.signOut()

	// The security settings of an account requiring two-factor authentication.
	b.login("owner@northwind.test", app.DemoPassword, "/a/northwind-retail/")
	b.do("opening the security settings", chromedp.Navigate(e.URL+"/a/northwind-travel/settings/security"))
	b.waitPath("/a/northwind-travel/settings/security")
	if checked, err := evalJS[bool](b, `document.getElementById("mfa_required").checked`); err != nil || !checked {
		t.Fatalf("the security page does not show 2FA required (%v)", err)
	}
	b.screenshot("security-settings")
}
