-- +goose Up
-- Single sign-on. A connection belongs to an organisation and may serve several of its
-- accounts; each account picks at most one (accounts.sso_connection_id, of its own
-- organisation: the foreign key names both columns). OpenID Connect connections keep
-- the issuer, client id, scopes and the client secret sealed with ATRIUM_SECRET_KEY
-- (the sealed bytes name the key that sealed them). SAML connections keep the identity
-- provider's metadata (from a URL or pasted) and this service provider's own signing
-- key, sealed likewise, and its certificate. tested_* record the last "Test
-- connection" round trip: who ran it, when, whether it succeeded and what failed; a
-- change of the connection's settings forgets it (config_changed_at).
CREATE TABLE sso_connections (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id   bigint NOT NULL REFERENCES organisations (id),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    protocol          text NOT NULL CHECK (protocol IN ('oidc', 'saml')),
    issuer            text NOT NULL DEFAULT '' CHECK (length(issuer) <= 2000),
    client_id         text NOT NULL DEFAULT '' CHECK (length(client_id) <= 500),
    client_secret     bytea,
    scopes            text NOT NULL DEFAULT '' CHECK (length(scopes) <= 500),
    idp_metadata_url  text NOT NULL DEFAULT '' CHECK (length(idp_metadata_url) <= 2000),
    idp_metadata_xml  text NOT NULL DEFAULT '' CHECK (length(idp_metadata_xml) <= 200000),
    sp_key            bytea,
    sp_certificate    bytea,
    config_changed_at timestamptz NOT NULL DEFAULT now(),
    tested_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    tested_at         timestamptz,
    tested_ok         boolean NOT NULL DEFAULT false,
    tested_detail     text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id),
    UNIQUE (organisation_id, name)
);

ALTER TABLE accounts ADD COLUMN sso_connection_id bigint,
    ADD CONSTRAINT accounts_sso_connection_fk FOREIGN KEY (organisation_id, sso_connection_id)
        REFERENCES sso_connections (organisation_id, id),
    ADD CONSTRAINT accounts_sso_needs_connection CHECK (login_method = 'password' OR sso_connection_id IS NOT NULL);
CREATE INDEX accounts_sso_connection_idx ON accounts (sso_connection_id) WHERE sso_connection_id IS NOT NULL;

-- An identity at a connection, keyed by the provider's subject (never by email): one
-- per user and connection. email is what the provider asserted when it was linked.
CREATE TABLE sso_identities (
    connection_id bigint NOT NULL REFERENCES sso_connections (id),
    subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    PRIMARY KEY (connection_id, subject),
    UNIQUE (connection_id, user_id)
);
CREATE INDEX sso_identities_user_idx ON sso_identities (user_id);

-- SAML requests this service provider sent, shared by every instance: the response
-- comes back to whichever instance, without the browser's session cookie (a
-- cross-site POST), so the ACS checks InResponseTo against this table, and leaves the
-- verified identity in result for the session that made the request to collect.
CREATE TABLE sso_saml_requests (
    request_id    text PRIMARY KEY CHECK (length(request_id) BETWEEN 1 AND 200),
    connection_id bigint NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    expires_at    timestamptz NOT NULL,
    result        jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_saml_requests_expiry_idx ON sso_saml_requests (expires_at);

-- The SAML replay cache: every assertion accepted, until it would have expired anyway.
CREATE TABLE sso_saml_assertions (
    connection_id bigint NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    assertion_id  text NOT NULL CHECK (length(assertion_id) BETWEEN 1 AND 200),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX sso_saml_assertions_expiry_idx ON sso_saml_assertions (expires_at);

-- Emailed links that confirm linking an identity to an existing user (the first SSO
-- sign-in of a user who also signs in otherwise). Only the token's hash is kept; a
-- newer link for the same user and connection ends the older one.
CREATE TABLE sso_link_tokens (
    token_hash    bytea PRIMARY KEY,
    connection_id bigint NOT NULL REFERENCES sso_connections (id) ON DELETE CASCADE,
    subject       text NOT NULL,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email         text NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_link_tokens_user_idx ON sso_link_tokens (user_id, connection_id);

-- +goose Down
DROP TABLE sso_link_tokens;
DROP TABLE sso_saml_assertions;
DROP TABLE sso_saml_requests;
DROP TABLE sso_identities;
ALTER TABLE accounts DROP CONSTRAINT accounts_sso_needs_connection, DROP CONSTRAINT accounts_sso_connection_fk,
    DROP COLUMN sso_connection_id;
DROP TABLE sso_connections;
