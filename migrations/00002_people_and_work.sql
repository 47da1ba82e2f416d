-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Custom roles: permissions from the catalogue, and an optional resource scope.
CREATE TABLE role_permissions (
    role_id    bigint NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission text NOT NULL,
    PRIMARY KEY (role_id, permission)
);
CREATE UNIQUE INDEX roles_account_name ON roles (account_id, lower(name)) WHERE account_id IS NOT NULL;

-- A resource scope limits a custom role (role_id) or one membership (account_id,
-- user_id: a List manager limited to chosen lists) to the listed resources.
CREATE TABLE resource_scopes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id),
    role_id       bigint REFERENCES roles (id) ON DELETE CASCADE,
    user_id       bigint REFERENCES users (id),
    resource_type text NOT NULL CHECK (resource_type IN ('list', 'campaign')),
    resource_id   bigint NOT NULL,
    CHECK ((role_id IS NULL) <> (user_id IS NULL))
);
CREATE UNIQUE INDEX resource_scopes_role ON resource_scopes (role_id, resource_type, resource_id) WHERE role_id IS NOT NULL;
CREATE UNIQUE INDEX resource_scopes_member ON resource_scopes (account_id, user_id, resource_type, resource_id) WHERE user_id IS NOT NULL;

-- Members list: owner first, then active, then inactive, by name; pages of 50.
CREATE INDEX memberships_account_status_idx ON memberships (account_id, status, user_id);
CREATE INDEX users_full_name_trgm ON users USING gin (full_name gin_trgm_ops);
CREATE INDEX users_email_trgm ON users USING gin ((email::text) gin_trgm_ops);
CREATE INDEX users_lower_name_idx ON users (lower(full_name), id);
CREATE INDEX organisation_members_org_idx ON organisation_members (organisation_id, user_id);

ALTER TABLE accounts ADD COLUMN closed_at timestamptz;
ALTER TABLE accounts ADD COLUMN pending_invitations integer NOT NULL DEFAULT 0;

-- The workspace: campaigns and contact lists per account.
CREATE TABLE campaigns (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_account_idx ON campaigns (account_id, id DESC);

CREATE TABLE lists (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    contact_count integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lists_account_idx ON lists (account_id, lower(name));

CREATE TABLE contacts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    list_id    bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    email      citext NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    full_name  text NOT NULL DEFAULT '' CHECK (length(full_name) <= 120),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (list_id, email)
);
CREATE INDEX contacts_list_idx ON contacts (account_id, list_id, id);

-- +goose Down
DROP TABLE contacts, lists, campaigns, resource_scopes, role_permissions;
DROP INDEX IF EXISTS roles_account_name, memberships_account_status_idx, users_full_name_trgm, users_email_trgm,
    users_lower_name_idx, organisation_members_org_idx;
ALTER TABLE accounts DROP COLUMN closed_at, DROP COLUMN pending_invitations;
