// Package sso holds Atrium's single sign-on adapters: OpenID Connect (code flow with
// PKCE, state and nonce, through go-oidc and x/oauth2) and SAML 2.0 (SP-initiated,
// through crewjam/saml). It speaks to identity providers and checks what they answer;
// it keeps nothing (no SQL): the app stores connections, identities, requests and the
// replay cache.
package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"atrium/internal/auth"
)

// Claims are what an identity provider asserts about who signed in.
type Claims struct {
	// Subject is the provider's stable identifier of the person (OIDC "sub", SAML
	// NameID): identities are keyed by it, never by email.
	Subject string
	Email   string
	// EmailVerified says the provider vouches for Email (OIDC email_verified; SAML
	// providers assert only addresses they manage, so true there when an email is given).
	EmailVerified bool
	Name          string
}

// What can fail, for the pages that say so. Errors of this package wrap one of them.
var (
	ErrDiscovery = errors.New("the identity provider's configuration could not be fetched")
	ErrState     = errors.New("the sign-in answer does not belong to this browser's sign-in (state)")
	ErrProvider  = errors.New("the identity provider refused the sign-in")
	ErrExchange  = errors.New("the authorisation code could not be exchanged")
	ErrIDToken   = errors.New("the ID token is not valid for this connection")
	ErrNonce     = errors.New("the ID token was not issued for this sign-in (nonce)")
	ErrSubject   = errors.New("the identity provider named no subject")
	ErrMetadata  = errors.New("the identity provider's SAML metadata could not be read")
	ErrAssertion = errors.New("the SAML answer was refused")
	ErrReplay    = errors.New("the SAML answer has been used already")
)

// OIDCSettings configure an OpenID Connect connection.
type OIDCSettings struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Scopes beyond "openid" (e.g. "email", "profile").
	Scopes      []string
	RedirectURL string
}

// OIDC is a discovered OpenID Connect provider for one connection. It is safe for
// concurrent use and meant to be kept: it caches the provider's signing keys.
type OIDC struct {
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
	ctx      context.Context // carries the HTTP client to every request to the provider
}

// DiscoverOIDC fetches the provider's discovery document (its issuer must be s.Issuer)
// through client. Errors wrap ErrDiscovery.
func DiscoverOIDC(ctx context.Context, client *http.Client, s OIDCSettings) (*OIDC, error) {
	cctx := oidc.ClientContext(context.WithoutCancel(ctx), client)
	dctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, client), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, s.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	scopes := []string{oidc.ScopeOpenID}
	for _, sc := range s.Scopes {
		if sc != "" && sc != oidc.ScopeOpenID {
			scopes = append(scopes, sc)
		}
	}
	return &OIDC{
		config: oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: s.RedirectURL, Scopes: scopes},
		// Checks the signature against the provider's keys, the issuer, the audience
		// (our client id) and the expiry.
		verifier: p.VerifierContext(cctx, &oidc.Config{ClientID: s.ClientID}),
		ctx:      cctx,
	}, nil
}

// Challenge is what one sign-in keeps between sending the browser to the provider
// and its return: state (binds the answer to this browser), nonce (binds the ID token
// to this sign-in) and the PKCE verifier (binds the code to this sign-in).
type Challenge struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// NewChallenge returns fresh random values (128 bits or more each).
func NewChallenge() Challenge {
	s, _ := auth.NewToken()
	n, _ := auth.NewToken()
	return Challenge{State: s, Nonce: n, Verifier: oauth2.GenerateVerifier()}
}

// AuthURL is where the browser goes to sign in: the code flow with state, nonce and
// the S256 PKCE challenge.
func (o *OIDC) AuthURL(ch Challenge) string {
	return o.config.AuthCodeURL(ch.State, oidc.Nonce(ch.Nonce), oauth2.S256ChallengeOption(ch.Verifier))
}

// CheckState compares the state the browser came back with to the challenge's, in
// constant time; ErrState when they differ or either is empty.
func CheckState(ch Challenge, got string) error {
	if ch.State == "" || got == "" || subtle.ConstantTimeCompare([]byte(ch.State), []byte(got)) != 1 {
		return ErrState
	}
	return nil
}

// Finish completes a sign-in the browser came back from with code: it exchanges the
// code with the challenge's PKCE verifier, then checks the ID token (VerifyIDToken).
// The caller has checked the state (CheckState). A challenge without a verifier is
// refused before anything is sent.
func (o *OIDC) Finish(ctx context.Context, code string, ch Challenge) (Claims, error) {
	if ch.Verifier == "" {
		return Claims{}, fmt.Errorf("%w: no PKCE verifier kept for this sign-in", ErrExchange)
	}
	if code == "" {
		return Claims{}, fmt.Errorf("%w: no code", ErrProvider)
	}
	xctx, cancel := context.WithTimeout(o.ctx, 10*time.Second)
	defer cancel()
	tok, err := o.config.Exchange(xctx, code, oauth2.VerifierOption(ch.Verifier))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrExchange, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Claims{}, fmt.Errorf("%w: the token response has no ID token", ErrIDToken)
	}
	return o.VerifyIDToken(ctx, raw, ch.Nonce)
}

// VerifyIDToken checks a raw ID token: signed by the provider's keys, issued by its
// issuer, for our client id, not expired, and carrying nonce. It returns its claims.
func (o *OIDC) VerifyIDToken(ctx context.Context, raw, nonce string) (Claims, error) {
	t, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(nonce)) != 1 {
		return Claims{}, ErrNonce
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := t.Claims(&c); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	if t.Subject == "" {
		return Claims{}, ErrSubject
	}
	verified := false
	switch v := c.EmailVerified.(type) {
	case bool:
		verified = v
	case string: // some providers send "true"
		verified = strings.EqualFold(v, "true")
	}
	return Claims{Subject: t.Subject, Email: strings.TrimSpace(c.Email), EmailVerified: verified, Name: strings.TrimSpace(c.Name)}, nil
}
