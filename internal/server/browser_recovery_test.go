package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"atrium/internal/app"
	"atrium/internal/pgtest"
)

// TestBrowser_ForgotPasswordAndEmailChange walks a user through "Forgot your
// password?" from the password step, the reset link, signing in again, and changing
// their email on the profile through the link sent to the new address.
func TestBrowser_ForgotPasswordAndEmailChange(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	w := e.world()
	b := newBrowser(ctx, t, exe, e.URL)
	email := w.Viewer.Email
	home := "/a/" + w.AccA1.Slug + "/"

	// From the password step to the forgot-password form, the email carried along.
	b.do("opening /login", chromedp.Navigate(e.URL+"/login"))
	b.do("email step",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.Click(chromedp.Search(`//form[@action="/login"]//button[normalize-space()="Continue"]`)),
	)
	b.waitPath("/login/password")
	b.do("following Forgot your password?", chromedp.Click(chromedp.Search(`//a[normalize-space()="Forgot your password?"]`)))
	b.waitPath("/login/forgot")
	if got, err := evalJS[string](b, `document.getElementById("email").value`); err != nil || got != email {
		t.Fatalf("the forgot-password form holds %q (err %v), want %s", got, err, email)
	}
	b.screenshot("forgot-password")
	b.do("asking for a link", chromedp.Click(chromedp.Search(`//button[normalize-space()="Email me a link"]`)))
	b.waitText("main h1", "Check your email")
	b.screenshot("forgot-password-sent")

	// The link from the message: a new password, then /login with the email filled in.
	b.do("opening the reset link", chromedp.Navigate(e.URL+e.link(e.lastMail(email))))
	b.waitText("main h1", "Choose a new password")
	b.screenshot("reset-password")
	const next = "a password I will remember"
	b.do("saving the new password",
		chromedp.SendKeys(chromedp.ID("password"), next),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Save new password"]`)),
	)
	b.waitPath("/login")
	b.waitText("main", "Your new password is saved")
	if got, err := evalJS[string](b, `document.getElementById("email").value`); err != nil || got != email {
		t.Fatalf("/login after the reset holds %q (err %v), want %s", got, err, email)
	}
	b.screenshot("login-after-reset")
	b.login(email, next, home)

	// The email card asks for no password right after signing in.
	b.do("opening /profile", chromedp.Navigate(e.URL+"/profile"))
	b.waitPath("/profile")
	b.screenshot("profile-email")
	moved := pgtest.Unique("averyveryverylongmailboxnamewithoutbreaks") + "@moved.test"
	b.do("asking to change the email",
		chromedp.SendKeys(chromedp.ID("new_email"), moved),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Send confirmation link"]`)),
	)
	b.waitText(".flash", "We sent a link to "+moved)
	b.screenshot("profile-email-pending")

	// Later, the password is needed; a wrong one is refused on the card.
	start := time.Now()
	e.App.SetClock(func() time.Time { return start.Add(app.ReauthWindow + time.Minute) })
	b.do("reloading /profile", chromedp.Navigate(e.URL+"/profile"))
	b.waitPath("/profile")
	b.do("asking with a wrong password",
		chromedp.SendKeys(chromedp.ID("new_email"), pgtest.Unique("other")+"@moved.test"),
		chromedp.SendKeys(chromedp.ID("email_current_password"), "not my password"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Send confirmation link"]`)),
	)
	b.waitText("#email .field-error", "That is not your current password.")
	b.screenshot("profile-email-refused")
	e.App.SetClock(time.Now)

	// The link sent to the new address confirms the change; this browser stays signed in.
	b.do("opening the confirmation link", chromedp.Navigate(e.URL+e.link(e.lastMail(moved))))
	b.waitText("main h1", "Confirm your new email")
	b.screenshot("confirm-email")
	b.do("confirming", chromedp.Click(chromedp.Search(`//button[normalize-space()="Confirm new email"]`)))
	b.waitPath("/profile")
	b.waitText(".flash", "You now sign in with "+moved)
}
