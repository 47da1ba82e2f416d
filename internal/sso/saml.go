package sso

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAMLSettings configure a SAML connection: this service provider's entity id, ACS and
// metadata URLs and its key pair, and the identity provider's metadata.
type SAMLSettings struct {
	EntityID    string
	ACSURL      string
	MetadataURL string
	// KeyDER is this service provider's RSA key (PKCS #8 DER), CertificateDER its
	// self-signed certificate.
	KeyDER         []byte
	CertificateDER []byte
	IdPMetadata    []byte
	// Now is the clock assertions are checked against (nil: the real one).
	Now func() time.Time
}

// SAML is one connection's service provider.
type SAML struct {
	sp *saml.ServiceProvider
}

// maxMetadata bounds the identity provider metadata read from a URL.
const maxMetadata = 200_000

// FetchSAMLMetadata fetches an identity provider's metadata through client and checks
// it as CheckSAMLMetadata does. Errors wrap ErrMetadata.
func FetchSAMLMetadata(ctx context.Context, client *http.Client, metadataURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadata, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", ErrMetadata, metadataURL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadata, err)
	}
	if len(b) > maxMetadata {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMetadata, maxMetadata)
	}
	if _, err := parseIdPMetadata(b); err != nil {
		return nil, err
	}
	return b, nil
}

// CheckSAMLMetadata reports whether b is identity provider metadata with a
// single sign-on service; errors wrap ErrMetadata.
func CheckSAMLMetadata(b []byte) error {
	_, err := parseIdPMetadata(b)
	return err
}

// parseIdPMetadata parses identity provider metadata and checks that it names a
// single sign-on service with the HTTP-Redirect binding, the one AuthRequest sends the
// browser to. Errors wrap ErrMetadata.
func parseIdPMetadata(b []byte) (*saml.EntityDescriptor, error) {
	md, err := samlsp.ParseMetadata(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadata, err)
	}
	sp := saml.ServiceProvider{IDPMetadata: md}
	if sp.GetSSOBindingLocation(saml.HTTPRedirectBinding) == "" {
		return nil, fmt.Errorf("%w: it names no single sign-on service with the HTTP-Redirect binding", ErrMetadata)
	}
	return md, nil
}

// NewSAML builds the service provider of one connection. Errors wrap ErrMetadata.
func NewSAML(s SAMLSettings) (*SAML, error) {
	md, err := parseIdPMetadata(s.IdPMetadata)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(s.KeyDER)
	if err != nil {
		return nil, fmt.Errorf("sso: service provider key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("sso: service provider key is not RSA")
	}
	cert, err := x509.ParseCertificate(s.CertificateDER)
	if err != nil {
		return nil, fmt.Errorf("sso: service provider certificate: %w", err)
	}
	acs, err := url.Parse(s.ACSURL)
	if err != nil {
		return nil, err
	}
	mdURL, err := url.Parse(s.MetadataURL)
	if err != nil {
		return nil, err
	}
	sp := &saml.ServiceProvider{
		EntityID: s.EntityID, Key: rsaKey, Certificate: cert, AcsURL: *acs, MetadataURL: *mdURL, IDPMetadata: md,
		AuthnNameIDFormat: saml.UnspecifiedNameIDFormat,
		// Only answers to our own requests; HTTP-POST only: no artifact resolution.
		AllowIDPInitiated:                false,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		RejectSHA1Signatures:             true,
		RequireSignedResponseForCBC:      true,
	}
	if s.Now != nil {
		sp.Clock = dsig.NewFakeClockAt(s.Now())
	}
	return &SAML{sp: sp}, nil
}

// AuthRequest makes an authentication request and returns where to send the browser
// (HTTP-Redirect binding; the answer comes back to the ACS by HTTP-POST) and the
// request's id, which the answer must name.
func (s *SAML) AuthRequest(relayState string) (string, string, error) {
	req, err := s.sp.MakeAuthenticationRequest(s.sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding,
		saml.HTTPPostBinding)
	if err != nil {
		return "", "", err
	}
	u, err := req.Redirect(relayState, s.sp)
	if err != nil {
		return "", "", err
	}
	return u.String(), req.ID, nil
}

// Metadata is this service provider's metadata, for the identity provider's admin.
func (s *SAML) Metadata() ([]byte, error) {
	return xml.MarshalIndent(s.sp.Metadata(), "", "  ")
}

// InResponseTo reads, without checking anything, which request the base64 SAMLResponse
// form value answers: the caller looks that request up, then calls Verify.
func InResponseTo(samlResponse string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(samlResponse))
	if err != nil {
		return "", fmt.Errorf("%w: not base64", ErrAssertion)
	}
	var r struct {
		InResponseTo string `xml:"InResponseTo,attr"`
	}
	if err := xml.Unmarshal(raw, &r); err != nil || r.InResponseTo == "" {
		return "", fmt.Errorf("%w: it answers no request of ours", ErrAssertion)
	}
	return r.InResponseTo, nil
}

// Consume records an accepted assertion id until it would expire anyway, and returns
// an error wrapping ErrReplay when it was recorded before (the replay cache).
type Consume func(assertionID string, until time.Time) error

// Verify checks a base64 SAMLResponse posted to the ACS as the answer to requestID:
// signed by the identity provider's key from its metadata (an unsigned one is
// refused), issued by it, for our entity id (audience), to our ACS, within its
// validity window, answering requestID, and not seen before (consume). It returns the
// subject (NameID) and the email and name attributes. Errors wrap ErrAssertion or
// ErrReplay.
func (s *SAML) Verify(samlResponse, requestID string, consume Consume) (Claims, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(samlResponse))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: not base64", ErrAssertion)
	}
	// A copy per call: concurrent answers to one connection each consume through
	// their own function, and s stays unchanged.
	sp := *s.sp
	sp.ReplayCache = replayFunc(consume)
	a, err := sp.ParseXMLResponse(raw, []string{requestID}, sp.AcsURL)
	if err != nil {
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) {
			err = ire.PrivateErr
		}
		if errors.Is(err, saml.ErrAssertionReplayed) || errors.Is(err, ErrReplay) {
			return Claims{}, fmt.Errorf("%w: %v", ErrReplay, err)
		}
		return Claims{}, fmt.Errorf("%w: %s", ErrAssertion, samlReason(err))
	}
	c := Claims{}
	if a.Subject != nil && a.Subject.NameID != nil {
		c.Subject = strings.TrimSpace(a.Subject.NameID.Value)
	}
	if c.Subject == "" {
		return Claims{}, ErrSubject
	}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if len(at.Values) == 0 {
				continue
			}
			v := strings.TrimSpace(at.Values[0].Value)
			switch strings.ToLower(at.Name) {
			case "email", "mail", "emailaddress", "urn:oid:0.9.2342.19200300.100.1.3",
				"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress":
				c.Email = v
			case "name", "displayname", "cn", "urn:oid:2.16.840.1.113730.3.1.241", "urn:oid:2.5.4.3":
				c.Name = v
			}
		}
	}
	c.EmailVerified = c.Email != ""
	return c, nil
}

// samlReason says in a few words what a refused answer lacked.
func samlReason(err error) string {
	switch {
	case errors.Is(err, saml.ErrInvalidSignature), errors.Is(err, saml.ErrUntrustedCertificate),
		strings.Contains(err.Error(), "signature element not present"): // crewjam leaves this one unclassified
		return "it is not signed by the identity provider's key"
	case errors.Is(err, saml.ErrAudienceMismatch):
		return "it is meant for another service provider (audience)"
	case errors.Is(err, saml.ErrExpired):
		return "it has expired"
	case errors.Is(err, saml.ErrNotYetValid):
		return "it is not valid yet"
	case errors.Is(err, saml.ErrRequestIDMismatch):
		return "it answers another request"
	case errors.Is(err, saml.ErrIssuerMismatch):
		return "it comes from another identity provider"
	case errors.Is(err, saml.ErrDestinationMismatch):
		return "it was sent to another address"
	case errors.Is(err, saml.ErrMissingElement):
		return "it lacks a required part (a signature, a subject or its conditions)"
	}
	return "it could not be verified"
}

type replayFunc Consume

func (f replayFunc) Consume(id string, until time.Time) error {
	if err := f(id, until); err != nil {
		if errors.Is(err, ErrReplay) {
			return saml.ErrAssertionReplayed
		}
		return err
	}
	return nil
}

// NewSPKeyPair returns a fresh RSA key for a service provider (PKCS #8 DER) and a
// self-signed certificate for it (DER), valid for ten years.
func NewSPKeyPair(commonName string) (keyDER, certDER []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: commonName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	certDER, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err = x509.MarshalPKCS8PrivateKey(key)
	return keyDER, certDER, err
}
