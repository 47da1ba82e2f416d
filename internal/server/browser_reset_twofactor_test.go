package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// TestBrowser_ResetDoesNotSkipTwoFactor: a user whose favourite account requires
// two-factor authentication forgets their password: "Forgot your password?" emails a
// link, the link sets a new password without signing them in, and the sign-in that
// follows still asks for their authenticator's code (SECURITY check 14).
func TestBrowser_ResetDoesNotSkipTwoFactor(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	clk := e.useClock()
	w := e.world()
	vault := e.strictAccount(w.OrgA, "Alpha Vault", w.OwnerA, false)
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("forgetful")+"@a.test")
	pgtest.MustGrant(t, e.Store, vault, u, domain.EditorRoleID)
	e.favourite(u, vault)
	tf := e.enrol(u)
	b := newBrowser(ctx, t, exe, e.URL)

	b.do("opening /login/forgot", chromedp.Navigate(e.URL+"/login/forgot"))
	b.do("asking for a link",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), u.Email),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Email me a link"]`)),
	)
	b.waitText("main h1", "Check your email")
	b.do("opening the reset link", chromedp.Navigate(e.URL+e.link(e.lastMail(u.Email))))
	b.waitText("main h1", "Choose a new password")
	const next = "a brand new passphrase"
	b.do("saving the new password",
		chromedp.SendKeys(chromedp.ID("password"), next),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Save new password"]`)),
	)
	// Not signed in: back at /login, and an account page sends there too.
	b.waitPath("/login")
	b.do("trying the account without signing in", chromedp.Navigate(e.URL+"/a/"+vault.Slug+"/"))
	b.waitPath("/login")

	// Signing in with the new password still owes the code, and says why.
	b.login(u.Email, next, "/login/two-factor")
	if got := b.text(".reason"); got != vault.Name+" requires two-factor authentication." {
		t.Fatalf("code step after a reset says %q", got)
	}
	b.screenshot("reset-then-code")
	b.submitCode("code", totpNow(t, tf.secret, clk), "Verify")
	b.waitPath("/a/" + vault.Slug + "/")
}
