-- +goose Up
-- A member asks for a permission their role lacks. The account's members who may
-- grant it approve (choosing a role that holds the member's permissions plus the one
-- asked for) or deny, with an optional note. At most one open request per member and
-- permission.
CREATE TABLE access_requests (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        bigint NOT NULL REFERENCES accounts (id),
    user_id           bigint NOT NULL REFERENCES users (id),
    permission        text NOT NULL CHECK (length(permission) BETWEEN 1 AND 60),
    reason            text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'denied')),
    role_name_before  text NOT NULL,
    decided_by        bigint REFERENCES users (id),
    decided_at        timestamptz,
    granted_role_id   bigint REFERENCES roles (id) ON DELETE SET NULL,
    granted_role_name text NOT NULL DEFAULT '',
    note              text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX access_requests_one_open ON access_requests (account_id, user_id, permission) WHERE status = 'open';
CREATE INDEX access_requests_account_idx ON access_requests (account_id, status, id DESC);

-- +goose Down
DROP TABLE access_requests;
