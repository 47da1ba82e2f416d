package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// ssoSetup: Alpha One signs in only through Alpha's connection to a provider that
// knows the agency user as "s-agency"; it is the agency user's favourite.
func ssoSetup(t *testing.T) (*env, world, ssoIdP, domain.SSOConnection) {
	e := newEnv(t)
	w := e.world()
	p := e.idp(person("s-agency", w.Agency.Email), person("s-viewer", w.Viewer.Email), person("s-b", w.OwnerB.Email))
	c := e.oidcConnection(w.OrgA, "Alpha IdP", p)
	e.ssoOnly(w.AccA1, c, false, false)
	e.favourite(w.Agency, w.AccA1)
	return e, w, p, c
}

func TestSSOSignIn_FavouriteSendsToProviderAndLandsThere(t *testing.T) {
	e, w, _, c := ssoSetup(t)
	e.linkIdentity(c, "s-agency", w.Agency)
	cl := e.client()
	res, body := cl.ssoLogin(w.Agency.Email, "s-agency")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("callback: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	res, _ = cl.get("/")
	if want := "/a/" + w.AccA1.Slug + "/"; res.Header.Get("Location") != want {
		t.Fatalf("landing: %q, want the favourite %q", res.Header.Get("Location"), want)
	}
	if res, _ := cl.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("favourite: %d", res.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND action = 'Sign in > Single sign-on'`, w.Agency.ID); n != 1 {
		t.Fatalf("sign-in audited %d times", n)
	}
	// A password does not open an account that signs in only through SSO.
	res, _ = e.client().post("/login/password", url.Values{"email": {w.Agency.Email}, "password": {pgtest.Password}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("password for an SSO-only favourite: %d, want 403", res.StatusCode)
	}
}

func TestSSOSignIn_PendingReachesNoProtectedRoute(t *testing.T) {
	e, w, _, _ := ssoSetup(t)
	cl := e.client()
	cl.emailToProvider(w.Agency.Email)
	for _, p := range []string{"/", "/profile", "/a/" + w.AccA1.Slug + "/"} {
		if res, _ := cl.get(p); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("%s while the provider has not answered: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func TestSSOSignIn_FirstLinkNeedsConfirmation(t *testing.T) {
	e, w, _, c := ssoSetup(t)
	cl := e.client()
	res, _ := cl.ssoLogin(w.Agency.Email, "s-agency")
	if res.Header.Get("Location") != "/login/sso/link" {
		t.Fatalf("first sign-in: %d to %q, want the link confirmation", res.StatusCode, res.Header.Get("Location"))
	}
	linked := func() int {
		return e.count(`SELECT count(*) FROM sso_identities WHERE connection_id = $1 AND user_id = $2`, c.ID, w.Agency.ID)
	}
	if linked() != 0 {
		t.Fatal("linked before the user confirmed")
	}
	if _, body := cl.get("/login/sso/link"); !strings.Contains(body, "Link your Alpha IdP sign-in") {
		t.Fatalf("link page:\n%s", excerpt(body))
	}
	// Still pending: nothing protected opens.
	if res, _ := cl.get("/profile"); res.Header.Get("Location") != "/login" {
		t.Fatalf("profile before confirming: %q", res.Header.Get("Location"))
	}
	if res, _ := cl.post("/login/sso/link", url.Values{"password": {"not the password"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	if linked() != 0 {
		t.Fatal("linked after a wrong password")
	}
	res, body := cl.post("/login/sso/link", url.Values{"password": {pgtest.Password}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("confirm: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	if linked() != 1 {
		t.Fatal("not linked after confirming")
	}
	if res, _ := cl.get("/profile"); res.StatusCode != http.StatusOK {
		t.Fatalf("profile after linking: %d", res.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM mail_outbox WHERE to_address = $1 AND kind = $2`, w.Agency.Email, app.MailSSOLinked); n != 1 {
		t.Fatalf("%d link notices", n)
	}
	// Next time the identity signs in straight away.
	if res, _ := e.client().ssoLogin(w.Agency.Email, "s-agency"); res.Header.Get("Location") != "/" {
		t.Fatalf("second sign-in: %q", res.Header.Get("Location"))
	}
}

func TestSSOSignIn_LinkByEmailedLink(t *testing.T) {
	e, w, _, c := ssoSetup(t)
	cl := e.client()
	cl.ssoLogin(w.Agency.Email, "s-agency")
	if res, body := cl.post("/login/sso/link/email", url.Values{}); res.StatusCode != http.StatusOK || !strings.Contains(body, "Check your email") {
		t.Fatalf("email me a link: %d\n%s", res.StatusCode, excerpt(body))
	}
	var text string
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT text_body FROM mail_outbox WHERE to_address = $1 AND kind = $2`,
		w.Agency.Email, app.MailSSOLinkConfirm).Scan(&text); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(text, e.URL+"/sso/link/")
	if i < 0 {
		t.Fatalf("no link in\n%s", text)
	}
	link := strings.Fields(text[i:])[0]
	path := strings.TrimPrefix(link, e.URL)
	other := e.client() // the mail may be opened in another browser
	if res, body := other.get(path); res.StatusCode != http.StatusOK || !strings.Contains(body, "Confirm the link") {
		t.Fatalf("link page: %d\n%s", res.StatusCode, excerpt(body))
	}
	if e.count(`SELECT count(*) FROM sso_identities WHERE connection_id = $1`, c.ID) != 0 {
		t.Fatal("opening the link linked")
	}
	if res, _ := other.post(path, url.Values{}); res.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	if e.count(`SELECT count(*) FROM sso_identities WHERE connection_id = $1 AND user_id = $2`, c.ID, w.Agency.ID) != 1 {
		t.Fatal("not linked")
	}
	if res, _ := other.post(path, url.Values{}); res.StatusCode != http.StatusGone {
		t.Fatalf("second use: %d, want 410", res.StatusCode)
	}
	if res, _ := other.get("/profile"); res.Header.Get("Location") != "/login" {
		t.Fatal("the emailed link signed someone in")
	}
}

func TestSSOSignIn_Refusals(t *testing.T) {
	t.Run("forged state", func(t *testing.T) {
		e, w, _, c := ssoSetup(t)
		e.linkIdentity(c, "s-agency", w.Agency)
		cl := e.client()
		back, _ := url.Parse(cl.atProvider(cl.emailToProvider(w.Agency.Email), "s-agency"))
		q := back.Query()
		q.Set("state", "forged-"+q.Get("state"))
		res, body := cl.get(back.Path + "?" + q.Encode())
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "state") {
			t.Fatalf("forged state: %d\n%s", res.StatusCode, excerpt(body))
		}
		if res, _ := cl.get("/profile"); res.Header.Get("Location") != "/login" {
			t.Fatal("signed in with a forged state")
		}
	})
	t.Run("an answer this browser did not ask for", func(t *testing.T) {
		e, w, _, c := ssoSetup(t)
		e.linkIdentity(c, "s-agency", w.Agency)
		victim, attacker := e.client(), e.client()
		back := attacker.atProvider(attacker.emailToProvider(w.Agency.Email), "s-agency")
		if res, _ := victim.get(back); res.StatusCode/100 == 2 || res.Header.Get("Location") == "/" {
			t.Fatalf("another browser's answer: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := victim.get("/profile"); res.Header.Get("Location") != "/login" {
			t.Fatal("signed in with another browser's answer")
		}
	})
	t.Run("identity linked to another user", func(t *testing.T) {
		e, w, _, c := ssoSetup(t)
		e.linkIdentity(c, "s-viewer", w.Viewer)
		res, body := e.client().ssoLogin(w.Agency.Email, "s-viewer")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "linked to another Atrium user") {
			t.Fatalf("%d\n%s", res.StatusCode, excerpt(body))
		}
	})
	t.Run("provider of organisation A asserting the email of a user of organisation B", func(t *testing.T) {
		e, w, _, c := ssoSetup(t)
		res, body := e.client().ssoLogin(w.Agency.Email, "s-b")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "not as") {
			t.Fatalf("%d\n%s", res.StatusCode, excerpt(body))
		}
		if n := e.count(`SELECT count(*) FROM sso_identities WHERE connection_id = $1`, c.ID); n != 0 {
			t.Fatalf("%d identities linked", n)
		}
		// Organisation B's user cannot be signed in by A's provider either.
		e.favourite(w.OwnerB, w.AccA1) // not enterable by B's owner: their rules fall back to B's account
		if res, _ := e.client().post("/login", url.Values{"email": {w.OwnerB.Email}}); res.Header.Get("Location") != "/login/password" {
			t.Fatalf("B's owner sent to %q", res.Header.Get("Location"))
		}
	})
	t.Run("an SSO identity of a non-member", func(t *testing.T) {
		e, w, _, c := ssoSetup(t)
		stranger := pgtest.MustUser(t, e.Store, pgtest.Unique("stranger")+"@c.test")
		_, err := e.App.ResolveSSO(context.Background(), stranger, c.ID, app.SSOClaims{Subject: "s-stranger", Email: stranger.Email, EmailVerified: true})
		if domain.ErrorCode(err) != domain.EFORBIDDEN || err != app.ErrSSONotMember {
			t.Fatalf("non-member: %v", err)
		}
		// A member of Alpha Two (which does not use the connection) is no member of it.
		_, err = e.App.ResolveSSO(context.Background(), w.OwnerB, c.ID, app.SSOClaims{Subject: "s-b", Email: w.OwnerB.Email, EmailVerified: true})
		if err != app.ErrSSONotMember {
			t.Fatalf("member of another organisation: %v", err)
		}
	})
	t.Run("unverified email is not linked", func(t *testing.T) {
		e, w, _, c := ssoSetup(t)
		_, err := e.App.ResolveSSO(context.Background(), w.Agency, c.ID, app.SSOClaims{Subject: "s-new", Email: w.Agency.Email})
		if domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("unverified email: %v", err)
		}
	})
}

func TestSSOSignIn_ThenTwoFactor(t *testing.T) {
	e, w, _, c := ssoSetup(t)
	e.ssoOnly(w.AccA1, c, true, false)
	e.linkIdentity(c, "s-agency", w.Agency)
	tf := e.enrol(w.Agency)
	cl := e.client()
	res, _ := cl.ssoLogin(w.Agency.Email, "s-agency")
	if res.Header.Get("Location") != "/login/two-factor" {
		t.Fatalf("after SSO: %q, want the code step", res.Header.Get("Location"))
	}
	if res, _ := cl.get("/profile"); res.Header.Get("Location") != "/login" {
		t.Fatal("SSO alone reached a protected route")
	}
	res, _ = cl.post("/login/two-factor", url.Values{"code": {code(t, tf.secret, time.Now())}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("code: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE actor_user_id = $1 AND action LIKE 'Sign in > Single sign-on and %'`, w.Agency.ID); n != 1 {
		t.Fatalf("sign-in audited %d times", n)
	}
}

func TestSSOStepUp_FromPasswordFavourite(t *testing.T) {
	e, w, _, c := ssoSetup(t)
	e.ssoOnly(w.AccA1, c, false, true)
	e.favourite(w.Agency, w.AccA2) // password only
	e.linkIdentity(c, "s-agency", w.Agency)
	cl := e.client()
	cl.password(w.Agency.Email, pgtest.Password)
	target := "/a/" + w.AccA1.Slug + "/members"
	res, _ := cl.get(target)
	if !strings.HasPrefix(res.Header.Get("Location"), "/step-up?") {
		t.Fatalf("entering the SSO account: %q, want step-up", res.Header.Get("Location"))
	}
	_, body := cl.get(res.Header.Get("Location"))
	if !strings.Contains(body, "Continue to single sign-on") {
		t.Fatalf("step-up page:\n%s", excerpt(body))
	}
	back := cl.atProvider(cl.toProvider(stepUpSSOPath(w.AccA1.Slug, target)), "s-agency")
	res, _ = cl.get(back)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != target {
		t.Fatalf("after the provider: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := cl.get(target); res.StatusCode != http.StatusOK {
		t.Fatalf("the page asked for: %d", res.StatusCode)
	}
	// The session's own password favourite still opens.
	if res, _ := cl.get("/a/" + w.AccA2.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("favourite after step-up: %d", res.StatusCode)
	}
}

func stepUpSSOPath(slug, next string) string {
	return "/step-up/sso?" + url.Values{"account": {slug}, "next": {next}}.Encode()
}

func TestSSOConnections_TestThenSwitchToSSOOnly(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	p := e.idp(person("s-owner", w.OwnerA.Email))
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug + "/settings/security"
	res, body := owner.post(base+"/connections", url.Values{"protocol": {"oidc"}, "name": {"Alpha IdP"}, "issuer": {p.Issuer()},
		"client_id": {idpClientID}, "client_secret": {idpClientSecret}, "scopes": {"email profile"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, excerpt(body))
	}
	connPage := res.Header.Get("Location")
	id := connPage[strings.LastIndex(connPage, "/")+1:]
	var secret []byte
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT client_secret FROM sso_connections WHERE id = $1`, id).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(secret), idpClientSecret) || secret[0] != 1 {
		t.Fatal("client secret not sealed")
	}
	if _, body := owner.get(connPage); !strings.Contains(body, e.URL+"/sso/"+id+"/callback") {
		t.Fatalf("connection page shows no redirect URI:\n%s", excerpt(body))
	}
	sso := url.Values{"login_method": {"sso"}, "sso_connection": {id}}
	if res, body := owner.post(base, sso); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Test the connection") {
		t.Fatalf("SSO-only before a test: %d\n%s", res.StatusCode, excerpt(body))
	}
	// The test: a real round trip in the admin's browser, back to the connection's page.
	res, _ = owner.post(connPage+"/test", url.Values{})
	back := owner.atProvider(res.Header.Get("Location"), "s-owner")
	res, _ = owner.get(back)
	if res.Header.Get("Location") != connPage {
		t.Fatalf("test came back to %q", res.Header.Get("Location"))
	}
	if _, body := owner.get(connPage); !strings.Contains(body, "Test succeeded") {
		t.Fatalf("no result shown:\n%s", excerpt(body))
	}
	if n := e.count(`SELECT count(*) FROM sso_identities`); n != 0 {
		t.Fatal("a test linked an identity")
	}
	// Someone else's test does not count for this admin.
	if res, body := owner.post(base, sso); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("SSO-only after the test: %d\n%s", res.StatusCode, excerpt(body))
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action LIKE 'Settings > Security > %Sign-in method (Password only → Single sign-on only)%Single sign-on connection (none → Alpha IdP)%'`); n != 1 {
		t.Fatalf("switch audited %d times", n)
	}
	// A change of settings forgets the test.
	owner.post(connPage, url.Values{"name": {"Alpha IdP"}, "issuer": {p.Issuer()}, "client_id": {idpClientID}, "scopes": {"email"}})
	if n := e.count(`SELECT count(*) FROM sso_connections WHERE id = $1 AND tested_at IS NULL`, id); n != 1 {
		t.Fatal("an edit kept the test")
	}
	// A broken provider: the test says what failed.
	owner.post(connPage, url.Values{"name": {"Alpha IdP"}, "issuer": {"http://127.0.0.1:1/nothing"}, "client_id": {idpClientID}, "scopes": {"email"}})
	res, _ = owner.post(connPage+"/test", url.Values{})
	if res.Header.Get("Location") != connPage {
		t.Fatalf("failed test went to %q", res.Header.Get("Location"))
	}
	if _, body := owner.get(connPage); !strings.Contains(body, "Test failed") || !strings.Contains(body, "configuration could not be fetched") {
		t.Fatalf("failure not shown:\n%s", excerpt(body))
	}
}

func TestSSOConnections_OtherOrganisationGets404(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	p := e.idp()
	c := e.oidcConnection(w.OrgA, "Alpha IdP", p)
	ownerB := e.client()
	ownerB.login(w.OwnerB.Email, pgtest.Password)
	id := strconv.FormatInt(c.ID, 10)
	for _, path := range []string{
		"/a/" + w.AccB.Slug + "/settings/security/connections/" + id,
		"/a/" + w.AccA1.Slug + "/settings/security/connections/" + id,
	} {
		if res, _ := ownerB.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s by B: %d, want 404", path, res.StatusCode)
		}
		if res, _ := ownerB.post(path, url.Values{"name": {"Taken"}, "issuer": {p.Issuer()}, "client_id": {"x"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s by B: %d, want 404", path, res.StatusCode)
		}
		if res, _ := ownerB.post(path+"/test", url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Errorf("test %s by B: %d, want 404", path, res.StatusCode)
		}
	}
	res, _ := ownerB.post("/a/"+w.AccB.Slug+"/settings/security", url.Values{"login_method": {"both"}, "sso_connection": {id}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("B's account choosing A's connection: %d, want 404", res.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM accounts WHERE sso_connection_id IS NOT NULL`); n != 0 {
		t.Fatalf("%d accounts took a connection", n)
	}
	if _, body := ownerB.get("/a/" + w.AccB.Slug + "/settings/security"); strings.Contains(body, "Alpha IdP") {
		t.Fatal("B's security page lists A's connection")
	}
}

func TestSSO_ACSAloneBypassesCrossOriginCheck(t *testing.T) {
	e := newEnv(t)
	cross := []string{"Origin", "https://idp.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}
	res, _ := e.client().do(http.MethodPost, "/sso/1/saml/acs", nil, cross...)
	if res.StatusCode == http.StatusForbidden {
		t.Fatal("cross-site POST to the ACS refused by the cross-origin check")
	}
	for _, p := range []string{"/sso/link/x", "/login/sso/link", "/invitations/x/sso"} {
		if res, _ := e.client().do(http.MethodPost, p, nil, cross...); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", p, res.StatusCode)
		}
	}
}

func TestSSOReauth_FreshRoundTripForSSOOnlyUser(t *testing.T) {
	e, w, _, c := ssoSetup(t)
	clk := e.useClock()
	e.exec(`UPDATE users SET password_hash = NULL WHERE id = $1`, w.Agency.ID)
	e.linkIdentity(c, "s-agency", w.Agency)
	cl := e.client()
	if res, _ := cl.ssoLogin(w.Agency.Email, "s-agency"); res.Header.Get("Location") != "/" {
		t.Fatalf("sign-in: %q", res.Header.Get("Location"))
	}
	clk.add(20 * time.Minute)
	newEmail := pgtest.Unique("new") + "@a.test"
	if res, body := cl.post("/profile/email", url.Values{"new_email": {newEmail}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "/profile/reauth/sso") {
		t.Fatalf("email change 20 minutes after signing in: %d, want 422 offering SSO\n%s", res.StatusCode, excerpt(body))
	}
	if _, body := cl.get("/profile/two-factor"); !strings.Contains(body, "Confirm it") || !strings.Contains(body, "/profile/reauth/sso") {
		t.Fatalf("two-factor page 20 minutes after signing in offers no SSO confirmation:\n%s", excerpt(body))
	}
	back := cl.atProvider(cl.toProvider("/profile/reauth/sso?next=/profile"), "s-agency")
	if res, _ := cl.get(back); res.Header.Get("Location") != "/profile" {
		t.Fatalf("after the provider: %q", res.Header.Get("Location"))
	}
	if _, body := cl.get("/profile/two-factor"); strings.Contains(body, "Confirm it") {
		t.Fatal("two-factor page still asks to confirm after re-authenticating through the provider")
	}
	if res, body := cl.post("/profile/email", url.Values{"new_email": {newEmail}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("email change after re-authenticating: %d\n%s", res.StatusCode, excerpt(body))
	}
	// Another person's identity at the provider does not re-authenticate this user.
	clk.add(20 * time.Minute)
	back = cl.atProvider(cl.toProvider("/profile/reauth/sso?next=/profile"), "s-viewer")
	if res, _ := cl.get(back); res.StatusCode != http.StatusForbidden {
		t.Fatalf("someone else's identity: %d, want 403", res.StatusCode)
	}
}

func TestSSOInvitation_NewUserAcceptsThroughProvider(t *testing.T) {
	e, w, p, c := ssoSetup(t)
	email := pgtest.Unique("invitee") + "@new.test"
	p.AddIdentity(person("s-invitee", email))
	e.favourite(w.OwnerA, w.AccA2) // signs in with a password
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	if res, body := owner.post("/a/"+w.AccA1.Slug+"/invitations", url.Values{"first_name": {"Ina"}, "last_name": {"Vitee"},
		"email": {email}, "role": {strconv.FormatInt(domain.EditorRoleID, 10)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d\n%s", res.StatusCode, excerpt(body))
	}
	var text string
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT text_body FROM mail_outbox WHERE to_address = $1`, email).Scan(&text); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(text, e.URL+"/invitations/")
	link := strings.TrimPrefix(strings.Fields(text[i:])[0], e.URL)
	cl := e.client()
	if _, body := cl.get(link); !strings.Contains(body, "Accept by signing in with single sign-on") || strings.Contains(body, `name="password"`) {
		t.Fatalf("invitation page of an SSO-only account:\n%s", excerpt(body))
	}
	res, _ := cl.post(link+"/sso", url.Values{})
	back := cl.atProvider(res.Header.Get("Location"), "s-invitee")
	res, body := cl.get(back)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/a/"+w.AccA1.Slug+"/" {
		t.Fatalf("after the provider: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	if res, _ := cl.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the account: %d", res.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM sso_identities si JOIN users u ON u.id = si.user_id WHERE si.connection_id = $1 AND u.email = $2 AND u.password_hash IS NULL`, c.ID, email); n != 1 {
		t.Fatalf("new user linked without a password: %d", n)
	}
}

func TestDevIdP_OnlyInDevelopment(t *testing.T) {
	const discovery = "/dev/idp/.well-known/openid-configuration"
	if res, _ := newEnv(t).client().get(discovery); res.StatusCode != http.StatusNotFound {
		t.Fatalf("development identity provider without ATRIUM_DEV: %d, want 404", res.StatusCode)
	}
	dev := newEnvWith(t, envOptions{dev: true})
	if res, body := dev.client().get(discovery); res.StatusCode != http.StatusOK || !strings.Contains(body, `"issuer":"`+dev.URL+`/dev/idp"`) {
		t.Fatalf("development identity provider with ATRIUM_DEV: %d\n%s", res.StatusCode, excerpt(body))
	}
}
