package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// joinStep is the step-up page an existing user's Accept sends them to first.
func joinStep(link string) string {
	token := strings.TrimPrefix(link, "/invitations/")
	return "/step-up?" + url.Values{"invitation": {token}, "next": {link}}.Encode()
}

// joinWorld: Alpha Vault requires two-factor authentication without applying it on
// entry; its organisation's owner invites OwnerB, who signs in with a password
// elsewhere.
func joinWorld(t *testing.T, e *env) (world, domain.Account, *client, string) {
	w := e.world()
	vault := e.strictAccount(w.OrgA, "Alpha Vault", w.OwnerA, false)
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	link := mustInvite(t, e, owner, vault, w.OwnerB.Email, domain.EditorRoleID)
	invitee := e.client()
	invitee.login(w.OwnerB.Email, pgtest.Password)
	return w, vault, invitee, link
}

// TestInvitationJoin_TwoFactorAccountAsksTheCodeFirst: an existing user accepting
// into an account that requires two-factor authentication (without step-up) is asked
// for a code before the membership exists, saying why; a wrong code grants nothing;
// the right one brings them back to the link, whose Accept then lands them.
func TestInvitationJoin_TwoFactorAccountAsksTheCodeFirst(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w, vault, c, link := joinWorld(t, e)
	totp := e.enrol(w.OwnerB)

	res, body := c.get(link)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Alpha Vault requires two-factor authentication.") ||
		!strings.Contains(body, "Accept and open Alpha Vault") {
		t.Fatalf("link page: %d\n%s", res.StatusCode, excerpt(body))
	}
	res, _ = c.post(link+"/accept", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != joinStep(link) {
		t.Fatalf("accept without the code: %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), joinStep(link))
	}
	notYet := func(when string) {
		t.Helper()
		if st, _ := ouMemberStatus(t, e, vault.ID, w.OwnerB.ID); st != "" {
			t.Fatalf("%s: membership %q before the code", when, st)
		}
		if _, st := invitationRow(t, e, vault.ID, w.OwnerB.Email); st != "pending" {
			t.Fatalf("%s: invitation %s, want pending", when, st)
		}
	}
	notYet("accept without the code")
	if res, _ := c.get("/a/" + vault.Slug + "/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the vault before joining: %d, want 404", res.StatusCode)
	}
	res, body = c.get(joinStep(link))
	token := strings.TrimPrefix(link, "/invitations/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Alpha Vault requires two-factor authentication.") ||
		!strings.Contains(body, `name="invitation" value="`+token+`"`) || !strings.Contains(body, "Joining Alpha Vault") {
		t.Fatalf("code page: %d\n%s", res.StatusCode, excerpt(body))
	}
	form := url.Values{"invitation": {token}, "next": {link}}
	form.Set("code", wrongCode(t, totp.secret, clk.now()))
	if res, _ := c.post("/step-up", form); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d", res.StatusCode)
	}
	notYet("wrong code")
	form.Set("code", code(t, totp.secret, clk.now()))
	res, _ = c.post("/step-up", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != link {
		t.Fatalf("right code: %d to %q, want the link", res.StatusCode, res.Header.Get("Location"))
	}
	notYet("the code alone")
	if n := e.count(`SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND account_id = $2 AND action = $3`,
		w.OwnerB.ID, vault.ID, "Invitation > Join Alpha Vault > Authenticator code"); n != 1 {
		t.Fatalf("the code audited %d times", n)
	}
	if _, body := c.get(link); strings.Contains(body, `data-testid="join-step"`) || !strings.Contains(body, "Accept and open Alpha Vault") {
		t.Fatalf("link page after the code:\n%s", excerpt(body))
	}
	res, _ = c.post(link+"/accept", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+vault.Slug+"/" {
		t.Fatalf("accept after the code: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := ouMemberStatus(t, e, vault.ID, w.OwnerB.ID); st != "active" {
		t.Fatalf("membership %q after accepting", st)
	}
	if res, _ := c.get("/a/" + vault.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the vault after joining: %d", res.StatusCode)
	}
}

// TestInvitationJoin_GivingUpLeavesItPending: a user who is sent to prove the code
// and goes no further keeps a pending invitation (seat held, nobody told), can come
// back to it later, and can still decline without any code.
func TestInvitationJoin_GivingUpLeavesItPending(t *testing.T) {
	e := newEnv(t)
	w, vault, c, link := joinWorld(t, e)
	e.enrol(w.OwnerB)
	pending := pendingCount(t, e, vault.ID)
	for range 2 {
		if res, _ := c.post(link+"/accept", url.Values{}); res.Header.Get("Location") != joinStep(link) {
			t.Fatalf("accept without the code: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	}
	if _, st := invitationRow(t, e, vault.ID, w.OwnerB.Email); st != "pending" || pendingCount(t, e, vault.ID) != pending {
		t.Fatalf("invitation %s with %d pending, want pending with %d", st, pendingCount(t, e, vault.ID), pending)
	}
	if n := mailCount(t, e, w.OwnerA.Email, "invitation_accepted"); n != 0 {
		t.Fatalf("the inviter was told of an acceptance %d times", n)
	}
	if st, _ := ouMemberStatus(t, e, vault.ID, w.OwnerB.ID); st != "" {
		t.Fatalf("membership %q", st)
	}
	res, body := c.post(link+"/decline", url.Values{})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "You declined the invitation to Alpha Vault") {
		t.Fatalf("decline: %d\n%s", res.StatusCode, excerpt(body))
	}
	// A link that no longer works sends the step page back to it, which says why.
	if res, _ := c.get(joinStep(link)); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != link {
		t.Fatalf("step page of a declined invitation: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestInvitationJoin_EnrolmentFirst: an invitee without two-factor authentication is
// sent to set it up, coming back to the link; setting it up proves a code, so Accept
// then lands them.
func TestInvitationJoin_EnrolmentFirst(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w, vault, c, link := joinWorld(t, e)
	res, _ := c.post(link+"/accept", url.Values{})
	if res.Header.Get("Location") != joinStep(link) {
		t.Fatalf("accept without 2FA: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	setup := "/profile/two-factor?" + url.Values{"next": {link}}.Encode()
	res, body := c.get(joinStep(link))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Alpha Vault requires two-factor authentication.") ||
		!strings.Contains(body, `href="`+strings.ReplaceAll(setup, "&", "&amp;")+`"`) {
		t.Fatalf("step page without 2FA: %d\n%s", res.StatusCode, excerpt(body))
	}
	if st, _ := ouMemberStatus(t, e, vault.ID, w.OwnerB.ID); st != "" {
		t.Fatalf("membership %q before setting up 2FA", st)
	}
	res, body = c.post("/profile/two-factor/setup", url.Values{"next": {link}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("starting the set-up: %d\n%s", res.StatusCode, excerpt(body))
	}
	secret := setupKey(t, body)
	res, body = c.post("/profile/two-factor/setup/confirm", url.Values{"next": {link}, "code": {code(t, secret, clk.now())}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="`+link+`"`) {
		t.Fatalf("confirming the set-up: %d\n%s", res.StatusCode, excerpt(body))
	}
	res, _ = c.post(link+"/accept", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+vault.Slug+"/" {
		t.Fatalf("accept after setting up 2FA: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := ouMemberStatus(t, e, vault.ID, w.OwnerB.ID); st != "active" {
		t.Fatalf("membership %q after accepting", st)
	}
}

// TestInvitationJoin_SessionThatProvedTheCodeIsNotAskedAgain: a session that signed
// in with a code (its favourite requires one) accepts into a two-factor account at
// once; a password account asks nothing of a password session either.
func TestInvitationJoin_SessionThatProvedTheCodeIsNotAskedAgain(t *testing.T) {
	e := newEnv(t)
	clk := e.useClock()
	w := e.world()
	vault := e.strictAccount(w.OrgA, "Alpha Vault", w.OwnerA, false)
	home := e.strictAccount(w.OrgB, "Beta Vault", w.OwnerB, false)
	e.favourite(w.OwnerB, home)
	totp := e.enrol(w.OwnerB)
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	link := mustInvite(t, e, owner, vault, w.OwnerB.Email, domain.EditorRoleID)
	lax := mustInvite(t, e, owner, w.AccA2, w.OwnerB.Email, domain.ViewerRoleID)

	c := e.client()
	if next := c.password(w.OwnerB.Email, pgtest.Password); next != "/login/two-factor" {
		t.Fatalf("sign-in under a 2FA favourite: %q", next)
	}
	if res, _ := c.post("/login/two-factor", url.Values{"code": {code(t, totp.secret, clk.now())}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("code at sign-in: %d", res.StatusCode)
	}
	if _, body := c.get(link); strings.Contains(body, `data-testid="join-step"`) {
		t.Fatalf("link page asks for a step the session proved:\n%s", excerpt(body))
	}
	if res, _ := c.post(link+"/accept", url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+vault.Slug+"/" {
		t.Fatalf("accept with the code proven at sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := ouMemberStatus(t, e, vault.ID, w.OwnerB.ID); st != "active" {
		t.Fatalf("membership %q", st)
	}

	// A password account, accepted from a password session: at once.
	pw := e.client()
	e.favourite(w.OwnerB, w.AccB)
	pw.login(w.OwnerB.Email, pgtest.Password)
	if res, _ := pw.post(lax+"/accept", url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA2.Slug+"/" {
		t.Fatalf("accept into a password account: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := ouMemberStatus(t, e, w.AccA2.ID, w.OwnerB.ID); st != "active" {
		t.Fatalf("membership of the password account %q", st)
	}
}

// TestInvitationJoin_SSOOnlyAccountGoesThroughItsProvider: an existing user accepting
// into an account that signs in only through single sign-on is sent to its provider
// first; the first time, the identity is linked only once they confirm, and a
// provider asserting someone else's email links nothing; back at the link, Accept
// lands them.
func TestInvitationJoin_SSOOnlyAccountGoesThroughItsProvider(t *testing.T) {
	e, w, _, conn := ssoSetup(t) // Alpha One signs in only through Alpha IdP
	e.favourite(w.OwnerA, w.AccA2)
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	link := mustInvite(t, e, owner, w.AccA1, w.OwnerB.Email, domain.EditorRoleID)
	token := strings.TrimPrefix(link, "/invitations/")
	c := e.client()
	c.login(w.OwnerB.Email, pgtest.Password) // Beta Main, password only

	if _, body := c.get(link); !strings.Contains(body, "Alpha One requires signing in through its single sign-on.") {
		t.Fatalf("link page:\n%s", excerpt(body))
	}
	res, _ := c.post(link+"/accept", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != joinStep(link) {
		t.Fatalf("accept without SSO: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := c.get(joinStep(link))
	ssoPath := "/step-up/sso?" + url.Values{"invitation": {token}, "next": {link}}.Encode()
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Alpha One requires signing in through its single sign-on.") ||
		!strings.Contains(body, `href="`+strings.ReplaceAll(ssoPath, "&", "&amp;")+`"`) {
		t.Fatalf("step page: %d\n%s", res.StatusCode, excerpt(body))
	}
	linked := func() int {
		return e.count(`SELECT count(*) FROM sso_identities WHERE connection_id = $1 AND user_id = $2`, conn.ID, w.OwnerB.ID)
	}
	// The provider signs in someone else: refused, nothing linked, nothing granted.
	back := c.atProvider(c.toProvider(ssoPath), "s-viewer")
	if res, _ := c.get(back); res.StatusCode != http.StatusForbidden {
		t.Fatalf("someone else at the provider: %d, want 403", res.StatusCode)
	}
	if linked() != 0 {
		t.Fatal("linked someone else's identity")
	}
	// As themselves: the first link asks for confirmation, then back to the link.
	back = c.atProvider(c.toProvider(ssoPath), "s-b")
	if res, _ := c.get(back); res.Header.Get("Location") != "/login/sso/link" {
		t.Fatalf("first sign-in through the provider: %d to %q, want the link confirmation", res.StatusCode, res.Header.Get("Location"))
	}
	if linked() != 0 {
		t.Fatal("linked before the user confirmed")
	}
	if res, _ := c.post(link+"/accept", url.Values{}); res.Header.Get("Location") != joinStep(link) {
		t.Fatalf("accept before confirming the link: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = c.post("/login/sso/link", url.Values{"password": {pgtest.Password}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != link {
		t.Fatalf("confirming the link: %d to %q, want the invitation", res.StatusCode, res.Header.Get("Location"))
	}
	if linked() != 1 {
		t.Fatal("not linked after confirming")
	}
	if st, _ := ouMemberStatus(t, e, w.AccA1.ID, w.OwnerB.ID); st != "" {
		t.Fatalf("membership %q before Accept", st)
	}
	if _, st := invitationRow(t, e, w.AccA1.ID, w.OwnerB.Email); st != "pending" {
		t.Fatalf("invitation %s before Accept", st)
	}
	res, _ = c.post(link+"/accept", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA1.Slug+"/" {
		t.Fatalf("accept after SSO: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := ouMemberStatus(t, e, w.AccA1.ID, w.OwnerB.ID); st != "active" {
		t.Fatalf("membership %q after accepting", st)
	}
	if res, _ := c.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the account after joining: %d", res.StatusCode)
	}
}
