package pages

import (
	"atrium/internal/domain"
	"atrium/web"
)

// ConnectionInput is a connection form's values.
type ConnectionInput = struct {
	Name         string
	Protocol     string
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       string
	MetadataURL  string
	MetadataXML  string
}

// ConnectionProps is a new connection's form, or an existing connection's page: its
// settings, this server's addresses for the identity provider's admin, its last test.
type ConnectionProps struct {
	Shell      web.Shell
	Account    domain.Account
	Connection domain.SSOConnection // ID 0: a new connection
	Input      ConnectionInput
	Errors     map[string]string
	// This server's addresses for the connection.
	Callback, ACS, Metadata, EntityID string
}

// SSOLinkProps asks a user to confirm linking an identity provider's sign-in.
type SSOLinkProps struct {
	Connection    string
	ProviderEmail string
	UserEmail     string
	HasPassword   bool
	PasswordError string
}

// SSOLinkConfirmProps is the page of an emailed link confirmation.
type SSOLinkConfirmProps struct {
	Action        string
	Connection    string
	ProviderEmail string
	UserEmail     string
}
