package server_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"atrium/internal/app"
	"atrium/internal/mailtest"
)

// smtpWait bounds how long a journey waits for a message at the SMTP server.
const smtpWait = 30 * time.Second

// TestBrowser_InvitationsOverSMTP: the mail workers deliver to a real SMTP server
// started by the test, and every link the journeys follow comes from a message that
// server received. An administrator invites three people from the members page; a
// new user chooses a name and a password and lands in the account; an existing user
// of another organisation signs in from the link, accepts and lands in the account; a
// third declines, and the inviter receives the "declined" message over SMTP too.
// Screenshots of each new page are saved when ATRIUM_SCREENSHOTS is set.
func TestBrowser_InvitationsOverSMTP(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*browserTestTimeout)
	defer cancel()
	smtp := mailtest.Start(t)
	e := newEnvWith(t, envOptions{smtp: smtp})
	if err := e.App.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	const (
		home    = "/a/northwind-retail/"
		inviter = "agency@pixel.test"
		// owner@globex.test uses Atrium already, in the Globex organisation only.
		existing = "owner@globex.test"
		newcomer = "zoe@example.com"
		decliner = "kim@example.com"
	)
	admin := newBrowser(ctx, t, exe, e.URL)
	admin.login(inviter, app.DemoPassword, "/a/globex-marketing/")
	for _, p := range []struct{ first, last, email, role, roleName string }{
		{"Zoë", "Ångström", newcomer, "3", "Editor"},
		{"Gina", "Globex", existing, "3", "Editor"},
		{"Kim", "Lee", decliner, "5", "Viewer"},
	} {
		admin.do("opening Invite a user", chromedp.Navigate(e.URL+home+"invitations/new"))
		admin.waitPath(home + "invitations/new")
		admin.do("filling the invitation to "+p.email,
			chromedp.SendKeys(chromedp.ID("first_name"), p.first),
			chromedp.SendKeys(chromedp.ID("last_name"), p.last),
			chromedp.SendKeys(chromedp.ID("email"), p.email),
			chromedp.SetValue(chromedp.ID("role"), p.role),
			chromedp.Click(chromedp.Search(`//button[normalize-space()="Send invitation"]`)),
		)
		admin.waitPath(home + "members")
		admin.waitText(".flash", "Invitation sent to "+p.email+" as "+p.roleName)
	}
	admin.waitText("#invitations", decliner)
	admin.screenshot("smtp-members-invitations")

	// Someone new: the link from the received message, a name and a password, the account.
	zoe := newBrowser(ctx, t, exe, e.URL)
	link := receivedInvitationLink(t, e, smtp, newcomer)
	zoe.do("opening the received link", chromedp.Navigate(e.URL+link))
	zoe.waitText("main", "Ada Agency (agency@pixel.test) invited zoe@example.com to Northwind Retail")
	zoe.screenshot("smtp-invitation-new-user")
	zoe.do("accepting as a new user",
		chromedp.SendKeys(chromedp.ID("full_name"), "Zoë Ångström"),
		chromedp.SendKeys(chromedp.ID("password"), "a long enough passphrase"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Accept and join Northwind Retail"]`)),
	)
	zoe.waitPath(home)
	zoe.waitText(".flash", "Welcome to Northwind Retail, Zoë Ångström. You are a member as Editor.")
	if got := zoe.text("#switcher-toggle .switcher-name"); got != "Northwind Retail" {
		t.Fatalf("the new user landed in %q", got)
	}
	zoe.screenshot("smtp-invitation-new-user-home")

	// Someone of another organisation: sign in from the link, come back to it, accept.
	gina := newBrowser(ctx, t, exe, e.URL)
	link = receivedInvitationLink(t, e, smtp, existing)
	gina.do("opening the received link", chromedp.Navigate(e.URL+link))
	gina.waitText("main", "You already have an Atrium login for "+existing)
	gina.screenshot("smtp-invitation-existing-user")
	gina.do("following Sign in to answer", chromedp.Click(chromedp.Search(`//a[normalize-space()="Sign in to answer"]`)))
	gina.waitPath("/login")
	if got, err := evalJS[string](gina, `document.getElementById("email").value`); err != nil || got != existing {
		t.Fatalf("the sign-in form holds %q (err %v), want the invited email %s", got, err, existing)
	}
	gina.do("email step", chromedp.Click(chromedp.Search(`//form[@action="/login"]//button[normalize-space()="Continue"]`)))
	gina.waitPath("/login/password")
	gina.do("password step",
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), app.DemoPassword),
		chromedp.Click(chromedp.Search(`//form[@action="/login/password"]//button[normalize-space()="Sign in"]`)),
	)
	gina.waitPath(link)
	gina.waitText("main", "You are signed in as "+existing)
	gina.screenshot("smtp-invitation-answer")
	gina.do("accepting", chromedp.Click(chromedp.Search(`//button[normalize-space()="Accept and open Northwind Retail"]`)))
	gina.waitPath(home)
	gina.waitText(".flash", "Welcome to Northwind Retail. You are a member as Editor.")
	if got := gina.text("#switcher-toggle .switcher-name"); got != "Northwind Retail" {
		t.Fatalf("the existing user landed in %q", got)
	}

	// The third declines, signed out; the inviter is told over SMTP.
	kim := newBrowser(ctx, t, exe, e.URL)
	link = receivedInvitationLink(t, e, smtp, decliner)
	kim.do("opening the received link", chromedp.Navigate(e.URL+link))
	kim.waitText("main", "Not for you, or not interested?")
	if _, err := evalJS[bool](kim, `(window.confirm = function () { return true; }, true)`); err != nil {
		t.Fatal(err)
	}
	kim.do("declining", chromedp.Click(chromedp.Search(`//button[normalize-space()="Decline the invitation"]`)))
	kim.waitText("main h1", "Invitation declined")
	kim.screenshot("smtp-invitation-declined")
	declined := smtp.WaitMessage("the inviter's declined message", smtpWait, func(m mailtest.Message) bool {
		return slices.Contains(m.To, inviter) && strings.Contains(m.Text, decliner+") declined your invitation to Northwind Retail")
	})
	if !strings.Contains(declined.HTML, "declined your invitation") || declined.MessageID != outboxMessageID(t, e, inviter, "invitation_declined") {
		t.Fatalf("the declined message as received (Message-ID %s):\n%s", declined.MessageID, declined.HTML)
	}
	// And of the two acceptances, once each.
	for _, who := range []string{newcomer, existing} {
		smtp.WaitMessage("the inviter's accepted message about "+who, smtpWait, func(m mailtest.Message) bool {
			return slices.Contains(m.To, inviter) && strings.Contains(m.Text, who+") accepted your invitation")
		})
	}
	ids := map[string]int{}
	for _, m := range smtp.Messages() {
		ids[m.MessageID]++
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("Message-ID %s received %d times", id, n)
		}
	}
}

// receivedInvitationLink waits for the invitation message to addr at the SMTP server
// and returns its link as a path. The text and the HTML part must carry the same link,
// built from the server's base URL, and the message must be the outbox's (same
// Message-ID).
func receivedInvitationLink(t *testing.T, e *env, smtp *mailtest.Server, addr string) string {
	t.Helper()
	m := smtp.WaitTo(addr, smtpWait)
	if m.ContentType != "multipart/alternative" || m.Text == "" || m.HTML == "" {
		t.Fatalf("the message to %s is %s with text %d and HTML %d bytes, want both parts", addr, m.ContentType, len(m.Text), len(m.HTML))
	}
	if want := outboxMessageID(t, e, addr, "invitation"); m.MessageID != want {
		t.Fatalf("received Message-ID %s, the outbox's is %s", m.MessageID, want)
	}
	link := invitationLinkRE.FindString(m.Text)
	if link == "" || !strings.Contains(m.Text, e.URL+link) {
		t.Fatalf("the text part to %s carries no invitation link from %s:\n%s", addr, e.URL, m.Text)
	}
	var hrefs []string
	for _, h := range hrefRE.FindAllStringSubmatch(m.HTML, -1) {
		if strings.Contains(h[1], "/invitations/") {
			hrefs = append(hrefs, h[1])
		}
	}
	if len(hrefs) == 0 {
		t.Fatalf("the HTML part to %s links to no invitation:\n%s", addr, m.HTML)
	}
	for _, h := range hrefs {
		if h != e.URL+link {
			t.Fatalf("the HTML part to %s links to %s, the text part to %s", addr, h, e.URL+link)
		}
	}
	return link
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// outboxMessageID is the Message-ID of the newest outbox message of that kind to addr.
func outboxMessageID(t *testing.T, e *env, addr, kind string) string {
	t.Helper()
	var id string
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT message_id FROM mail_outbox WHERE to_address = $1 AND kind = $2
		ORDER BY id DESC LIMIT 1`, addr, kind).Scan(&id); err != nil {
		t.Fatalf("no %s message to %s in the outbox: %v", kind, addr, err)
	}
	return id
}
