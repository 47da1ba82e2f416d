package app

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"atrium/internal/domain"
	"atrium/internal/sso"
	"atrium/internal/store"
)

// SSO connections belong to an organisation and may serve several of its accounts;
// each account's security settings pick one. They are managed from an account's
// security page (account.security), and only ever the account's own organisation's:
// another organisation's connection is ENOTFOUND.

// ConnectionInput is what an admin gives for a connection. A blank ClientSecret keeps
// the connection's secret when editing.
type ConnectionInput struct {
	Name         string
	Protocol     string
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       string
	MetadataURL  string
	MetadataXML  string
}

// ConnectionURLs are this server's addresses for a connection, for the identity
// provider's admin to copy.
type ConnectionURLs struct {
	Callback    string // OIDC redirect URI
	ACS         string // SAML assertion consumer service
	Metadata    string // SAML service provider metadata (also its entity id)
	EntityID    string
	RedirectURI string
}

// URLsOf returns the connection's addresses at this server.
func (a *App) URLsOf(id int64) ConnectionURLs {
	base := a.baseURL + "/sso/" + strconv.FormatInt(id, 10)
	return ConnectionURLs{Callback: base + "/callback", ACS: base + "/saml/acs", Metadata: base + "/saml/metadata",
		EntityID: base + "/saml/metadata", RedirectURI: base + "/callback"}
}

// SSOConnections lists the organisation's connections for the handle's account's
// security page (account.security).
func (a *App) SSOConnections(ctx context.Context, h Access) ([]domain.SSOConnection, error) {
	acc, err := a.securityAccess(h)
	if err != nil {
		return nil, err
	}
	return a.store.SSOConnectionsOf(ctx, acc.Account.OrganisationID)
}

// SSOConnection returns one of the organisation's connections (account.security);
// ENOTFOUND for any other.
func (a *App) SSOConnection(ctx context.Context, h Access, id int64) (domain.SSOConnection, error) {
	acc, err := a.securityAccess(h)
	if err != nil {
		return domain.SSOConnection{}, err
	}
	return a.store.SSOConnection(ctx, acc.Account.OrganisationID, id)
}

func (a *App) securityAccess(h Access) (domain.Access, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Access{}, err
	}
	if !access.Permissions.Has(domain.PermAccountSecurity) {
		return domain.Access{}, forbidden(domain.PermAccountSecurity)
	}
	return access, nil
}

// secretContext binds a sealed connection secret to its organisation and purpose.
func secretContext(kind string, orgID int64) string {
	return "sso-" + kind + ":" + strconv.FormatInt(orgID, 10)
}

// cleanConnection checks the input; errors are EINVALID on the field.
func cleanConnection(in ConnectionInput, creating bool) (ConnectionInput, error) {
	var err error
	if in.Name, err = cleanName("name", in.Name, 80); err != nil {
		return in, err
	}
	if creating && in.Protocol != domain.ProtocolOIDC && in.Protocol != domain.ProtocolSAML {
		return in, domain.FieldError("protocol", "Choose OpenID Connect or SAML.")
	}
	webURL := func(field, v string, required bool) (string, error) {
		v = strings.TrimSpace(v)
		if v == "" && !required {
			return "", nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(v) > 2000 || u.User != nil {
			return "", domain.FieldError(field, "Enter the full address, starting with https://.")
		}
		return v, nil
	}
	short := func(field, v, what string, max int, required bool) (string, error) {
		v = strings.TrimSpace(v)
		if required && v == "" {
			return "", domain.FieldError(field, "Enter the "+what+".")
		}
		if len(v) > max || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", domain.FieldError(field, "That is not a valid "+what+".")
		}
		return v, nil
	}
	switch in.Protocol {
	case domain.ProtocolOIDC:
		if in.Issuer, err = webURL("issuer", strings.TrimSuffix(strings.TrimSpace(in.Issuer), "/"), true); err != nil {
			return in, err
		}
		if in.ClientID, err = short("client_id", in.ClientID, "client id", 500, true); err != nil {
			return in, err
		}
		if !clientIDChars(in.ClientID) {
			return in, domain.FieldError("client_id", "A client id is letters, digits and . _ ~ : @ / + = - only.")
		}
		if len(in.ClientSecret) > 1000 || strings.ContainsFunc(in.ClientSecret, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			return in, domain.FieldError("client_secret", "A client secret is at most 1000 printable ASCII characters.")
		}
		scopes := strings.Fields(in.Scopes)
		if len(scopes) == 0 {
			scopes = []string{"email", "profile"}
		}
		for _, s := range scopes {
			if len(s) > 100 || !clientIDChars(s) {
				return in, domain.FieldError("scopes", "Scopes are words separated by spaces, such as: email profile.")
			}
		}
		in.Scopes = strings.Join(scopes, " ")
		in.MetadataURL, in.MetadataXML = "", ""
	case domain.ProtocolSAML:
		in.Issuer, in.ClientID, in.ClientSecret, in.Scopes = "", "", "", ""
		if in.MetadataURL, err = webURL("metadata_url", in.MetadataURL, false); err != nil {
			return in, err
		}
		in.MetadataXML = strings.TrimSpace(in.MetadataXML)
		if len(in.MetadataXML) > 200_000 || !utf8.ValidString(in.MetadataXML) {
			return in, domain.FieldError("metadata_xml", "That metadata is too long or not text.")
		}
		if in.MetadataURL == "" && in.MetadataXML == "" {
			return in, domain.FieldError("metadata_url", "Give the identity provider's metadata address, or paste its metadata below.")
		}
		if in.MetadataXML != "" {
			if err := sso.CheckSAMLMetadata([]byte(in.MetadataXML)); err != nil {
				return in, domain.FieldError("metadata_xml", "That is not identity provider metadata Atrium can use: "+err.Error()+".")
			}
		}
	}
	return in, nil
}

// CreateSSOConnection adds a connection to the organisation of the handle's account
// (account.security). A SAML connection gets its own service provider key pair; an
// OIDC client secret is sealed. Audited.
func (a *App) CreateSSOConnection(ctx context.Context, actor Actor, h Access, in ConnectionInput) (domain.SSOConnection, error) {
	access, err := a.securityAccess(h)
	if err != nil {
		return domain.SSOConnection{}, err
	}
	if a.sealer == nil {
		return domain.SSOConnection{}, errNoSecretKey
	}
	if in, err = cleanConnection(in, true); err != nil {
		return domain.SSOConnection{}, err
	}
	org := access.Account.OrganisationID
	c := domain.SSOConnection{OrganisationID: org, Name: in.Name, Protocol: in.Protocol, Issuer: in.Issuer, ClientID: in.ClientID,
		Scopes: in.Scopes, IdPMetadataURL: in.MetadataURL, IdPMetadataXML: in.MetadataXML}
	if in.ClientSecret != "" {
		c.ClientSecret = a.sealer.Seal([]byte(in.ClientSecret), secretContext("client-secret", org))
	}
	if in.Protocol == domain.ProtocolSAML {
		keyDER, certDER, err := sso.NewSPKeyPair("Atrium " + in.Name)
		if err != nil {
			return domain.SSOConnection{}, err
		}
		c.SPKey, c.SPCertificate = a.sealer.Seal(keyDER, secretContext("sp-key", org)), certDER
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if c, err = tx.CreateSSOConnection(ctx, c); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return domain.FieldError("name", "Your organisation already has a connection with that name.")
			}
			return err
		}
		return audit(ctx, tx, actor, "Settings > Security > Single sign-on > Add connection > "+c.Name+" ("+protocolLabel(c.Protocol)+"; "+
			describeConnection(c)+")", c.Name, access.Account.ID, org)
	})
	return c, err
}

// UpdateSSOConnection changes one of the organisation's connections
// (account.security; ENOTFOUND for another's). Its last test is forgotten. Audited
// with what changed, before and after (secrets only as "changed").
func (a *App) UpdateSSOConnection(ctx context.Context, actor Actor, h Access, id int64, in ConnectionInput) (domain.SSOConnection, error) {
	access, err := a.securityAccess(h)
	if err != nil {
		return domain.SSOConnection{}, err
	}
	if a.sealer == nil {
		return domain.SSOConnection{}, errNoSecretKey
	}
	org := access.Account.OrganisationID
	was, err := a.store.SSOConnection(ctx, org, id)
	if err != nil {
		return domain.SSOConnection{}, err
	}
	in.Protocol = was.Protocol
	if in, err = cleanConnection(in, false); err != nil {
		return domain.SSOConnection{}, err
	}
	now := was
	now.Name, now.Issuer, now.ClientID, now.Scopes, now.IdPMetadataURL, now.IdPMetadataXML = in.Name, in.Issuer, in.ClientID,
		in.Scopes, in.MetadataURL, in.MetadataXML
	secretChanged := in.ClientSecret != ""
	if secretChanged {
		now.ClientSecret = a.sealer.Seal([]byte(in.ClientSecret), secretContext("client-secret", org))
	}
	changes := connectionChanges(was, now, secretChanged)
	if len(changes) == 0 {
		return was, nil
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSSOConnection(ctx, org, now); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return domain.FieldError("name", "Your organisation already has a connection with that name.")
			}
			return err
		}
		return audit(ctx, tx, actor, "Settings > Security > Single sign-on > Edit connection > "+was.Name+" > "+strings.Join(changes, "; "),
			now.Name, access.Account.ID, org)
	})
	a.forgetProvider(id)
	return now, err
}

func protocolLabel(p string) string {
	if p == domain.ProtocolSAML {
		return "SAML"
	}
	return "OpenID Connect"
}

func describeConnection(c domain.SSOConnection) string {
	if c.Protocol == domain.ProtocolSAML {
		if c.IdPMetadataURL != "" {
			return "metadata " + c.IdPMetadataURL
		}
		return "metadata pasted"
	}
	return "issuer " + c.Issuer + ", client id " + c.ClientID
}

// connectionChanges describes each setting that differs, before → after.
func connectionChanges(was, now domain.SSOConnection, secretChanged bool) []string {
	var out []string
	diff := func(what, a, b string) {
		if a != b {
			out = append(out, what+" ("+orNone(a)+" → "+orNone(b)+")")
		}
	}
	diff("Name", was.Name, now.Name)
	diff("Issuer", was.Issuer, now.Issuer)
	diff("Client id", was.ClientID, now.ClientID)
	diff("Scopes", was.Scopes, now.Scopes)
	diff("Metadata address", was.IdPMetadataURL, now.IdPMetadataURL)
	if was.IdPMetadataXML != now.IdPMetadataXML {
		out = append(out, "Metadata (changed)")
	}
	if secretChanged {
		out = append(out, "Client secret (changed)")
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// clientIDChars reports whether s holds only the characters client ids and scopes
// are made of.
func clientIDChars(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._~:@/+=-", r):
		default:
			return false
		}
	}
	return s != ""
}
