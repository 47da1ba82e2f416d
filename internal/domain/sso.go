package domain

import "time"

// SSO protocols a connection speaks.
const (
	ProtocolOIDC = "oidc"
	ProtocolSAML = "saml"
)

// SSOConnection is an organisation's single sign-on connection to an identity
// provider. Several accounts of the organisation may use it. Secrets stay sealed here
// (ClientSecret, SPKey); only the app opens them.
type SSOConnection struct {
	ID             int64
	OrganisationID int64
	Name           string
	Protocol       string // ProtocolOIDC or ProtocolSAML
	// OpenID Connect.
	Issuer       string
	ClientID     string
	ClientSecret []byte // sealed; nil when none
	Scopes       string // space-separated, beyond "openid"
	// SAML: the identity provider's metadata, from a URL or pasted; this service
	// provider's signing key (sealed) and certificate (DER).
	IdPMetadataURL string
	IdPMetadataXML string
	SPKey          []byte
	SPCertificate  []byte
	// ConfigChangedAt is when the settings last changed; a test older than that no
	// longer counts.
	ConfigChangedAt time.Time
	// The last "Test connection": by whom (0: none), when, whether it succeeded, what
	// failed.
	TestedBy     int64
	TestedAt     *time.Time
	TestedOK     bool
	TestedDetail string
	// Accounts names the organisation's accounts that use the connection (lists only).
	Accounts []string
}

// SSOIdentity is a user's identity at a connection, keyed by the provider's subject.
type SSOIdentity struct {
	ConnectionID int64
	Subject      string
	UserID       int64
	Email        string
}
