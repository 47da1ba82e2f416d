// Package devidp is a small OpenID provider for development and tests, built on
// zitadel's certified provider library (pkg/op): discovery, authorisation with PKCE,
// the token endpoint and signed ID tokens are the library's; this package only keeps
// its clients and identities in memory and shows a login page that lists the
// identities to sign in as (no passwords: anyone who can reach it signs in as anyone).
// It must never be served outside development.
package devidp

import (
	"crypto/rand"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// Identity is someone the provider can sign in.
type Identity struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// Client is a relying party registered at the provider. RedirectURIs may hold
// patterns (path.Match, e.g. "http://localhost:8080/sso/*/callback").
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// Provider is the OpenID provider: an http.Handler to serve at its issuer's path.
type Provider struct {
	issuer  string
	storage *storage
	op      http.Handler
}

// New returns a provider whose issuer is issuer (an http or https URL; the handler
// expects paths with the issuer's path stripped).
func New(issuer string, clients []Client, identities []Identity) (*Provider, error) {
	issuer = strings.TrimSuffix(issuer, "/")
	p := &Provider{issuer: issuer}
	st, err := newStorage(func(id string) string { return issuer + "/login?" + url.Values{"id": {id}}.Encode() })
	if err != nil {
		return nil, err
	}
	p.storage = st
	for _, c := range clients {
		p.AddClient(c)
	}
	st.identities = append(st.identities, identities...)
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, err
	}
	o, err := op.NewProvider(&op.Config{CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true,
		SupportedScopes: []string{"openid", "email", "profile"}}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	p.op = o
	return p, nil
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// AddClient registers (or replaces) a client.
func (p *Provider) AddClient(c Client) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.clients[c.ID] = &client{c: c, loginURL: p.storage.loginURL}
}

// AddIdentity adds someone to sign in as.
func (p *Provider) AddIdentity(i Identity) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.identities = append(p.storage.identities, i)
}

// ServeHTTP serves the provider's endpoints and its login page (/login).
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/login" {
		p.login(w, r)
		return
	}
	p.op.ServeHTTP(w, r)
}

// login lists the identities (GET) and signs the auth request in as the one chosen
// (POST), then sends the browser back through the library's callback.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("id")
	st := p.storage
	st.mu.Lock()
	ar, ok := st.requests[id]
	if !ok || time.Since(ar.created) > 10*time.Minute {
		st.mu.Unlock()
		http.Error(w, "This sign-in request is unknown or has expired. Start again from the application.", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodPost {
		who, found := st.identity(r.PostFormValue("subject"))
		if !found {
			st.mu.Unlock()
			http.Error(w, "Unknown identity.", http.StatusBadRequest)
			return
		}
		ar.subject, ar.done, ar.authAt = who.Subject, true, time.Now()
		st.mu.Unlock()
		http.Redirect(w, r, p.issuer+"/authorize/callback?"+url.Values{"id": {id}}.Encode(), http.StatusFound)
		return
	}
	data := struct {
		ID, Client string
		Identities []Identity
	}{ID: id, Client: ar.req.ClientID, Identities: append([]Identity(nil), st.identities...)}
	st.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, data)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development identity provider</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body class="plain"><main class="card narrow-page devidp">
<p class="eyebrow">Development identity provider</p>
<h1>Sign in as…</h1>
<p class="muted">This stands in for an organisation's identity provider while developing Atrium. It asks no password: choose who you are.</p>
<form method="post" class="stack">
<input type="hidden" name="id" value="{{.ID}}">
{{range .Identities}}<button type="submit" name="subject" value="{{.Subject}}" class="idp-identity">{{.Name}} &lt;{{.Email}}&gt;</button>
{{end}}</form>
<p class="muted small-text">Client: {{.Client}}</p>
</main></body></html>`))

// SignIn plays a browser signing in as subject: it follows authURL (the relying
// party's redirect to the provider) through the login page to the redirect back to the
// relying party, and returns that URL without following it. jar-less client c must not
// follow redirects by itself (CheckRedirect returning http.ErrUseLastResponse).
// Tests and benchmarks use it.
func SignIn(c *http.Client, authURL, subject string) (*url.URL, error) {
	next := authURL
	for range 6 {
		var resp *http.Response
		var err error
		u, perr := url.Parse(next)
		if perr != nil {
			return nil, perr
		}
		if u.Path != "" && strings.HasSuffix(u.Path, "/login") && u.Query().Get("id") != "" {
			resp, err = c.PostForm(u.Scheme+"://"+u.Host+u.Path, url.Values{"id": {u.Query().Get("id")}, "subject": {subject}})
		} else {
			resp, err = c.Get(next)
		}
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return nil, errors.New("devidp: the provider answered " + resp.Status + " without a redirect")
		}
		if !strings.HasPrefix(loc.String(), issuerOf(authURL)) {
			return loc, nil
		}
		next = loc.String()
	}
	return nil, errors.New("devidp: too many redirects")
}

// issuerOf is the issuer of the provider's authorisation URL u, with a final slash.
func issuerOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host + strings.TrimSuffix(p.Path, "/authorize") + "/"
}
