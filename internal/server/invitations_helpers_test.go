package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"atrium/internal/domain"
)

// lastMail returns the newest message in the outbox to the address; the test fails
// when there is none.
func lastMail(t *testing.T, e *env, to string) outboxMail {
	t.Helper()
	return e.lastMail(to)
}

// mailCount counts the outbox messages to the address of that kind.
func mailCount(t *testing.T, e *env, to, kind string) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM mail_outbox WHERE to_address = $1 AND kind = $2`,
		to, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var invitationLinkRE = regexp.MustCompile(`/invitations/[A-Za-z0-9_-]{43}`)

// invitationLink is the path of the link in the newest message to the address.
func invitationLink(t *testing.T, e *env, to string) string {
	t.Helper()
	m := lastMail(t, e, to)
	link := invitationLinkRE.FindString(m.Text)
	if link == "" || !strings.Contains(m.Text, e.URL+link) || !strings.Contains(m.HTML, `href="`+e.URL+link+`"`) {
		t.Fatalf("the newest message to %s (%s) carries no invitation link from the base URL:\n%s", to, m.Kind, m.Text)
	}
	return link
}

// invite posts the "Invite a user" form of the account.
func invite(c *client, acc domain.Account, first, email string, roleID int64, extra ...string) (*http.Response, string) {
	form := url.Values{"first_name": {first}, "last_name": {"Tester"}, "email": {email}, "role": {fmt.Sprint(roleID)}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	return c.post("/a/"+acc.Slug+"/invitations", form)
}

// mustInvite invites and fails the test unless the invitation is sent; it returns
// the link from the outbox.
func mustInvite(t *testing.T, e *env, c *client, acc domain.Account, email string, roleID int64) string {
	t.Helper()
	res, body := invite(c, acc, "Jane", email, roleID)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s: %d, want 303\n%s", email, res.StatusCode, excerpt(body))
	}
	return invitationLink(t, e, email)
}

// invitationRow is an invitation's status and id, found by account and email (the
// newest one).
func invitationRow(t *testing.T, e *env, accountID int64, email string) (int64, string) {
	t.Helper()
	var id int64
	var status string
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT id, status FROM invitations
		WHERE account_id = $1 AND email = $2 ORDER BY id DESC LIMIT 1`, accountID, email).Scan(&id, &status); err != nil {
		t.Fatalf("no invitation of %d to %s: %v", accountID, email, err)
	}
	return id, status
}

// pendingCount is the account's kept count of pending invitations.
func pendingCount(t *testing.T, e *env, accountID int64) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT pending_invitations FROM accounts WHERE id = $1`, accountID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// accept posts the new-user form of an invitation link.
func acceptAsNew(c *client, link, name, password string) (*http.Response, string) {
	return c.post(link+"/accept", url.Values{"full_name": {name}, "password": {password}})
}

// loggedIn is a client signed in as the user.
func loggedIn(t *testing.T, e *env, email, password string) *client {
	t.Helper()
	c := e.client()
	c.login(email, password)
	return c
}

// mustAccount returns the account with that slug.
func mustAccount(t *testing.T, e *env, slug string) domain.Account {
	t.Helper()
	a, err := e.Store.AccountBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
