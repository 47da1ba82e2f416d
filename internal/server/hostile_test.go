package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// hostileValue is one value a form field may be sent besides ordinary text.
type hostileValue struct {
	name, value string
	// meta values are SQL or HTML metacharacters: legitimate text in a name (and in a
	// password), to be stored verbatim and shown escaped; elsewhere refused.
	meta bool
	// format values hold only invisible or direction-changing characters: refused in
	// every text field but passwords, where anything typeable is a (wrong) password.
	format bool
	// searchable values are text to a search box (searched for, cut, or an empty
	// search); the others are refused there too.
	searchable bool
}

var hostileValues = []hostileValue{
	{name: "NUL", value: "Jane\x00Doe"},
	{name: "lone surrogate", value: "Jane\xed\xa0\x80Doe"},
	{name: "invalid UTF-8", value: "\xff\xfe\xfd"},
	{name: "1 MB", value: strings.Repeat("A", 1<<20)},
	{name: "RTL override", value: "\u202eevil", format: true},
	{name: "zero-width only", value: "\u200b\u200b", format: true, searchable: true},
	{name: "SQL", value: "'; DROP TABLE users;--", meta: true, searchable: true},
	{name: "HTML", value: "<script>alert(1)</script>", meta: true, searchable: true},
}

// Field kinds: what a form field holds decides which hostile values may be accepted.
const (
	fieldOther  = iota // ids, slugs, emails, choices: every hostile value is refused
	fieldName          // names: metacharacters are text, stored verbatim and escaped
	fieldSecret        // passwords: metacharacters and format characters are passwords
	fieldStored        // free text (a message, a reason): metacharacters are text, stored verbatim
	fieldEcho          // text shown back and not stored (a preview): metacharacters shown escaped
)

// hostileCall is one valid request to a route: a signed-in (or anonymous) client, the
// route's URL parameters and a form that the route accepts as it is.
type hostileCall struct {
	c      *client
	params map[string]string
	form   url.Values
}

// hostileRoute describes a POST route for the hostile-input test: setup makes what one
// valid call needs (fresh objects when a call changes them) and returns it; every
// field of its form is a field the route reads; kinds names the name and password
// fields (the rest are fieldOther).
type hostileRoute struct {
	setup func() hostileCall
	kinds map[string]int
	// shows returns who sees an accepted name and where, when that is not the page the
	// route redirects to.
	shows func(field, value string) (*client, string)
}

// counted are the tables a refused request must leave alone.
var counted = []string{"users", "organisations", "accounts", "memberships", "organisation_members", "organisation_owners",
	"roles", "role_permissions", "resource_scopes", "campaigns", "lists", "contacts", "password_tokens", "sessions",
	"audit_events", "rate_limits", "login_throttles", "invitations", "invitation_tokens", "access_requests", "mail_outbox",
	"email_changes", "recovery_codes", "sso_connections", "sso_identities", "sso_link_tokens", "sso_saml_requests",
	"sso_saml_assertions"}

func tableCounts(t *testing.T, e *env) map[string]int {
	t.Helper()
	var parts []string
	for _, tb := range counted {
		parts = append(parts, "(SELECT count(*) FROM "+tb+")")
	}
	vals := make([]int, len(counted))
	dest := make([]any, len(counted))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := e.Store.Pool.QueryRow(context.Background(), "SELECT "+strings.Join(parts, ", ")).Scan(dest...); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, tb := range counted {
		out[tb] = vals[i]
	}
	return out
}

// storedAnywhere counts the rows whose name (or contact name) is v.
func storedAnywhere(t *testing.T, e *env, v string) int {
	t.Helper()
	var n int
	err := e.Store.Pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM users WHERE full_name = $1) + (SELECT count(*) FROM organisations WHERE name = $1) +
		(SELECT count(*) FROM accounts WHERE name = $1) + (SELECT count(*) FROM roles WHERE name = $1) +
		(SELECT count(*) FROM campaigns WHERE name = $1) + (SELECT count(*) FROM lists WHERE name = $1) +
		(SELECT count(*) FROM contacts WHERE full_name = $1) +
		(SELECT count(*) FROM invitations WHERE first_name = $1 OR last_name = $1 OR message = $1) +
		(SELECT count(*) FROM access_requests WHERE reason = $1 OR note = $1) +
		(SELECT count(*) FROM sso_connections WHERE name = $1)`, v).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func fillPattern(pattern string, params map[string]string) string {
	for k, v := range params {
		pattern = strings.ReplaceAll(pattern, "{"+k+"}", v)
	}
	return pattern
}

// TestHostileInput_RefusedAndNothingWritten posts hostile values (NUL, surrogate
// halves, invalid UTF-8, 1 MB, a right-to-left override, zero-width spaces, SQL and
// HTML metacharacters) in every field of every POST route, and as every URL parameter
// of every route, and in the search boxes of every GET route. A refused value gets a
// 4xx and writes nothing; metacharacters in a name may be accepted, and are then
// stored verbatim and shown escaped. Each route's valid call is made last and must
// succeed, so the refusals come from the hostile values alone.
func TestHostileInput_RefusedAndNothingWritten(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	s := e.Store
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	staffUser := pgtest.MustUser(t, s, pgtest.Unique("staff")+"@hostile.test")
	must(s.SetStaff(ctx, staffUser.ID, true))
	owner, ownerB, staff, agency := e.client(), e.client(), e.client(), e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	ownerB.login(w.OwnerB.Email, pgtest.Password)
	staff.login(staffUser.Email, pgtest.Password)
	agency.login(w.Agency.Email, pgtest.Password)
	ids := func(n int64) string { return fmt.Sprint(n) }
	newUser := func() domain.User { return pgtest.MustUser(t, s, pgtest.Unique("h")+"@hostile.test") }
	signedIn := func(u domain.User) *client {
		c := e.client()
		c.login(u.Email, pgtest.Password)
		return c
	}
	orgUser := func() domain.User {
		u := newUser()
		must(s.AddOrganisationMember(ctx, w.OrgA.ID, u.ID))
		return u
	}
	insert := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		must(s.Pool.QueryRow(ctx, sql, args...).Scan(&id))
		return id
	}
	newRole := func() int64 {
		id := insert(`INSERT INTO roles (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, pgtest.Unique("Role"))
		_, err := s.Pool.Exec(ctx, `INSERT INTO role_permissions (role_id, permission) VALUES ($1, 'account.view')`, id)
		must(err)
		return id
	}
	newCampaign := func() int64 {
		return insert(`INSERT INTO campaigns (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, pgtest.Unique("Campaign"))
	}
	newList := func() int64 {
		return insert(`INSERT INTO lists (account_id, name) VALUES ($1, $2) RETURNING id`, w.AccA1.ID, pgtest.Unique("List"))
	}
	newAccount := func() domain.Account { return pgtest.MustAccount(t, s, w.OrgA, pgtest.Unique("Hostile"), w.OwnerA) }
	member := func(acc domain.Account, roleID int64) domain.User {
		u := newUser()
		pgtest.MustGrant(t, s, acc, u, roleID)
		return u
	}
	acct := func(extra map[string]string) map[string]string {
		p := map[string]string{"account": w.AccA1.Slug}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	loginUser := newUser()
	// Single sign-on: an OpenID provider and a SAML provider on loopback, each with a
	// connection of organisation A.
	oidcIdP := e.idp()
	oidcConn := e.oidcConnection(w.OrgA, "Hostile OIDC", oidcIdP)
	samlIdP := e.samlIdP(t)
	samlConn := e.samlConnection(w.OrgA, "Hostile SAML", samlIdP)
	// ssoMember is a new member of a new account of A that signs in only through c.
	ssoMember := func(c domain.SSOConnection) domain.User {
		acc := newAccount()
		e.ssoOnly(acc, c, false, false)
		u := member(acc, domain.ViewerRoleID)
		e.favourite(u, acc)
		return u
	}
	// linking is a browser whose first SSO sign-in waits for its user to confirm the link.
	linking := func() *client {
		u := ssoMember(oidcConn)
		subject := pgtest.Unique("subject")
		oidcIdP.AddIdentity(person(subject, u.Email))
		c := e.client()
		if res, _ := c.ssoLogin(u.Email, subject); res.Header.Get("Location") != "/login/sso/link" {
			t.Fatalf("first SSO sign-in went to %q", res.Header.Get("Location"))
		}
		return c
	}
	connForm := func() url.Values {
		return url.Values{"protocol": {"oidc"}, "name": {pgtest.Unique("Connection")}, "issuer": {"https://idp.example/o"},
			"client_id": {"atrium"}, "client_secret": {"s3cret"}, "scopes": {"email profile"}}
	}
	// userPage is where an organisation's owner sees the user named v.
	userPage := func(c *client, o domain.Organisation) func(string, string) (*client, string) {
		return func(_, v string) (*client, string) {
			return c, "/org/" + o.Slug + "/users/" + ids(insert(`SELECT id FROM users WHERE full_name = $1`, v))
		}
	}
	name, secret := fieldName, fieldSecret
	// inviter is a new account's owner, signed in: invitation routes send email, and the
	// sending limits are per sender and per account.
	inviter := func() (*client, domain.Account) {
		u := newUser()
		acc := pgtest.MustAccount(t, s, w.OrgA, pgtest.Unique("Inviting"), u)
		return signedIn(u), acc
	}
	// invitation invites a new email to a new account and returns the account, the
	// invitation's id and its link's token.
	invitation := func() (*client, domain.Account, int64, string) {
		c, acc := inviter()
		email := pgtest.Unique("invitee") + "@hostile.test"
		if res, body := invite(c, acc, "Jane", email, domain.ViewerRoleID); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("inviting %s: %d\n%.300s", email, res.StatusCode, body)
		}
		link := invitationLink(t, e, email)
		id := insert(`SELECT id FROM invitations WHERE email = $1`, email)
		return c, acc, id, strings.TrimPrefix(link, "/invitations/")
	}
	// accessRequest has a new viewer of a new account (A's owner's) ask for
	// members.view and returns the account and the request's id.
	accessRequest := func() (domain.Account, int64) {
		acc := newAccount()
		u := member(acc, domain.ViewerRoleID)
		if res, body := signedIn(u).post("/a/"+acc.Slug+"/access-requests", url.Values{"permission": {string(domain.PermMembersView)}}); res.StatusCode >= 400 {
			t.Fatalf("requesting access: %d\n%.300s", res.StatusCode, body)
		}
		return acc, insert(`SELECT id FROM access_requests WHERE user_id = $1`, u.ID)
	}
	// Two-factor routes get a fresh user for each call, so a right code is never one
	// already used.
	strictAcc := e.strictAccount(w.OrgB, "Hostile Vault", w.OwnerB, false)
	stepUpAcc := e.strictAccount(w.OrgA, "Hostile Step-up", w.OwnerA, true)
	strictUser := func() domain.User {
		u := newUser()
		pgtest.MustGrant(t, s, strictAcc, u, domain.ViewerRoleID)
		e.favourite(u, strictAcc)
		return u
	}
	pendingCode := func() (*client, enrolled) {
		u := strictUser()
		tf := e.enrol(u)
		c := e.client()
		c.password(u.Email, pgtest.Password)
		return c, tf
	}
	// stepUpper is signed in with the password alone and enrolled since, so entering
	// the step-up account asks a code.
	stepUpper := func() (*client, enrolled) {
		u := newUser()
		pgtest.MustGrant(t, s, w.AccA2, u, domain.ViewerRoleID)
		pgtest.MustGrant(t, s, stepUpAcc, u, domain.ViewerRoleID)
		e.favourite(u, w.AccA2)
		c := signedIn(u)
		return c, e.enrol(u)
	}
	enrolledIn := func() (*client, domain.User) {
		u := newUser()
		c := signedIn(u)
		e.enrol(u)
		return c, u
	}
	stepUpForm := func(f url.Values) url.Values {
		f.Set("account", stepUpAcc.Slug)
		f.Set("next", "/a/"+stepUpAcc.Slug+"/")
		return f
	}

	routes := map[string]hostileRoute{
		"POST /login": {setup: func() hostileCall {
			return hostileCall{c: e.client(), form: url.Values{"email": {w.Viewer.Email}}}
		}},
		"POST /login/password": {kinds: map[string]int{"password": secret}, setup: func() hostileCall {
			return hostileCall{c: e.client(), form: url.Values{"email": {loginUser.Email}, "password": {pgtest.Password}}}
		}},
		"POST /logout": {setup: func() hostileCall { return hostileCall{c: signedIn(newUser()), form: url.Values{}} }},
		"POST /login/two-factor": {setup: func() hostileCall {
			c, tf := pendingCode()
			return hostileCall{c: c, form: url.Values{"code": {code(t, tf.secret, time.Now())}}}
		}},
		"POST /login/two-factor/recovery": {setup: func() hostileCall {
			c, tf := pendingCode()
			return hostileCall{c: c, form: url.Values{"recovery_code": {tf.recovery[0]}}}
		}},
		"POST /login/two-factor/setup": {setup: func() hostileCall {
			c := e.client()
			c.password(strictUser().Email, pgtest.Password)
			_, body := c.get("/login/two-factor/setup")
			return hostileCall{c: c, form: url.Values{"code": {code(t, setupKey(t, body), time.Now())}}}
		}},
		"POST /step-up": {setup: func() hostileCall {
			c, tf := stepUpper()
			return hostileCall{c: c, form: stepUpForm(url.Values{"code": {code(t, tf.secret, time.Now())}})}
		}},
		"POST /step-up/recovery": {setup: func() hostileCall {
			c, tf := stepUpper()
			return hostileCall{c: c, form: stepUpForm(url.Values{"recovery_code": {tf.recovery[0]}})}
		}},
		"POST /profile/two-factor/confirm-password": {kinds: map[string]int{"password": secret}, setup: func() hostileCall {
			return hostileCall{c: signedIn(newUser()), form: url.Values{"password": {pgtest.Password}, "next": {"/profile"}}}
		}},
		"POST /profile/two-factor/setup": {setup: func() hostileCall {
			return hostileCall{c: signedIn(newUser()), form: url.Values{"next": {"/profile"}}}
		}},
		"POST /profile/two-factor/setup/confirm": {setup: func() hostileCall {
			c := signedIn(newUser())
			_, body := c.post("/profile/two-factor/setup", url.Values{})
			return hostileCall{c: c, form: url.Values{"code": {code(t, setupKey(t, body), time.Now())}, "next": {"/profile"}}}
		}},
		"POST /profile/two-factor/recovery-codes": {setup: func() hostileCall {
			c, _ := enrolledIn()
			return hostileCall{c: c, form: url.Values{"next": {"/profile"}}}
		}},
		"POST /profile/two-factor/disable": {setup: func() hostileCall {
			c, _ := enrolledIn()
			return hostileCall{c: c, form: url.Values{}}
		}},
		"POST /staff/users/reset-2fa": {setup: func() hostileCall {
			_, u := enrolledIn()
			return hostileCall{c: staff, form: url.Values{"email": {u.Email}}}
		}},
		"POST /a/{account}/settings/security/connections": {kinds: map[string]int{"name": name, "client_secret": secret},
			setup: func() hostileCall { return hostileCall{c: owner, params: acct(nil), form: connForm()} },
			shows: func(_, v string) (*client, string) {
				return owner, "/a/" + w.AccA1.Slug + "/settings/security/connections/" + ids(insert(`SELECT id FROM sso_connections WHERE name = $1`, v))
			}},
		"POST /a/{account}/settings/security/connections/{connection}": {kinds: map[string]int{"name": name, "client_secret": secret},
			setup: func() hostileCall {
				c := e.oidcConnection(w.OrgA, pgtest.Unique("Edited"), oidcIdP)
				f := connForm()
				delete(f, "protocol")
				return hostileCall{c: owner, params: acct(map[string]string{"connection": ids(c.ID)}), form: f}
			},
			shows: func(_, v string) (*client, string) {
				return owner, "/a/" + w.AccA1.Slug + "/settings/security/connections/" + ids(insert(`SELECT id FROM sso_connections WHERE name = $1`, v))
			}},
		"POST /a/{account}/settings/security/connections/{connection}/test": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"connection": ids(oidcConn.ID)}), form: url.Values{}}
		}},
		"POST /invitations/{token}/sso": {setup: func() hostileCall {
			_, _, _, tok := invitation()
			return hostileCall{c: e.client(), params: map[string]string{"token": tok}, form: url.Values{}}
		}},
		"POST /login/sso/link": {kinds: map[string]int{"password": secret}, setup: func() hostileCall {
			return hostileCall{c: linking(), form: url.Values{"password": {pgtest.Password}}}
		}},
		"POST /login/sso/link/email": {setup: func() hostileCall {
			return hostileCall{c: linking(), form: url.Values{}}
		}},
		"POST /sso/link/{token}": {setup: func() hostileCall {
			return hostileCall{c: e.client(), params: map[string]string{"token": e.ssoLinkToken(oidcConn, newUser())}, form: url.Values{}}
		}},
		"POST /sso/{connection}/saml/acs": {setup: func() hostileCall {
			u := ssoMember(samlConn)
			user := pgtest.Unique("saml")
			samlIdP.addUser(user, u.Email)
			c := e.client()
			return hostileCall{c: c, params: map[string]string{"connection": ids(samlConn.ID)},
				form: url.Values{"SAMLResponse": {c.samlAnswer(c.samlStart(u.Email), user)}}}
		}},
		"POST /a/{account}/settings/security": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(nil), form: url.Values{"login_method": {"password"}, "mfa_required": {""},
				"enforce_on_entry": {"on"}}}
		}},
		"POST /set-password/{token}": {kinds: map[string]int{"password": secret}, setup: func() hostileCall {
			tok, hash := auth.NewToken()
			must(s.CreatePasswordToken(ctx, newUser().ID, hash, time.Now().Add(time.Hour), "test"))
			return hostileCall{c: e.client(), params: map[string]string{"token": tok}, form: url.Values{"password": {"a fine new passphrase"}}}
		}},
		"POST /login/forgot": {setup: func() hostileCall {
			return hostileCall{c: e.client(), form: url.Values{"email": {w.Viewer.Email}}}
		}},
		"POST /reset-password/{token}": {kinds: map[string]int{"password": secret}, setup: func() hostileCall {
			return hostileCall{c: e.client(), params: map[string]string{"token": resetToken(t, e, newUser())},
				form: url.Values{"password": {"a fine new passphrase"}}}
		}},
		"POST /confirm-email/{token}": {setup: func() hostileCall {
			return hostileCall{c: e.client(), params: map[string]string{"token": emailChangeToken(t, e, newUser())}, form: url.Values{}}
		}},
		"POST /profile/email": {kinds: map[string]int{"email_current_password": secret}, setup: func() hostileCall {
			return hostileCall{c: signedIn(newUser()), form: url.Values{"new_email": {pgtest.Unique("moved") + "@hostile.test"},
				"email_current_password": {pgtest.Password}}}
		}},
		"POST /profile/favourite": {setup: func() hostileCall {
			return hostileCall{c: agency, form: url.Values{"account": {w.AccA2.Slug}}}
		}},
		"POST /profile/name": {kinds: map[string]int{"full_name": name}, setup: func() hostileCall {
			return hostileCall{c: agency, form: url.Values{"full_name": {pgtest.Unique("Agency")}}}
		}},
		"POST /profile/password": {kinds: map[string]int{"current_password": secret, "new_password": secret}, setup: func() hostileCall {
			return hostileCall{c: signedIn(newUser()), form: url.Values{"current_password": {pgtest.Password}, "new_password": {"a brand new passphrase"}}}
		}},
		"POST /profile/sessions/{session}/end": {setup: func() hostileCall {
			u := newUser()
			c := signedIn(u)
			signedIn(u)
			id := insert(`SELECT id FROM sessions WHERE user_id = $1 ORDER BY id DESC LIMIT 1`, u.ID)
			return hostileCall{c: c, params: map[string]string{"session": ids(id)}, form: url.Values{}}
		}},
		"POST /profile/sessions/end-others": {setup: func() hostileCall { return hostileCall{c: signedIn(newUser()), form: url.Values{}} }},
		"POST /org/{org}/rename": {kinds: map[string]int{"name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug}, form: url.Values{"name": {pgtest.Unique("Alpha")}}}
		}},
		"POST /org/{org}/users": {kinds: map[string]int{"first_name": fieldStored, "last_name": fieldStored, "message": fieldStored}, setup: func() hostileCall {
			acc := newAccount() // its own sending limit
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug},
				form: url.Values{"email": {pgtest.Unique("new") + "@hostile.test"}, "first_name": {"New"}, "last_name": {"Person"},
					"account": {ids(acc.ID)}, "role": {ids(domain.ViewerRoleID)}, "message": {"Welcome"}}}
		}},
		"POST /org/{org}/users/{user}/access": {setup: func() hostileCall {
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(orgUser().ID)},
				form: url.Values{"account": {ids(w.AccA2.ID)}, "role": {ids(domain.EditorRoleID)}}}
		}},
		"POST /org/{org}/users/{user}/access/remove": {setup: func() hostileCall {
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(member(w.AccA2, domain.ViewerRoleID).ID)},
				form: url.Values{"account": {ids(w.AccA2.ID)}}}
		}},
		"POST /org/{org}/users/{user}/owner": {setup: func() hostileCall {
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(orgUser().ID)},
				form: url.Values{"organisation": {w.OrgA.Slug}}}
		}},
		"POST /org/{org}/users/{user}/owner/remove": {setup: func() hostileCall {
			u := orgUser()
			must(s.AddOrganisationOwner(ctx, w.OrgA.ID, u.ID))
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(u.ID)},
				form: url.Values{"organisation": {w.OrgA.Slug}}}
		}},
		"POST /org/{org}/users/{user}/remove": {setup: func() hostileCall {
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(orgUser().ID)}, form: url.Values{"tab": {"access"}}}
		}},
		"POST /org/{org}/users/{user}/sessions/end": {setup: func() hostileCall {
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(orgUser().ID)}, form: url.Values{"tab": {""}}}
		}},
		"POST /staff/organisations": {kinds: map[string]int{"org_name": name}, setup: func() hostileCall {
			return hostileCall{c: staff, form: url.Values{"org_name": {"Initech"}, "org_slug": {pgtest.Unique("initech")}}}
		}},
		"POST /staff/accounts": {kinds: map[string]int{"account_name": name, "account_owner_name": name}, shows: func(f, v string) (*client, string) {
			if f == "account_owner_name" {
				return userPage(owner, w.OrgA)(f, v)
			}
			return staff, "/staff/"
		}, setup: func() hostileCall {
			return hostileCall{c: staff, form: url.Values{"account_org": {w.OrgA.Slug}, "account_name": {"Initech Sales"},
				"account_slug": {pgtest.Unique("sales")}, "account_plan": {"team"}, "account_seats": {"25"},
				"account_owner_email": {pgtest.Unique("peter") + "@hostile.test"}, "account_owner_name": {"Peter Gibbons"}}}
		}},
		"POST /staff/owners": {kinds: map[string]int{"owner_name": name}, shows: userPage(ownerB, w.OrgB), setup: func() hostileCall {
			return hostileCall{c: staff, form: url.Values{"owner_org": {w.OrgB.Slug}, "owner_email": {pgtest.Unique("o") + "@hostile.test"},
				"owner_name": {"Bill Lumbergh"}}}
		}},
		"POST /org/{org}/users/{user}/disable": {setup: func() hostileCall {
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(orgUser().ID)}, form: url.Values{"tab": {""}}}
		}},
		"POST /org/{org}/users/{user}/enable": {setup: func() hostileCall {
			u := orgUser()
			must(s.SetUserDisabled(ctx, u.ID, true))
			return hostileCall{c: owner, params: map[string]string{"org": w.OrgA.Slug, "user": ids(u.ID)}, form: url.Values{"tab": {""}}}
		}},
		"POST /staff/users/disable": {setup: func() hostileCall {
			return hostileCall{c: staff, form: url.Values{"email": {newUser().Email}}}
		}},
		"POST /staff/users/enable": {setup: func() hostileCall {
			u := newUser()
			must(s.SetUserDisabled(ctx, u.ID, true))
			return hostileCall{c: staff, form: url.Values{"email": {u.Email}}}
		}},
		"POST /staff/users/sessions/end": {setup: func() hostileCall {
			return hostileCall{c: staff, form: url.Values{"email": {newUser().Email}}}
		}},
		"POST /staff/mail/{id}/retry": {setup: func() hostileCall {
			id := insert(`INSERT INTO mail_outbox (message_id, kind, to_address, subject, text_body, html_body, status, attempts, last_error)
				VALUES ($1, 'test', 'x@a.test', 'Hostile mail', 't', '<p>h</p>', 'failed', 8, 'refused') RETURNING id`, "<"+pgtest.Unique("hostile")+"@a.test>")
			return hostileCall{c: staff, params: map[string]string{"id": ids(id)}, form: url.Values{}}
		}},
		"POST /staff/unlock-signin": {setup: func() hostileCall {
			return hostileCall{c: staff, form: url.Values{"unlock_email": {w.Viewer.Email}}}
		}},
		"POST /staff/accounts/{account}/plan": {setup: func() hostileCall {
			return hostileCall{c: staff, params: map[string]string{"account": newAccount().Slug}, form: url.Values{"plan": {"enterprise"}, "seats": {"30"}}}
		}},
		"POST /staff/accounts/{account}/reopen": {setup: func() hostileCall {
			acc := newAccount()
			must(s.SetAccountStatus(ctx, acc.ID, domain.AccountClosed))
			return hostileCall{c: staff, params: map[string]string{"account": acc.Slug}, form: url.Values{}}
		}},
		"POST /a/{account}/members/{user}/role": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"user": ids(member(w.AccA1, domain.ViewerRoleID).ID)}),
				form: url.Values{"role": {ids(domain.EditorRoleID)}}}
		}},
		"POST /a/{account}/members/{user}/deactivate": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"user": ids(member(w.AccA1, domain.ViewerRoleID).ID)}), form: url.Values{}}
		}},
		"POST /a/{account}/members/{user}/reactivate": {setup: func() hostileCall {
			u := member(w.AccA1, domain.ViewerRoleID)
			must(s.SetMembershipStatus(ctx, w.AccA1.ID, u.ID, domain.MembershipDeactivated))
			return hostileCall{c: owner, params: acct(map[string]string{"user": ids(u.ID)}), form: url.Values{}}
		}},
		"POST /a/{account}/members/{user}/remove": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"user": ids(member(w.AccA1, domain.ViewerRoleID).ID)}), form: url.Values{}}
		}},
		"POST /a/{account}/members/{user}/transfer": {setup: func() hostileCall {
			acc := newAccount()
			return hostileCall{c: owner, params: map[string]string{"account": acc.Slug, "user": ids(member(acc, domain.ViewerRoleID).ID)}, form: url.Values{}}
		}},
		"POST /a/{account}/members/{user}/scope": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"user": ids(member(w.AccA1, domain.ListManagerRoleID).ID)}),
				form: url.Values{"list": {ids(newList())}}}
		}},
		"POST /a/{account}/close": {setup: func() hostileCall {
			acc := newAccount()
			return hostileCall{c: owner, params: map[string]string{"account": acc.Slug}, form: url.Values{"confirm": {acc.Name}}}
		}},
		"POST /a/{account}/roles": {kinds: map[string]int{"name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(nil), form: url.Values{"name": {pgtest.Unique("Reviewers")},
				"permissions": {string(domain.PermCampaignsView)}, "lists": {ids(newList())}, "campaigns": {ids(newCampaign())}}}
		}},
		"POST /a/{account}/roles/{role}": {kinds: map[string]int{"name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"role": ids(newRole())}), form: url.Values{"name": {pgtest.Unique("Renamed")},
				"permissions": {string(domain.PermListsView)}, "lists": {ids(newList())}, "campaigns": {ids(newCampaign())}}}
		}},
		"POST /a/{account}/roles/{role}/delete": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"role": ids(newRole())}), form: url.Values{"reassign_to": {""}}}
		}},
		"POST /a/{account}/campaigns": {kinds: map[string]int{"name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(nil), form: url.Values{"name": {"Spring sale"}}}
		}},
		"POST /a/{account}/campaigns/{campaign}": {kinds: map[string]int{"name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"campaign": ids(newCampaign())}), form: url.Values{"name": {"Summer sale"}}}
		}},
		"POST /a/{account}/campaigns/{campaign}/publish": {setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"campaign": ids(newCampaign())}), form: url.Values{}}
		}},
		"POST /a/{account}/lists": {kinds: map[string]int{"name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(nil), form: url.Values{"name": {"Newsletter"}}}
		}},
		"POST /a/{account}/lists/{list}": {kinds: map[string]int{"name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"list": ids(newList())}), form: url.Values{"name": {"Customers"}}}
		}},
		"POST /a/{account}/invitations": {kinds: map[string]int{"first_name": fieldStored, "last_name": fieldStored, "message": fieldStored}, setup: func() hostileCall {
			c, acc := inviter()
			return hostileCall{c: c, params: map[string]string{"account": acc.Slug}, form: url.Values{"first_name": {"Jane"}, "last_name": {"Doe"},
				"email": {pgtest.Unique("invitee") + "@hostile.test"}, "role": {ids(domain.ViewerRoleID)}, "message": {"Welcome aboard"}}}
		}},
		"POST /a/{account}/invitations/preview": {kinds: map[string]int{"first_name": fieldEcho, "last_name": fieldEcho, "message": fieldEcho}, setup: func() hostileCall {
			c, acc := inviter()
			return hostileCall{c: c, params: map[string]string{"account": acc.Slug}, form: url.Values{"first_name": {"Jane"}, "last_name": {"Doe"},
				"email": {pgtest.Unique("invitee") + "@hostile.test"}, "role": {ids(domain.ViewerRoleID)}, "message": {"Welcome aboard"}}}
		}},
		"POST /a/{account}/invitations/{invitation}/resend": {setup: func() hostileCall {
			c, acc, id, _ := invitation()
			return hostileCall{c: c, params: map[string]string{"account": acc.Slug, "invitation": ids(id)}, form: url.Values{}}
		}},
		"POST /a/{account}/invitations/{invitation}/revoke": {setup: func() hostileCall {
			c, acc, id, _ := invitation()
			return hostileCall{c: c, params: map[string]string{"account": acc.Slug, "invitation": ids(id)}, form: url.Values{}}
		}},
		"POST /invitations/{token}/accept": {kinds: map[string]int{"full_name": name, "password": secret}, setup: func() hostileCall {
			_, _, _, tok := invitation()
			return hostileCall{c: e.client(), params: map[string]string{"token": tok},
				form: url.Values{"full_name": {"Jane Invitee"}, "password": {"a fine new passphrase"}}}
		}},
		"POST /invitations/{token}/decline": {setup: func() hostileCall {
			_, _, _, tok := invitation()
			return hostileCall{c: e.client(), params: map[string]string{"token": tok}, form: url.Values{}}
		}},
		"POST /invitations/{token}/switch": {setup: func() hostileCall {
			_, _, _, tok := invitation()
			return hostileCall{c: signedIn(newUser()), params: map[string]string{"token": tok}, form: url.Values{}}
		}},
		"POST /a/{account}/access-requests": {kinds: map[string]int{"reason": fieldStored}, setup: func() hostileCall {
			acc := newAccount()
			return hostileCall{c: signedIn(member(acc, domain.ViewerRoleID)), params: map[string]string{"account": acc.Slug},
				form: url.Values{"permission": {string(domain.PermMembersView)}, "reason": {"I review the members list"}}}
		}},
		"POST /a/{account}/access-requests/{request}/approve": {setup: func() hostileCall {
			acc, id := accessRequest()
			return hostileCall{c: owner, params: map[string]string{"account": acc.Slug, "request": ids(id)},
				form: url.Values{"role": {ids(domain.AdministratorRoleID)}}}
		}},
		"POST /a/{account}/access-requests/{request}/deny": {kinds: map[string]int{"note": fieldStored}, setup: func() hostileCall {
			acc, id := accessRequest()
			return hostileCall{c: owner, params: map[string]string{"account": acc.Slug, "request": ids(id)}, form: url.Values{"note": {"Not now"}}}
		}},
		"POST /a/{account}/leave": {setup: func() hostileCall {
			acc := newAccount()
			return hostileCall{c: signedIn(member(acc, domain.ViewerRoleID)), params: map[string]string{"account": acc.Slug}, form: url.Values{}}
		}},
		"POST /a/{account}/lists/{list}/contacts": {kinds: map[string]int{"full_name": name}, setup: func() hostileCall {
			return hostileCall{c: owner, params: acct(map[string]string{"list": ids(newList())}),
				form: url.Values{"email": {pgtest.Unique("contact") + "@hostile.test"}, "full_name": {"Ann Contact"}}}
		}},
	}

	// Every POST route of the router is in the table, and every entry is a route.
	chiRoutes, ok := e.Server.Routes().(chi.Routes)
	if !ok {
		t.Fatal("not a chi router")
	}
	var posts, gets []string
	must(chi.Walk(chiRoutes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		switch {
		case pattern == "/static/*": // files only (TestStatic_ServesFilesButListsNoFolder)
		case method == http.MethodPost:
			posts = append(posts, pattern)
		case method == http.MethodGet:
			gets = append(gets, pattern)
		}
		return nil
	}))
	sort.Strings(posts)
	sort.Strings(gets)
	for _, p := range posts {
		if _, ok := routes["POST "+p]; !ok {
			t.Errorf("POST %s is not in the hostile-input table", p)
		}
	}
	if len(routes) != len(posts) {
		t.Errorf("the table has %d POST routes, the router %d", len(routes), len(posts))
	}
	if t.Failed() {
		t.FailNow()
	}

	// post sends one call and checks the rules for value in field (or in a URL
	// parameter when field is ""): refused values get a 4xx and write nothing.
	post := func(route string, hc hostileCall, field string, hv hostileValue) {
		t.Helper()
		kind := routes["POST "+route].kinds[field]
		mayAccept := field != "" && hv.meta && kind != fieldOther
		format := field != "" && hv.format && kind == fieldSecret
		before, writes := tableCounts(t, e), e.writes.n.Load()
		stored := 0
		if mayAccept && (kind == fieldName || kind == fieldStored) {
			stored = storedAnywhere(t, e, hv.value)
		}
		res, body := hc.c.post(fillPattern(route, hc.params), hc.form)
		where := "URL parameter"
		if field != "" {
			where = "field " + field
		}
		switch st := res.StatusCode; {
		case st >= 500:
			t.Errorf("POST %s, %s in %s: %d\n%.300s", route, hv.name, where, st, body)
		case st < 400 && !mayAccept:
			t.Errorf("POST %s, %s in %s: %d, want 4xx", route, hv.name, where, st)
		case st < 400 && kind == fieldEcho:
			if strings.Contains(body, hv.value) || !strings.Contains(body, html.EscapeString(hv.value)) {
				t.Errorf("POST %s, %s in %s: accepted but not shown back escaped", route, hv.name, where)
			}
		case st < 400 && kind == fieldStored:
			if got := storedAnywhere(t, e, hv.value); got != stored+1 {
				t.Errorf("POST %s, %s in %s: accepted but not stored verbatim", route, hv.name, where)
			}
		case st < 400 && kind == fieldName:
			if got := storedAnywhere(t, e, hv.value); got != stored+1 {
				t.Errorf("POST %s, %s in %s: accepted but not stored verbatim", route, hv.name, where)
			}
			viewer, at := hc.c, res.Header.Get("Location")
			if show := routes["POST "+route].shows; show != nil {
				viewer, at = show(field, hv.value)
			}
			if _, page := viewer.get(at); strings.Contains(page, hv.value) || !strings.Contains(page, html.EscapeString(hv.value)) {
				t.Errorf("POST %s, %s in %s: %s does not show it escaped", route, hv.name, where, at)
			}
		case st >= 400:
			after := tableCounts(t, e)
			for _, tb := range counted {
				if tb == "login_throttles" && (mayAccept || format) {
					continue // a wrong password may count as a failed attempt
				}
				if after[tb] != before[tb] {
					t.Errorf("POST %s, %s in %s: refused (%d) but %s went from %d to %d rows", route, hv.name, where, st, tb, before[tb], after[tb])
				}
			}
			if !mayAccept && !format {
				if n := e.writes.n.Load() - writes; n != 0 {
					t.Errorf("POST %s, %s in %s: refused (%d) after %d writes", route, hv.name, where, st, n)
				}
			}
		}
	}

	for _, route := range posts {
		r := routes["POST "+route]
		base := r.setup()
		fields := make([]string, 0, len(base.form))
		for f := range base.form {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			for _, hv := range hostileValues {
				if hv.meta { // unique, so the checks below find this value and no other
					hv.value += " " + pgtest.Unique("#")
				}
				hc := r.setup()
				hc.form = cloneForm(hc.form)
				hc.form[f] = []string{hv.value}
				post(route, hc, f, hv)
			}
		}
		for p := range base.params {
			for _, hv := range hostileValues {
				if len(hv.value) > 1000 {
					continue // a URL of a megabyte is refused by the HTTP server itself
				}
				hc := r.setup()
				hc.params[p] = url.PathEscape(hv.value)
				post(route, hc, "", hv)
			}
		}
		// The valid call succeeds: the refusals above were the hostile values' doing.
		hc := r.setup()
		if res, body := hc.c.post(fillPattern(route, hc.params), hc.form); res.StatusCode >= 400 {
			t.Errorf("POST %s with valid input: %d\n%.300s", route, res.StatusCode, body)
		}
	}

	// GET routes: hostile search boxes (?q= and ?filter=) and URL parameters.
	searches := map[string]bool{"/accounts": true, "/profile": true, "/a/{account}/members": true, "/org/{org}/users": true,
		"/a/{account}/activity": true, "/org/{org}/activity": true}
	// Lists in keyset pages take ?after=, the id of the account a page starts after.
	cursors := map[string]bool{"/accounts": true, "/profile": true}
	getParams := func(pattern string) map[string]string {
		tok, hash := auth.NewToken()
		must(s.CreatePasswordToken(ctx, newUser().ID, hash, time.Now().Add(time.Hour), "test"))
		switch {
		case strings.HasPrefix(pattern, "/invitations/"):
			_, _, _, tok = invitation()
		case strings.HasPrefix(pattern, "/reset-password/"):
			tok = resetToken(t, e, newUser())
		case strings.HasPrefix(pattern, "/confirm-email/"):
			tok = emailChangeToken(t, e, newUser())
		case strings.HasPrefix(pattern, "/sso/link/"):
			tok = e.ssoLinkToken(oidcConn, newUser())
		}
		return map[string]string{"account": w.AccA1.Slug, "org": w.OrgA.Slug, "user": ids(w.Viewer.ID), "role": ids(newRole()),
			"campaign": ids(newCampaign()), "list": ids(newList()), "token": tok, "connection": ids(samlConn.ID)}
	}
	getAs := func(pattern string) *client {
		switch {
		case strings.HasPrefix(pattern, "/staff/"):
			return staff
		case strings.HasPrefix(pattern, "/login") || strings.HasPrefix(pattern, "/set-password/") ||
			strings.HasPrefix(pattern, "/reset-password/") || strings.HasPrefix(pattern, "/confirm-email/"):
			return e.client()
		}
		return owner
	}
	get := func(pattern, path, what string, want func(int) bool) {
		t.Helper()
		before, writes := tableCounts(t, e), e.writes.n.Load()
		res, body := getAs(pattern).get(path)
		if !want(res.StatusCode) {
			t.Errorf("GET %s with %s: %d\n%.300s", pattern, what, res.StatusCode, body)
		}
		if after := tableCounts(t, e); fmt.Sprint(after) != fmt.Sprint(before) || e.writes.n.Load() != writes {
			t.Errorf("GET %s with %s wrote to the database", pattern, what)
		}
	}
	long := hostileValue{name: "long search", value: strings.Repeat("é", 5000), searchable: true}
	for _, pattern := range gets {
		params := getParams(pattern)
		path := fillPattern(pattern, params)
		res, _ := getAs(pattern).get(path)
		baseStatus := res.StatusCode
		if baseStatus >= 400 {
			t.Errorf("GET %s: %d with valid parameters", pattern, baseStatus)
		}
		for _, hv := range append(hostileValues, long) {
			if len(hv.value) > 1<<16 {
				continue
			}
			q := url.QueryEscape(hv.value)
			want := func(st int) bool { return st == baseStatus }
			if searches[pattern] && !hv.searchable {
				want = func(st int) bool { return st >= 400 && st < 500 }
			}
			get(pattern, path+"?q="+q+"&filter="+q, hv.name+" in the search box", want)
			if cursors[pattern] {
				get(pattern, path+"?after="+q, hv.name+" as ?after=", func(st int) bool { return st >= 400 && st < 500 })
			}
			for p := range params {
				if !strings.Contains(pattern, "{"+p+"}") {
					continue
				}
				bad := map[string]string{}
				for k, v := range params {
					bad[k] = v
				}
				bad[p] = url.PathEscape(hv.value)
				get(pattern, fillPattern(pattern, bad), hv.name+" as {"+p+"}", func(st int) bool { return st >= 400 && st < 500 })
			}
		}
	}
}

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}
