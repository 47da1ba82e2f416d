package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// TestInvitation_NewUserAcceptsAndLandsInTheAccount: someone new opens the link, chooses
// a name and password, is signed in and lands in the account with the invited role;
// the inviter is emailed; the link then says it has been used.
func TestInvitation_NewUserAcceptsAndLandsInTheAccount(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	link := mustInvite(t, e, admin, w.AccA1, "new@example.com", domain.EditorRoleID)

	c := e.client()
	res, body := c.get(link)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Join "+w.AccA1.Name) || !strings.Contains(body, `name="password"`) ||
		!strings.Contains(body, "Decline the invitation") {
		t.Fatalf("link page: %d\n%s", res.StatusCode, excerpt(body))
	}
	// The password rules apply.
	if res, body := acceptAsNew(c, link, "Nia Ngũgĩ", "password"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "most common") {
		t.Fatalf("common password: %d", res.StatusCode)
	}
	res, body = acceptAsNew(c, link, "Nia Ngũgĩ", "a long enough passphrase")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA1.Slug+"/" {
		t.Fatalf("accept: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	res, body = c.get("/a/" + w.AccA1.Slug + "/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Welcome to "+w.AccA1.Name) {
		t.Fatalf("the new user is not signed in to the account: %d", res.StatusCode)
	}
	u, err := e.Store.UserByEmail(context.Background(), "new@example.com")
	if err != nil || u.FullName != "Nia Ngũgĩ" {
		t.Fatalf("new user: %+v %v", u, err)
	}
	if st, role := ouMemberStatus(t, e, w.AccA1.ID, u.ID); st != "active" || role != domain.EditorRoleID {
		t.Fatalf("membership %s/%d, want active Editor", st, role)
	}
	if _, st := invitationRow(t, e, w.AccA1.ID, "new@example.com"); st != "accepted" || pendingCount(t, e, w.AccA1.ID) != 0 {
		t.Fatalf("invitation %s with %d pending", st, pendingCount(t, e, w.AccA1.ID))
	}
	if m := lastMail(t, e, w.Agency.Email); m.Kind != "invitation_accepted" || !strings.Contains(m.Text, "new@example.com") {
		t.Fatalf("inviter's message: %s", m.Kind)
	}
	// The new user signs in with the password they chose.
	e.client().login("new@example.com", "a long enough passphrase")
	// A link works once.
	res, body = e.client().get(link)
	if res.StatusCode != http.StatusGone || !strings.Contains(body, "already been used") || !strings.Contains(body, w.Agency.Email) {
		t.Fatalf("used link: %d, want 410 naming the inviter", res.StatusCode)
	}
	if res, _ := acceptAsNew(e.client(), link, "Someone Else", "another long passphrase"); res.StatusCode == http.StatusSeeOther {
		t.Fatal("a used link was accepted again")
	}
}

// TestInvitation_ExistingUserSignsInThenAccepts: the link asks an existing user to
// sign in, sign-in returns to the link, and Accept adds the membership; Decline of
// another invitation tells the inviter.
func TestInvitation_ExistingUserSignsInThenAccepts(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	link := mustInvite(t, e, owner, w.AccA2, w.OwnerB.Email, domain.ViewerRoleID)

	c := e.client()
	res, body := c.get(link)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in to answer") || strings.Contains(body, `name="password"`) {
		t.Fatalf("link for an existing user, signed out: %d", res.StatusCode)
	}
	if res, _ := c.get("/login?next=" + url.QueryEscape(link)); res.StatusCode != http.StatusOK {
		t.Fatalf("login with next: %d", res.StatusCode)
	}
	c.post("/login", url.Values{"email": {w.OwnerB.Email}})
	res, _ = c.post("/login/password", url.Values{"email": {w.OwnerB.Email}, "password": {pgtest.Password}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != link {
		t.Fatalf("sign-in returns to %d %s, want %s", res.StatusCode, res.Header.Get("Location"), link)
	}
	res, body = c.get(link)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Accept and open "+w.AccA2.Name) {
		t.Fatalf("link signed in: %d", res.StatusCode)
	}
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, w.OwnerB.ID); st != "" {
		t.Fatal("access before accepting")
	}
	res, _ = c.post(link+"/accept", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA2.Slug+"/" {
		t.Fatalf("accept: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, w.OwnerB.ID); st != "active" {
		t.Fatal("no membership after accepting")
	}

	// Decline: nothing granted, the inviter is told, the link says so.
	link = mustInvite(t, e, owner, w.AccA1, w.OwnerB.Email, domain.ViewerRoleID)
	res, body = c.post(link+"/decline", url.Values{})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "You declined the invitation to "+w.AccA1.Name) {
		t.Fatalf("decline: %d", res.StatusCode)
	}
	if st, _ := ouMemberStatus(t, e, w.AccA1.ID, w.OwnerB.ID); st != "" {
		t.Fatal("declining gave access")
	}
	if m := lastMail(t, e, w.OwnerA.Email); m.Kind != "invitation_declined" || !strings.Contains(m.Subject, w.OwnerB.Email) {
		t.Fatalf("inviter's message: %s %q", m.Kind, m.Subject)
	}
	if res, body := c.get(link); res.StatusCode != http.StatusGone || !strings.Contains(body, "This invitation was declined") {
		t.Fatalf("declined link: %d", res.StatusCode)
	}
	// Signed out, an existing user cannot decline for themself.
	link = mustInvite(t, e, owner, w.AccA1, w.OwnerB.Email, domain.ViewerRoleID)
	if res, body := e.client().post(link+"/decline", url.Values{}); res.StatusCode == http.StatusOK && strings.Contains(body, "You declined") {
		t.Fatal("declined for an existing user without signing in")
	}
	if _, st := invitationRow(t, e, w.AccA1.ID, w.OwnerB.Email); st != "pending" {
		t.Fatalf("invitation %s, want pending", st)
	}
}

// TestLogin_NextIsOnlyALocalPath: the return path after sign-in is kept only when it
// is a path of this site.
func TestLogin_NextIsOnlyALocalPath(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for _, next := range []string{"https://evil.test/x", "//evil.test/x", "/\\evil.test", "javascript:alert(1)", "/\r\nSet-Cookie: x=1", "https:/evil.test"} {
		c := e.client()
		c.get("/login?next=" + url.QueryEscape(next))
		c.post("/login", url.Values{"email": {w.Viewer.Email}})
		res, _ := c.post("/login/password", url.Values{"email": {w.Viewer.Email}, "password": {pgtest.Password}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("next=%q: sign-in goes to %q, want /", next, res.Header.Get("Location"))
		}
	}
}

// TestInvitation_WrongSignedInUserGainsNothing: signed in as someone other than the
// invited email, the link explains it, accepting is refused (403) and grants nothing
// to anyone; signing out continues as the invitee.
func TestInvitation_WrongSignedInUserGainsNothing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	link := mustInvite(t, e, owner, w.AccA2, "someone.else@example.com", domain.EditorRoleID)

	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	res, body := viewer.get(link)
	if !strings.Contains(body, "You are signed in as <strong>"+w.Viewer.Email+"</strong>, but this invitation is for") ||
		!strings.Contains(body, "Nothing has been granted") || !strings.Contains(body, "Sign out and continue") {
		t.Fatalf("link as the wrong user: %d\n%s", res.StatusCode, excerpt(body))
	}
	for _, action := range []string{"accept", "decline"} {
		res, _ := viewer.post(link+"/"+action, url.Values{"full_name": {"Vic"}, "password": {"a long enough passphrase"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s as the wrong user: %d, want 403", action, res.StatusCode)
		}
	}
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, w.Viewer.ID); st != "" {
		t.Fatal("the wrong user got access")
	}
	if _, err := e.Store.UserByEmail(context.Background(), "someone.else@example.com"); err == nil {
		t.Fatal("a user was created for the invitee")
	}
	if _, st := invitationRow(t, e, w.AccA2.ID, "someone.else@example.com"); st != "pending" {
		t.Fatalf("invitation %s, want pending", st)
	}
	// Sign out and continue.
	res, _ = viewer.post(link+"/switch", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != link {
		t.Fatalf("switch: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := viewer.get(link); !strings.Contains(body, `name="password"`) {
		t.Fatal("after signing out, the link does not offer to join")
	}
}

// TestInvitationLinks_EachEndSaysSo: revoked, expired, declined and used links are
// refused with their own page naming the inviter, and grant nothing.
func TestInvitationLinks_EachEndSaysSo(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	links := map[string]string{}
	for _, k := range []string{"revoked", "expired", "declined", "used"} {
		links[k] = mustInvite(t, e, admin, w.AccA1, k+"@example.com", domain.ViewerRoleID)
	}
	id, _ := invitationRow(t, e, w.AccA1.ID, "revoked@example.com")
	if res, _ := admin.post(invitationAction(w.AccA1, id, "revoke"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, _ := e.client().post(links["declined"]+"/decline", url.Values{}); res.StatusCode != http.StatusOK {
		t.Fatalf("decline: %d", res.StatusCode)
	}
	if res, _ := acceptAsNew(e.client(), links["used"], "Used", "a long enough passphrase"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", res.StatusCode)
	}
	// Past its expiry, a link says so at once, before anything has marked it expired.
	e.exec(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = 'expired@example.com'`)
	if res, body := e.client().get(links["expired"]); res.StatusCode != http.StatusGone || !strings.Contains(body, "This invitation has expired") {
		t.Fatalf("a link past its expiry: %d, want 410", res.StatusCode)
	}
	for k, want := range map[string]string{"revoked": "This invitation was withdrawn", "expired": "This invitation has expired",
		"declined": "This invitation was declined", "used": "This invitation has already been used"} {
		res, body := e.client().get(links[k])
		if res.StatusCode != http.StatusGone || !strings.Contains(body, want) || !strings.Contains(body, w.Agency.Email) {
			t.Errorf("%s link: %d, want 410 with %q naming the inviter", k, res.StatusCode, want)
		}
		if k == "used" {
			continue
		}
		res, _ = acceptAsNew(e.client(), links[k], "Late", "a long enough passphrase")
		if res.StatusCode == http.StatusSeeOther {
			t.Errorf("%s link accepted", k)
		}
		if _, err := e.Store.UserByEmail(context.Background(), k+"@example.com"); err == nil {
			t.Errorf("%s link created a user", k)
		}
	}
}

// TestInvitationLink_MalformedTokenRefusedBeforeAnyQuery: a token of the wrong length
// or alphabet gets the "not valid" page without a single database statement; an
// unknown well-formed one gets the same page.
func TestInvitationLink_MalformedTokenRefusedBeforeAnyQuery(t *testing.T) {
	e := newEnv(t)
	e.world()
	good := strings.Repeat("A", 43)
	for name, token := range map[string]string{"short": "abc", "long": good + "A", "bad alphabet": strings.Repeat("A", 42) + ".",
		"padding": strings.Repeat("A", 42) + "=", "percent": strings.Repeat("A", 40) + "%2F"} {
		c := e.client()
		before := e.writes.all.Load()
		res, body := c.get("/invitations/" + token)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "This invitation link is not valid") {
			t.Errorf("%s token: %d", name, res.StatusCode)
		}
		res, _ = c.post("/invitations/"+token+"/accept", url.Values{"full_name": {"X"}, "password": {"a long enough passphrase"}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s token, accept: %d", name, res.StatusCode)
		}
		if n := e.writes.all.Load() - before; n != 0 {
			t.Errorf("%s token cost %d database statements, want 0", name, n)
		}
	}
	if res, body := e.client().get("/invitations/" + good); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "This invitation link is not valid") {
		t.Fatalf("unknown token: %d", res.StatusCode)
	}
}

// TestInvitation_DoubleSubmitCreatesOneMembership: the same acceptance posted at once
// from several tabs makes one user, one membership and one message to the inviter.
func TestInvitation_DoubleSubmitCreatesOneMembership(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)

	run := func(n int, post func() int) []int {
		var wg sync.WaitGroup
		codes := make([]int, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i] = post()
			}()
		}
		close(start)
		wg.Wait()
		return codes
	}
	// A new user, from several browsers.
	link := mustInvite(t, e, admin, w.AccA1, "twice@example.com", domain.ViewerRoleID)
	codes := run(4, func() int {
		res, _ := acceptAsNew(e.client(), link, "Twice", "a long enough passphrase")
		return res.StatusCode
	})
	ok := 0
	for _, c := range codes {
		if c == http.StatusSeeOther {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("new-user acceptances that succeeded: %d of %v, want 1", ok, codes)
	}
	// An existing user, signed in, submitting twice.
	link = mustInvite(t, e, admin, w.AccA1, w.OwnerB.Email, domain.ViewerRoleID)
	b := e.client()
	b.login(w.OwnerB.Email, pgtest.Password)
	run(4, func() int {
		res, _ := b.post(link+"/accept", url.Values{})
		return res.StatusCode
	})
	for _, email := range []string{"twice@example.com", w.OwnerB.Email} {
		if n := countWhere(t, e, `SELECT count(*) FROM users WHERE email = $1`, email); n != 1 {
			t.Errorf("%s: %d users", email, n)
		}
		if n := countWhere(t, e, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.account_id = $1 AND u.email = $2 AND m.status = 'active'`, w.AccA1.ID, email); n != 1 {
			t.Errorf("%s: %d memberships", email, n)
		}
		if n := countWhere(t, e, `SELECT count(*) FROM audit_events WHERE action = $1`, "Members > Invitations > Accept > "+email+" (Viewer)"); n != 1 {
			t.Errorf("%s: accepted %d times", email, n)
		}
	}
	if n := mailCount(t, e, w.Agency.Email, "invitation_accepted"); n != 2 {
		t.Errorf("the inviter got %d acceptance messages, want 2 (one per invitation)", n)
	}
	if n := countWhere(t, e, `SELECT member_count FROM accounts WHERE id = $1`, w.AccA1.ID); n != 5 {
		t.Errorf("member count %d, want 5", n)
	}
}

// TestInvitation_SeatsCheckedAgainAtAcceptance: when the seats are gone by the time the
// invitee accepts, the acceptance is refused with whom to ask, and nothing is granted;
// once a seat is free the same link works.
func TestInvitation_SeatsCheckedAgainAtAcceptance(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	link := mustInvite(t, e, admin, w.AccA1, "seat@example.com", domain.ViewerRoleID)
	// The seats shrink below what is in use (as a contract change might leave them).
	e.exec(`UPDATE accounts SET seat_limit = 3 WHERE id = $1`, w.AccA1.ID)
	res, body := acceptAsNew(e.client(), link, "Seat", "a long enough passphrase")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "has no free seat") || !strings.Contains(body, w.Agency.Email) {
		t.Fatalf("accept without a seat: %d\n%s", res.StatusCode, excerpt(body))
	}
	if _, err := e.Store.UserByEmail(context.Background(), "seat@example.com"); err == nil {
		t.Fatal("a user was created without a seat")
	}
	if _, st := invitationRow(t, e, w.AccA1.ID, "seat@example.com"); st != "pending" {
		t.Fatalf("invitation %s, want still pending", st)
	}
	// The Solo plan refuses too.
	e.exec(`UPDATE accounts SET seat_limit = 25, plan = 'solo' WHERE id = $1`, w.AccA1.ID)
	if res, body := acceptAsNew(e.client(), link, "Seat", "a long enough passphrase"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Solo plan") {
		t.Fatalf("accept on the Solo plan: %d", res.StatusCode)
	}
	e.exec(`UPDATE accounts SET plan = 'team' WHERE id = $1`, w.AccA1.ID)
	if res, _ := acceptAsNew(e.client(), link, "Seat", "a long enough passphrase"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept with a seat free: %d", res.StatusCode)
	}
}
