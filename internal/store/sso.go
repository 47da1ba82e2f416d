package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

const ssoColumns = `c.id, c.organisation_id, c.name, c.protocol, c.issuer, c.client_id, c.client_secret, c.scopes,
	c.idp_metadata_url, c.idp_metadata_xml, c.sp_key, c.sp_certificate, c.config_changed_at,
	coalesce(c.tested_by, 0), c.tested_at, c.tested_ok, c.tested_detail`

func scanSSO(row pgx.Row, extra ...any) (domain.SSOConnection, error) {
	var c domain.SSOConnection
	err := row.Scan(append([]any{&c.ID, &c.OrganisationID, &c.Name, &c.Protocol, &c.Issuer, &c.ClientID, &c.ClientSecret,
		&c.Scopes, &c.IdPMetadataURL, &c.IdPMetadataXML, &c.SPKey, &c.SPCertificate, &c.ConfigChangedAt,
		&c.TestedBy, &c.TestedAt, &c.TestedOK, &c.TestedDetail}, extra...)...)
	return c, mapErr(err)
}

// CreateSSOConnection inserts an organisation's connection. A name the organisation
// already uses gives ECONFLICT.
func (q Q) CreateSSOConnection(ctx context.Context, c domain.SSOConnection) (domain.SSOConnection, error) {
	return scanSSO(q.db.QueryRow(ctx, `INSERT INTO sso_connections AS c (organisation_id, name, protocol, issuer, client_id,
		client_secret, scopes, idp_metadata_url, idp_metadata_xml, sp_key, sp_certificate)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+ssoColumns,
		c.OrganisationID, c.Name, c.Protocol, c.Issuer, c.ClientID, c.ClientSecret, c.Scopes, c.IdPMetadataURL,
		c.IdPMetadataXML, c.SPKey, c.SPCertificate))
}

// UpdateSSOConnection changes the settings of the organisation's connection c.ID (its
// protocol and keys stay) and forgets its last test. ENOTFOUND when orgID has no such
// connection.
func (q Q) UpdateSSOConnection(ctx context.Context, orgID int64, c domain.SSOConnection) error {
	tag, err := q.db.Exec(ctx, `UPDATE sso_connections SET name = $3, issuer = $4, client_id = $5, client_secret = $6,
		scopes = $7, idp_metadata_url = $8, idp_metadata_xml = $9, config_changed_at = now(), tested_by = NULL,
		tested_at = NULL, tested_ok = false, tested_detail = ''
		WHERE organisation_id = $1 AND id = $2`, orgID, c.ID, c.Name, c.Issuer, c.ClientID, c.ClientSecret, c.Scopes,
		c.IdPMetadataURL, c.IdPMetadataXML)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	return nil
}

// SSOConnection returns the organisation's connection id, or ENOTFOUND (also for a
// connection of another organisation).
func (q Q) SSOConnection(ctx context.Context, orgID, id int64) (domain.SSOConnection, error) {
	var names []string
	c, err := scanSSO(q.db.QueryRow(ctx, `SELECT `+ssoColumns+`, `+ssoAccountsSQL+`
		FROM sso_connections c WHERE c.organisation_id = $1 AND c.id = $2`, orgID, id), &names)
	c.Accounts = names
	return c, err
}

// ssoAccountsSQL lists the names of the accounts that use connection c.
const ssoAccountsSQL = `ARRAY(SELECT a.name FROM accounts a WHERE a.organisation_id = c.organisation_id AND a.sso_connection_id = c.id ORDER BY a.name)`

// SSOConnectionByID returns a connection by its id alone, for its own public endpoints
// (callback, ACS, metadata), which carry nothing but the id; ENOTFOUND when none.
func (q Q) SSOConnectionByID(ctx context.Context, id int64) (domain.SSOConnection, error) {
	return scanSSO(q.db.QueryRow(ctx, `SELECT `+ssoColumns+` FROM sso_connections c WHERE c.id = $1`, id))
}

// SSOConnectionsOf lists an organisation's connections by name, each with the names of
// the accounts that use it.
func (q Q) SSOConnectionsOf(ctx context.Context, orgID int64) ([]domain.SSOConnection, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+ssoColumns+`, `+ssoAccountsSQL+`
		FROM sso_connections c WHERE c.organisation_id = $1 ORDER BY c.name, c.id`, orgID)
	return collect(rows, func(r pgx.CollectableRow) (domain.SSOConnection, error) {
		var names []string
		c, err := scanSSO(r, &names)
		c.Accounts = names
		return c, err
	})
}

// RecordSSOTest records the outcome of a test of the organisation's connection by
// userID at at, unless the connection's settings changed after at (a test of settings
// that are gone proves nothing); it reports whether it recorded.
func (q Q) RecordSSOTest(ctx context.Context, orgID, id, userID int64, ok bool, detail string, at time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE sso_connections SET tested_by = $3, tested_at = $4, tested_ok = $5, tested_detail = $6
		WHERE organisation_id = $1 AND id = $2 AND config_changed_at <= $4`, orgID, id, userID, at, ok, detail)
	return tag.RowsAffected() == 1, mapErr(err)
}

// SSOIdentity returns the identity with subject at the connection, or ENOTFOUND.
func (q Q) SSOIdentity(ctx context.Context, connectionID int64, subject string) (domain.SSOIdentity, error) {
	i := domain.SSOIdentity{ConnectionID: connectionID, Subject: subject}
	err := q.db.QueryRow(ctx, `SELECT user_id, email FROM sso_identities WHERE connection_id = $1 AND subject = $2`,
		connectionID, subject).Scan(&i.UserID, &i.Email)
	return i, mapErr(err)
}

// SSOIdentityFor reads, in one statement, the connection's name and the user the
// identity with subject is linked to (0: none), stamping its last use when that is
// userID. ENOTFOUND for an unknown connection.
func (q Q) SSOIdentityFor(ctx context.Context, connectionID int64, subject string, userID int64) (string, int64, error) {
	var name string
	var linked int64
	err := q.db.QueryRow(ctx, `WITH used AS (UPDATE sso_identities SET last_used_at = now()
			WHERE connection_id = $1 AND subject = $2 AND user_id = $3)
		SELECT c.name, coalesce(i.user_id, 0) FROM sso_connections c
		LEFT JOIN sso_identities i ON i.connection_id = c.id AND i.subject = $2
		WHERE c.id = $1`, connectionID, subject, userID).Scan(&name, &linked)
	return name, linked, mapErr(err)
}

// UseSSOIdentity stamps the identity's last use.
func (q Q) UseSSOIdentity(ctx context.Context, connectionID int64, subject string) error {
	_, err := q.db.Exec(ctx, `UPDATE sso_identities SET last_used_at = now() WHERE connection_id = $1 AND subject = $2`,
		connectionID, subject)
	return mapErr(err)
}

// LinkSSOIdentity links subject at the connection to the user. ECONFLICT when the
// subject is linked already, or the user already has an identity there.
func (q Q) LinkSSOIdentity(ctx context.Context, i domain.SSOIdentity) error {
	_, err := q.db.Exec(ctx, `INSERT INTO sso_identities (connection_id, subject, user_id, email, last_used_at)
		VALUES ($1, $2, $3, $4, now())`, i.ConnectionID, i.Subject, i.UserID, i.Email)
	return mapErr(err)
}

// SSOSignInAllowed reports whether the connection may sign the user in: they hold an
// active membership of an account of the connection's organisation that uses it, own
// that organisation (owners enter every account of it), or have a pending, unexpired
// invitation to such an account for email.
func (q Q) SSOSignInAllowed(ctx context.Context, connectionID, userID int64, email string) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts a JOIN memberships m ON m.account_id = a.id
			WHERE a.sso_connection_id = $1 AND a.status = 'active' AND m.user_id = $2 AND m.status = 'active')
		OR EXISTS (SELECT 1 FROM sso_connections c JOIN organisation_owners oo ON oo.organisation_id = c.organisation_id
			WHERE c.id = $1 AND oo.user_id = $2)
		OR EXISTS (SELECT 1 FROM accounts a JOIN invitations i ON i.account_id = a.id
			WHERE a.sso_connection_id = $1 AND a.status = 'active' AND i.email = $3 AND i.status = 'pending' AND i.expires_at > now())`,
		connectionID, userID, email).Scan(&ok)
	return ok, mapErr(err)
}

// SaveSAMLRequest records a SAML request sent through the connection, answerable until
// expires.
func (q Q) SaveSAMLRequest(ctx context.Context, connectionID int64, requestID string, expires time.Time) error {
	_, err := q.db.Exec(ctx, `INSERT INTO sso_saml_requests (request_id, connection_id, expires_at) VALUES ($1, $2, $3)`,
		requestID, connectionID, expires)
	return mapErr(err)
}

// SAMLRequestOpen reports whether requestID is a request of the connection that is
// still waiting for its answer at now.
func (q Q) SAMLRequestOpen(ctx context.Context, connectionID int64, requestID string, now time.Time) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sso_saml_requests WHERE request_id = $1 AND connection_id = $2
		AND expires_at > $3 AND result IS NULL)`, requestID, connectionID, now).Scan(&ok)
	return ok, mapErr(err)
}

// AnswerSAMLRequest stores the verified result of an open request; ENOTFOUND when the
// request is not open (answered already, expired, unknown).
func (q Q) AnswerSAMLRequest(ctx context.Context, connectionID int64, requestID string, result []byte, now time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE sso_saml_requests SET result = $3 WHERE request_id = $1 AND connection_id = $2
		AND expires_at > $4 AND result IS NULL`, requestID, connectionID, result, now)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return nil
}

// TakeSAMLResult removes an answered request and returns its result; ENOTFOUND when it
// has none (not answered, taken already, unknown).
func (q Q) TakeSAMLResult(ctx context.Context, connectionID int64, requestID string) ([]byte, error) {
	var out []byte
	err := q.db.QueryRow(ctx, `DELETE FROM sso_saml_requests WHERE request_id = $1 AND connection_id = $2 AND result IS NOT NULL
		RETURNING result`, requestID, connectionID).Scan(&out)
	return out, mapErr(err)
}

// ErrReplayed answers an assertion the connection has accepted before.
var ErrReplayed = domain.Errorf(domain.ECONFLICT, "This sign-in answer has been used already.")

// ConsumeSAMLAssertion records an accepted assertion until expires; ErrReplayed when
// the connection has recorded it before, on this instance or any other.
func (q Q) ConsumeSAMLAssertion(ctx context.Context, connectionID int64, assertionID string, expires time.Time) error {
	tag, err := q.db.Exec(ctx, `INSERT INTO sso_saml_assertions (connection_id, assertion_id, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, connectionID, assertionID, expires)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return ErrReplayed
	}
	return nil
}

// DeleteStaleSSO forgets SAML requests and accepted assertions past their expiry, and
// link tokens a day past theirs.
func (q Q) DeleteStaleSSO(ctx context.Context) error {
	_, err := q.db.Exec(ctx, `WITH r AS (DELETE FROM sso_saml_requests WHERE expires_at < now()),
		a AS (DELETE FROM sso_saml_assertions WHERE expires_at < now())
		DELETE FROM sso_link_tokens WHERE expires_at < now() - interval '1 day'`)
	return mapErr(err)
}

// SSOLinkToken is an emailed link that confirms linking an identity to a user.
type SSOLinkToken struct {
	Identity  domain.SSOIdentity
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// IssueSSOLinkToken stores the hash of a new link for the identity, ending the user's
// older unused links for the same connection.
func (q Q) IssueSSOLinkToken(ctx context.Context, hash []byte, i domain.SSOIdentity, expires time.Time) error {
	_, err := q.db.Exec(ctx, `WITH ended AS (UPDATE sso_link_tokens SET used_at = now()
			WHERE user_id = $4 AND connection_id = $2 AND used_at IS NULL)
		INSERT INTO sso_link_tokens (token_hash, connection_id, subject, user_id, email, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		hash, i.ConnectionID, i.Subject, i.UserID, i.Email, expires)
	return mapErr(err)
}

// SSOLinkTokenByHash returns a link token, locked when inside a transaction
// (lock true); ENOTFOUND when unknown.
func (q Q) SSOLinkTokenByHash(ctx context.Context, hash []byte, lock bool) (SSOLinkToken, error) {
	var t SSOLinkToken
	i := &t.Identity
	sql := `SELECT connection_id, subject, user_id, email, expires_at, used_at FROM sso_link_tokens WHERE token_hash = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	err := q.db.QueryRow(ctx, sql, hash).Scan(&i.ConnectionID, &i.Subject, &i.UserID, &i.Email, &t.ExpiresAt, &t.UsedAt)
	return t, mapErr(err)
}

// UseSSOLinkToken marks a link token used.
func (q Q) UseSSOLinkToken(ctx context.Context, hash []byte) error {
	_, err := q.db.Exec(ctx, `UPDATE sso_link_tokens SET used_at = now() WHERE token_hash = $1`, hash)
	return mapErr(err)
}
