package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"atrium/internal/domain"
	"atrium/internal/sso"
	"atrium/internal/store"
)

// A round trip through a connection's identity provider: SSOStart says where to send
// the browser and returns the flow to keep in the browser's session; the answer comes
// back to FinishOIDC (the callback, with the flow) or, for SAML, to SAMLAnswer (the
// ACS, without the session: a cross-site POST) and then SAMLResult (with the flow).
// Either gives the provider's verified claims; what they are used for (a sign-in, a
// step-up, a test) is the caller's.

// Flow purposes.
const (
	FlowSignIn = "signin"
	FlowStepUp = "stepup"
	FlowReauth = "reauth"
	FlowTest   = "test"
	FlowInvite = "invite"
)

// SSOFlow is one round trip under way, kept in the browser's session.
type SSOFlow struct {
	ConnectionID int64         `json:"connection_id"`
	Protocol     string        `json:"protocol"`
	Purpose      string        `json:"purpose"`
	Challenge    sso.Challenge `json:"challenge"`
	RequestID    string        `json:"request_id,omitempty"`
	Until        time.Time     `json:"until"`
	// What the purpose needs afterwards: the account (step-up, test), the page to go on
	// to, the invitation token.
	AccountSlug string `json:"account,omitempty"`
	Next        string `json:"next,omitempty"`
	Token       string `json:"token,omitempty"`
}

// FlowLife bounds a round trip.
const FlowLife = 10 * time.Minute

// ErrSSOFailed is what a refused provider answer shows (with what failed appended by
// SSOFailure).
var ErrSSOFailed = domain.Errorf(domain.EUNAUTHORISED, "Single sign-on did not complete.")

// SSOFailure turns an adapter error into the message a page shows: what failed, in
// words, never the provider's raw answer.
func SSOFailure(err error) error {
	var e *domain.Error
	if errors.As(err, &e) {
		return err
	}
	// A refused address says only why, not the request that was refused.
	var private *sso.PrivateAddressError
	refusal := ""
	switch {
	case errors.As(err, &private):
		refusal = private.Error()
	case errors.Is(err, sso.ErrScheme):
		refusal = sso.ErrScheme.Error()
	}
	if refusal != "" {
		for _, k := range []error{sso.ErrDiscovery, sso.ErrMetadata, sso.ErrExchange} {
			if errors.Is(err, k) {
				refusal = k.Error() + ": " + refusal
				break
			}
		}
		return &domain.Error{Code: domain.EUNAUTHORISED, Message: "Single sign-on did not complete: " + clip(refusal, 300) + "."}
	}
	for _, k := range []error{sso.ErrDiscovery, sso.ErrState, sso.ErrProvider, sso.ErrExchange, sso.ErrIDToken, sso.ErrNonce,
		sso.ErrSubject, sso.ErrMetadata, sso.ErrAssertion, sso.ErrReplay} {
		if errors.Is(err, k) {
			msg := err.Error()
			if k == sso.ErrAssertion || k == sso.ErrReplay || k == sso.ErrState || k == sso.ErrNonce || k == sso.ErrSubject {
				msg = k.Error()
				if k == sso.ErrAssertion {
					msg = err.Error() // names what the answer lacked, nothing of its content
				}
			}
			return &domain.Error{Code: domain.EUNAUTHORISED, Message: "Single sign-on did not complete: " + clip(msg, 300) + "."}
		}
	}
	return err
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// providers caches discovered OpenID providers and SAML service providers by
// connection, for as long as the connection's settings stay the same (providerTTL at
// most), so a sign-in costs no discovery round trip.
type providers struct {
	mu sync.Mutex
	m  map[int64]cachedProvider
}

type cachedProvider struct {
	changed time.Time
	at      time.Time
	oidc    *sso.OIDC
	saml    []byte // fetched metadata
}

const providerTTL = 10 * time.Minute

func (a *App) forgetProvider(id int64) {
	a.ssoCache.mu.Lock()
	delete(a.ssoCache.m, id)
	a.ssoCache.mu.Unlock()
}

// SetSSOPrivateNetworks says whether identity providers may be fetched from private
// networks (loopback, RFC 1918, link-local …): ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS, or
// ATRIUM_DEV, whose development identity provider is this server. Refused unless set.
func (a *App) SetSSOPrivateNetworks(allow bool) { a.ssoClient = sso.NewClient(allow) }

// httpClient is the client that reaches identity providers: by default one that
// refuses private networks (sso.NewClient).
func (a *App) httpClient() *sso.Client { return a.ssoClient }

// oidcOf returns the connection's discovered provider, from the cache when fresh.
func (a *App) oidcOf(ctx context.Context, c domain.SSOConnection, fresh bool) (*sso.OIDC, error) {
	a.ssoCache.mu.Lock()
	cp, ok := a.ssoCache.m[c.ID]
	a.ssoCache.mu.Unlock()
	if ok && !fresh && cp.oidc != nil && cp.changed.Equal(c.ConfigChangedAt) && a.now().Sub(cp.at) < providerTTL {
		return cp.oidc, nil
	}
	secret := ""
	if c.ClientSecret != nil {
		if a.sealer == nil {
			return nil, errNoSecretKey
		}
		b, err := a.sealer.Open(c.ClientSecret, secretContext("client-secret", c.OrganisationID))
		if err != nil {
			return nil, err
		}
		secret = string(b)
	}
	o, err := sso.DiscoverOIDC(ctx, a.httpClient(), sso.OIDCSettings{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret,
		Scopes: strings.Fields(c.Scopes), RedirectURL: a.URLsOf(c.ID).Callback})
	if err != nil {
		return nil, err
	}
	a.ssoCache.mu.Lock()
	if a.ssoCache.m == nil {
		a.ssoCache.m = map[int64]cachedProvider{}
	}
	a.ssoCache.m[c.ID] = cachedProvider{changed: c.ConfigChangedAt, at: a.now(), oidc: o}
	a.ssoCache.mu.Unlock()
	return o, nil
}

// samlOf builds the connection's service provider, fetching the identity provider's
// metadata from its address when it has one (cached like OIDC discovery).
func (a *App) samlOf(ctx context.Context, c domain.SSOConnection, fresh bool) (*sso.SAML, error) {
	md := []byte(c.IdPMetadataXML)
	if c.IdPMetadataURL != "" {
		a.ssoCache.mu.Lock()
		cp, ok := a.ssoCache.m[c.ID]
		a.ssoCache.mu.Unlock()
		if ok && !fresh && cp.saml != nil && cp.changed.Equal(c.ConfigChangedAt) && a.now().Sub(cp.at) < providerTTL {
			md = cp.saml
		} else {
			b, err := sso.FetchSAMLMetadata(ctx, a.httpClient(), c.IdPMetadataURL)
			if err != nil {
				return nil, err
			}
			md = b
			a.ssoCache.mu.Lock()
			if a.ssoCache.m == nil {
				a.ssoCache.m = map[int64]cachedProvider{}
			}
			a.ssoCache.m[c.ID] = cachedProvider{changed: c.ConfigChangedAt, at: a.now(), saml: b}
			a.ssoCache.mu.Unlock()
		}
	}
	if a.sealer == nil {
		return nil, errNoSecretKey
	}
	key, err := a.sealer.Open(c.SPKey, secretContext("sp-key", c.OrganisationID))
	if err != nil {
		return nil, err
	}
	u := a.URLsOf(c.ID)
	return sso.NewSAML(sso.SAMLSettings{EntityID: u.EntityID, ACSURL: u.ACS, MetadataURL: u.Metadata, KeyDER: key,
		CertificateDER: c.SPCertificate, IdPMetadata: md, Now: a.now})
}

// SSOStart begins a round trip through connection id for purpose: it returns the flow
// to keep and where to send the browser. A SAML request is recorded for the ACS to
// find. ENOTFOUND for an unknown connection; an unreachable provider gives
// SSOFailure's error.
func (a *App) SSOStart(ctx context.Context, id int64, purpose string) (SSOFlow, string, error) {
	c, err := a.store.SSOConnectionByID(ctx, id)
	if err != nil {
		return SSOFlow{}, "", err
	}
	return a.startFlow(ctx, c, purpose, false)
}

func (a *App) startFlow(ctx context.Context, c domain.SSOConnection, purpose string, fresh bool) (SSOFlow, string, error) {
	f := SSOFlow{ConnectionID: c.ID, Protocol: c.Protocol, Purpose: purpose, Until: a.now().Add(FlowLife)}
	if c.Protocol == domain.ProtocolSAML {
		sp, err := a.samlOf(ctx, c, fresh)
		if err != nil {
			return f, "", SSOFailure(err)
		}
		to, reqID, err := sp.AuthRequest("")
		if err != nil {
			return f, "", err
		}
		if err := a.store.SaveSAMLRequest(ctx, c.ID, reqID, f.Until); err != nil {
			return f, "", err
		}
		f.RequestID = reqID
		return f, to, nil
	}
	o, err := a.oidcOf(ctx, c, fresh)
	if err != nil {
		return f, "", SSOFailure(err)
	}
	f.Challenge = sso.NewChallenge()
	return f, o.AuthURL(f.Challenge), nil
}

// errFlowGone answers a provider's return that this browser's session did not start,
// or started too long ago.
var errFlowGone = domain.Errorf(domain.EUNAUTHORISED, "This single sign-on answer does not belong to a sign-in started in this browser, "+
	"or it took too long. Please start again.")

// FinishOIDC checks the provider's return to the callback of connection id (the
// state and code it sent, or the error it named) against the flow the session kept,
// and returns the verified claims.
func (a *App) FinishOIDC(ctx context.Context, f SSOFlow, id int64, state, code, providerError string) (sso.Claims, error) {
	if f.ConnectionID != id || f.Protocol != domain.ProtocolOIDC || !a.now().Before(f.Until) {
		return sso.Claims{}, errFlowGone
	}
	if err := sso.CheckState(f.Challenge, state); err != nil {
		return sso.Claims{}, SSOFailure(err)
	}
	if providerError != "" {
		return sso.Claims{}, &domain.Error{Code: domain.EUNAUTHORISED, Message: "Single sign-on did not complete: the identity provider answered " +
			clip(strings.Map(printable, providerError), 100) + "."}
	}
	c, err := a.store.SSOConnectionByID(ctx, id)
	if err != nil {
		return sso.Claims{}, err
	}
	o, err := a.oidcOf(ctx, c, false)
	if err != nil {
		return sso.Claims{}, SSOFailure(err)
	}
	claims, err := o.Finish(ctx, code, f.Challenge)
	if err != nil {
		return sso.Claims{}, SSOFailure(err)
	}
	return claims, nil
}

func printable(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}

// SAMLAnswer checks a SAMLResponse posted to connection id's ACS: it must answer an
// open request of that connection (sso_saml_requests), be signed by the identity
// provider, meant for us, within its validity window, and not replayed (the replay
// cache is in PostgreSQL, shared by every instance). The verified claims are left with
// the request for the session that made it (SAMLResult). It returns nothing else: the
// browser goes on to collect them.
func (a *App) SAMLAnswer(ctx context.Context, id int64, samlResponse string) error {
	reqID, err := sso.InResponseTo(samlResponse)
	if err != nil {
		return SSOFailure(err)
	}
	open, err := a.store.SAMLRequestOpen(ctx, id, reqID, a.now())
	if err != nil {
		return err
	}
	if !open {
		return errFlowGone
	}
	c, err := a.store.SSOConnectionByID(ctx, id)
	if err != nil {
		return err
	}
	sp, err := a.samlOf(ctx, c, false)
	if err != nil {
		return SSOFailure(err)
	}
	claims, err := sp.Verify(samlResponse, reqID, func(assertionID string, until time.Time) error {
		if err := a.store.ConsumeSAMLAssertion(ctx, id, assertionID, until); err != nil {
			if errors.Is(err, store.ErrReplayed) {
				return sso.ErrReplay
			}
			return err
		}
		return nil
	})
	if err != nil {
		return SSOFailure(err)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return err
	}
	if err := a.store.AnswerSAMLRequest(ctx, id, reqID, b, a.now()); err != nil {
		if store.IsNotFound(err) {
			return errFlowGone
		}
		return err
	}
	return nil
}

// SAMLResult collects the claims the ACS left for the flow's request (once).
func (a *App) SAMLResult(ctx context.Context, f SSOFlow, id int64) (sso.Claims, error) {
	if f.ConnectionID != id || f.Protocol != domain.ProtocolSAML || f.RequestID == "" || !a.now().Before(f.Until) {
		return sso.Claims{}, errFlowGone
	}
	b, err := a.store.TakeSAMLResult(ctx, id, f.RequestID)
	if store.IsNotFound(err) {
		return sso.Claims{}, errFlowGone
	} else if err != nil {
		return sso.Claims{}, err
	}
	var c sso.Claims
	if err := json.Unmarshal(b, &c); err != nil {
		return sso.Claims{}, err
	}
	return c, nil
}

// SAMLMetadata is connection id's service provider metadata; ENOTFOUND for an
// unknown connection or one that is not SAML.
func (a *App) SAMLMetadata(ctx context.Context, id int64) ([]byte, error) {
	c, err := a.store.SSOConnectionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Protocol != domain.ProtocolSAML {
		return nil, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	if a.sealer == nil {
		return nil, errNoSecretKey
	}
	key, err := a.sealer.Open(c.SPKey, secretContext("sp-key", c.OrganisationID))
	if err != nil {
		return nil, err
	}
	u := a.URLsOf(c.ID)
	// Metadata needs no identity provider: build the service provider with a
	// placeholder when the provider's metadata cannot be had right now.
	md := []byte(c.IdPMetadataXML)
	if len(md) == 0 {
		md = placeholderIdP
	}
	sp, err := sso.NewSAML(sso.SAMLSettings{EntityID: u.EntityID, ACSURL: u.ACS, MetadataURL: u.Metadata, KeyDER: key,
		CertificateDER: c.SPCertificate, IdPMetadata: md})
	if err != nil {
		sp, err = sso.NewSAML(sso.SAMLSettings{EntityID: u.EntityID, ACSURL: u.ACS, MetadataURL: u.Metadata, KeyDER: key,
			CertificateDER: c.SPCertificate, IdPMetadata: placeholderIdP})
		if err != nil {
			return nil, err
		}
	}
	return sp.Metadata()
}

var placeholderIdP = []byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:atrium:placeholder">
<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://placeholder.invalid/sso"/>
</IDPSSODescriptor></EntityDescriptor>`)

// SSOClaims are what an identity provider asserted, verified.
type SSOClaims = sso.Claims

// DeleteStaleSSO forgets SAML requests and accepted assertions past their expiry (the
// replay cache needs an assertion only until it would be refused as expired anyway)
// and emailed link confirmations a day past theirs; the server runs it periodically.
func (a *App) DeleteStaleSSO(ctx context.Context) error { return a.store.DeleteStaleSSO(ctx) }
