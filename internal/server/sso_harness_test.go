package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"atrium/internal/auth"
	"atrium/internal/devidp"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/sso"
)

// ssoIdP is a real OpenID provider (zitadel's op, through devidp) on loopback, with
// one client whose redirect URIs are any connection's callback at the test server.
type ssoIdP struct {
	*devidp.Provider
}

const (
	idpClientID     = "atrium-test"
	idpClientSecret = "atrium-test-secret"
)

func (e *env) idp(people ...devidp.Identity) ssoIdP {
	e.t.Helper()
	var p *devidp.Provider
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.ServeHTTP(w, r) }))
	e.t.Cleanup(srv.Close)
	var err error
	p, err = devidp.New(srv.URL, []devidp.Client{{ID: idpClientID, Secret: idpClientSecret,
		RedirectURIs: []string{e.URL + "/sso/*/callback"}}}, people)
	if err != nil {
		e.t.Fatal(err)
	}
	return ssoIdP{p}
}

// oidcConnection stores an OpenID Connect connection of org to the provider (its
// secret sealed as the app seals it).
func (e *env) oidcConnection(org domain.Organisation, name string, p ssoIdP) domain.SSOConnection {
	e.t.Helper()
	sealer, err := auth.NewSealer(pgtest.SecretKey)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.Store.CreateSSOConnection(context.Background(), domain.SSOConnection{OrganisationID: org.ID, Name: name,
		Protocol: domain.ProtocolOIDC, Issuer: p.Issuer(), ClientID: idpClientID, Scopes: "email profile",
		ClientSecret: sealer.Seal([]byte(idpClientSecret), "sso-client-secret:"+strconv.FormatInt(org.ID, 10))})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// ssoOnly makes the account sign in only through c (and require 2FA and apply its
// rules on entry when asked).
func (e *env) ssoOnly(acc domain.Account, c domain.SSOConnection, mfa, enforce bool) {
	e.t.Helper()
	if err := e.Store.SetAccountSecurity(context.Background(), acc.ID, "sso", c.ID, mfa, enforce); err != nil {
		e.t.Fatal(err)
	}
}

// linkIdentity links subject at c to u.
func (e *env) linkIdentity(c domain.SSOConnection, subject string, u domain.User) {
	e.t.Helper()
	if err := e.Store.LinkSSOIdentity(context.Background(), domain.SSOIdentity{ConnectionID: c.ID, Subject: subject, UserID: u.ID,
		Email: u.Email}); err != nil {
		e.t.Fatal(err)
	}
}

// toProvider takes the browser from a redirect to /login/sso (or any page that
// starts a round trip) to the provider, returning the provider's authorisation URL.
func (c *client) toProvider(path string) string {
	c.t.Helper()
	res, body := c.get(path)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || strings.HasPrefix(loc, "/") {
		c.t.Fatalf("GET %s: %d to %q, want a redirect to the provider\n%.400s", path, res.StatusCode, loc, body)
	}
	return loc
}

// atProvider signs in at the provider as subject and returns the path of the redirect
// back to Atrium (not yet followed).
func (c *client) atProvider(authURL, subject string) string {
	c.t.Helper()
	back, err := devidp.SignIn(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		authURL, subject)
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimPrefix(back.String(), c.e.URL)
}

// ssoLogin takes the email step and the provider round trip as subject, and returns
// the answer to the callback.
func (c *client) ssoLogin(email, subject string) (*http.Response, string) {
	c.t.Helper()
	return c.get(c.atProvider(c.emailToProvider(email), subject))
}

// emailToProvider takes the email step of a user whose favourite signs in through
// single sign-on, and returns the provider's authorisation URL it sends the browser to.
func (c *client) emailToProvider(email string) string {
	c.t.Helper()
	res, body := c.post("/login", url.Values{"email": {email}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || strings.HasPrefix(loc, "/") {
		c.t.Fatalf("email step: %d to %q, want the provider\n%.400s", res.StatusCode, loc, body)
	}
	return loc
}

func person(subject, email string) devidp.Identity {
	return devidp.Identity{Subject: subject, Email: email, EmailVerified: true, Name: "Person " + subject}
}

// testIdPMetadata is identity provider metadata for a connection that is never
// answered (its provider does not exist).
const testIdPMetadata = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.invalid/metadata">
<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.invalid/sso"/>
</IDPSSODescriptor></EntityDescriptor>`

// samlConnectionWithMetadata stores a SAML connection of org with the identity
// provider metadata md pasted in, and a key pair sealed as the app seals it.
func (e *env) samlConnectionWithMetadata(org domain.Organisation, name, md string) domain.SSOConnection {
	e.t.Helper()
	sealer, _ := auth.NewSealer(pgtest.SecretKey)
	keyDER, certDER, err := sso.NewSPKeyPair("Atrium " + name)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.Store.CreateSSOConnection(context.Background(), domain.SSOConnection{OrganisationID: org.ID, Name: name,
		Protocol: domain.ProtocolSAML, IdPMetadataXML: md,
		SPKey: sealer.Seal(keyDER, "sso-sp-key:"+strconv.FormatInt(org.ID, 10)), SPCertificate: certDER})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// ssoLinkToken issues an emailed-link token that links a new identity at c to u.
func (e *env) ssoLinkToken(c domain.SSOConnection, u domain.User) string {
	e.t.Helper()
	tok, hash := auth.NewToken()
	if err := e.Store.IssueSSOLinkToken(context.Background(), hash, domain.SSOIdentity{ConnectionID: c.ID,
		Subject: pgtest.Unique("subject"), UserID: u.ID, Email: u.Email}, time.Now().Add(time.Hour)); err != nil {
		e.t.Fatal(err)
	}
	return tok
}
