-- +goose Up
-- Two-factor authentication (TOTP). totp_secret is the user's authenticator secret,
-- sealed with ATRIUM_SECRET_KEY (AES-256-GCM; the sealed bytes name the key that
-- sealed them, so the key can be rotated); NULL when not set up. totp_last_step is the
-- last time step whose code was accepted: a code is accepted only for a later step, so
-- each code works once. Wrong codes are counted per user (totp_failures, the last at
-- totp_last_failure_at; the count is forgotten after an hour without one and cleared by
-- a right code), so starting a new sign-in does not reset them; how long to wait after
-- each is the login policy's.
ALTER TABLE users
    ADD COLUMN totp_secret          bytea,
    ADD COLUMN totp_enrolled_at     timestamptz,
    ADD COLUMN totp_last_step       bigint NOT NULL DEFAULT 0,
    ADD COLUMN totp_failures        integer NOT NULL DEFAULT 0 CHECK (totp_failures >= 0),
    ADD COLUMN totp_last_failure_at timestamptz,
    ADD CONSTRAINT users_totp_enrolled CHECK ((totp_secret IS NULL) = (totp_enrolled_at IS NULL));

-- Ten single-use recovery codes per user with TOTP, kept as SHA-256 hashes (each code
-- carries 80 random bits). A code used is stamped, never reused; a new set replaces the
-- old one.
CREATE TABLE recovery_codes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    UNIQUE (user_id, code_hash)
);

-- +goose Down
DROP TABLE recovery_codes;
ALTER TABLE users DROP CONSTRAINT users_totp_enrolled, DROP COLUMN totp_secret, DROP COLUMN totp_enrolled_at,
    DROP COLUMN totp_last_step, DROP COLUMN totp_failures, DROP COLUMN totp_last_failure_at;
