-- +goose Up
-- One-time links that choose a password serve two purposes: 'set_password' (a user
-- created by staff or an organisation owner) and 'reset' (a forgotten password, asked
-- for by email). Each link works only for its own purpose; a newer link of either kind
-- ends the older ones of the user.
ALTER TABLE password_tokens ADD CONSTRAINT password_tokens_purpose CHECK (purpose IN ('set_password', 'reset'));

-- A change of a user's sign-in email waits here until the new address confirms it
-- through a one-time link (only the SHA-256 of the link's token is kept). The change
-- is bound to the user, the email they had when asking (old_email) and the address
-- asked for (new_email); it is used once, expires, and a newer request, a password
-- change or a password reset ends it (used_at is then set without a change).
CREATE TABLE email_changes (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_email  citext NOT NULL,
    new_email  citext NOT NULL CHECK (length(new_email) BETWEEN 3 AND 254),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_changes_user_idx ON email_changes (user_id, created_at DESC);

-- +goose Down
DROP TABLE email_changes;
ALTER TABLE password_tokens DROP CONSTRAINT password_tokens_purpose;
