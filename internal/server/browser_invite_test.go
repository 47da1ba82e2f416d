package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"atrium/internal/app"
)

// TestBrowser_InvitationJourney: an administrator opens "Invite a user", looks at the
// email before sending, sends it; the invitee follows the link, chooses a name and
// password and lands in the account; a viewer refused the members list asks for access
// and the administrator sees the request. Screenshots of each new page are saved when
// ATRIUM_SCREENSHOTS is set.
func TestBrowser_InvitationJourney(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	if err := e.App.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	const home = "/a/northwind-retail/"
	admin := newBrowser(ctx, t, exe, e.URL)
	admin.login("agency@pixel.test", app.DemoPassword, "/a/globex-marketing/")
	admin.do("opening the members list", chromedp.Navigate(e.URL+home+"members"))
	admin.waitPath(home + "members")
	admin.waitText("#invitations", "No pending invitations")
	admin.do("opening Invite a user", chromedp.Click(chromedp.Search(`//a[normalize-space()="Invite a user"]`)))
	admin.waitPath(home + "invitations/new")
	admin.do("filling the invitation",
		chromedp.SendKeys(chromedp.ID("first_name"), "Zoë"),
		chromedp.SendKeys(chromedp.ID("last_name"), "Ångström"),
		chromedp.SendKeys(chromedp.ID("email"), "zoe@example.com"),
		chromedp.SetValue(chromedp.ID("role"), "3"),
		chromedp.SendKeys(chromedp.ID("message"), "Welcome to the retail team!"),
	)
	admin.screenshot("invite-form")
	admin.do("asking to see the email", chromedp.Click(chromedp.Search(`//button[normalize-space()="See what we will send"]`)))
	admin.waitPath(home + "invitations/preview")
	admin.waitText("#preview", "Ada Agency invited you to Northwind Retail")
	if got := admin.text("#preview pre.mail-text"); !strings.Contains(got, "> Welcome to the retail team!") || !strings.Contains(got, "Editor") {
		t.Fatalf("the preview's text part:\n%s", got)
	}
	// The HTML part renders in its frame, with the email's own styles.
	admin.waitFor("the preview frame renders", `(function () { var f = document.querySelector("iframe.mail-preview");
		var d = f && f.contentDocument; var a = d && d.querySelector("a");
		return a && getComputedStyle(a).display === "inline-block" ? "styled" : "no"; })()`, "styled")
	admin.screenshot("invite-preview")
	admin.do("sending", chromedp.Click(chromedp.Search(`//button[normalize-space()="Send invitation"]`)))
	admin.waitPath(home + "members")
	admin.waitText(".flash", "Invitation sent to zoe@example.com as Editor")
	admin.waitText("#invitations", "zoe@example.com")
	admin.screenshot("members-invitations")

	// The invitee follows the link from the email.
	invitee := newBrowser(ctx, t, exe, e.URL)
	link := invitationLink(t, e, "zoe@example.com")
	invitee.do("opening the invitation", chromedp.Navigate(e.URL+link))
	invitee.waitPath(link)
	invitee.waitText("main", "Ada Agency (agency@pixel.test) invited zoe@example.com to Northwind Retail")
	invitee.screenshot("invitation-new-user")
	invitee.do("accepting",
		chromedp.SendKeys(chromedp.ID("full_name"), "Zoë Ångström"),
		chromedp.SendKeys(chromedp.ID("password"), "a long enough passphrase"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Accept and join Northwind Retail"]`)),
	)
	invitee.waitPath(home)
	invitee.waitText(".flash", "Welcome to Northwind Retail, Zoë Ångström")
	if got := invitee.text("#switcher-toggle .switcher-name"); got != "Northwind Retail" {
		t.Fatalf("the invitee landed in %q", got)
	}
	invitee.do("opening the used link", chromedp.Navigate(e.URL+link))
	invitee.waitText("main", "This invitation has already been used")
	invitee.screenshot("invitation-used")

	// A viewer refused the members list asks for access.
	viewer := newBrowser(ctx, t, exe, e.URL)
	viewer.login("viewer@northwind.test", app.DemoPassword, home)
	viewer.do("opening the members list", chromedp.Navigate(e.URL+home+"members"))
	viewer.waitText("main", "does not include “See members”")
	viewer.screenshot("forbidden-request-access")
	viewer.do("requesting access",
		chromedp.SendKeys(chromedp.ID("reason"), "I plan the rota."),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Request access"]`)),
	)
	viewer.waitPath(home)
	viewer.waitText(".flash", "Your request for “See members” went to the people who can grant it")

	admin.do("reloading the members list", chromedp.Navigate(e.URL+home+"members?rpage=1"))
	admin.waitText("#access-requests", "I plan the rota.")
	admin.screenshot("members-access-request")

	// Signed in as someone else, an invitation explains itself and grants nothing.
	other := mustInvite(t, e, loggedIn(t, e, "agency@pixel.test", app.DemoPassword), mustAccount(t, e, "northwind-retail"),
		"sam@example.com", 5)
	viewer.do("opening someone else's invitation", chromedp.Navigate(e.URL+other))
	viewer.waitText("main", "Nothing has been granted")
	viewer.screenshot("invitation-wrong-user")
}

// TestBrowser_OrgUsersInvitesAndMembersLeave: an organisation owner's "+ Create a new
// user" sends an invitation that the Users page lists; a member leaves an account from
// its settings after confirming.
func TestBrowser_OrgUsersInvitesAndMembersLeave(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	if err := e.App.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	owner := newBrowser(ctx, t, exe, e.URL)
	owner.login("owner@northwind.test", app.DemoPassword, "/a/northwind-retail/")
	owner.do("opening the Users page", chromedp.Navigate(e.URL+"/org/northwind/users"))
	owner.waitPath("/org/northwind/users")
	owner.waitText("#invitations", "No pending invitations")
	owner.do("opening the create form", chromedp.Click(chromedp.Search(`//summary[normalize-space()="+ Create a new user"]`)))
	owner.do("filling it",
		chromedp.WaitVisible(chromedp.ID("first_name")),
		chromedp.SendKeys(chromedp.ID("first_name"), "Li"),
		chromedp.SendKeys(chromedp.ID("last_name"), "Wei"),
		chromedp.SendKeys(chromedp.ID("email"), "li.wei@example.com"),
		chromedp.SetValue(chromedp.ID("role"), "3"),
	)
	owner.screenshot("org-users-create")
	owner.do("sending", chromedp.Click(chromedp.Search(`//button[normalize-space()="Send invitation"]`)))
	owner.waitText(".flash", "Invitation sent to li.wei@example.com")
	owner.waitText("#invitations", "li.wei@example.com")
	owner.screenshot("org-users-invitations")

	viewer := newBrowser(ctx, t, exe, e.URL)
	viewer.login("viewer@northwind.test", app.DemoPassword, "/a/northwind-retail/")
	viewer.do("opening the settings", chromedp.Navigate(e.URL+"/a/northwind-retail/settings"))
	viewer.waitText("main", "Leave this account")
	viewer.screenshot("settings-leave")
	if _, err := evalJS[bool](viewer, `(window.confirm = function () { return true; }, true)`); err != nil {
		t.Fatal(err)
	}
	viewer.do("leaving", chromedp.Click(chromedp.Search(`//button[normalize-space()="Leave Northwind Retail"]`)))
	viewer.waitPath("/profile")
	viewer.waitText(".flash", "You left Northwind Retail")
}
