-- +goose Up
-- Invitations to join an account. An invitation binds one account, one email and one
-- role; it stays pending until the invitee accepts or declines, an administrator
-- revokes it, it expires, or the account closes (ended). Only hashes of its links are
-- kept (invitation_tokens): a resend replaces the current link, so the older one stops
-- working, and a replaced link can still say what became of it. Pending invitations
-- count against the account's seats: accounts.pending_invitations follows them in the
-- same transaction (trigger below). mail_id is the outbox row of the latest message
-- sent for the invitation, whose status and last_error tell the inviter about delivery.
CREATE TABLE invitations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    email        citext NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    first_name   text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 60),
    last_name    text NOT NULL DEFAULT '' CHECK (length(last_name) <= 60),
    -- The role granted on acceptance; NULL once a custom role is deleted (the
    -- invitation can then only be revoked). role_name keeps what was offered.
    role_id      bigint REFERENCES roles (id) ON DELETE SET NULL,
    role_name    text NOT NULL,
    message      text NOT NULL DEFAULT '' CHECK (length(message) <= 500),
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired', 'ended')),
    invited_by   bigint NOT NULL REFERENCES users (id),
    sent_count   integer NOT NULL DEFAULT 1 CHECK (sent_count >= 1),
    last_sent_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    mail_id      bigint REFERENCES mail_outbox (id),
    -- Who answered (accepted or declined), or who revoked, and when.
    answered_by  bigint REFERENCES users (id),
    answered_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
-- One pending invitation per account and email.
CREATE UNIQUE INDEX invitations_one_pending ON invitations (account_id, email) WHERE status = 'pending';
CREATE INDEX invitations_account_idx ON invitations (account_id, status, id DESC);
CREATE INDEX invitations_expiry_idx ON invitations (expires_at) WHERE status = 'pending';

CREATE TABLE invitation_tokens (
    token_hash    bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    invitation_id bigint NOT NULL REFERENCES invitations (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    replaced_at   timestamptz
);
-- Exactly one link of an invitation works: the newest.
CREATE UNIQUE INDEX invitation_tokens_current ON invitation_tokens (invitation_id) WHERE replaced_at IS NULL;

-- Every invitation email sent (first send or resend), for the rate limits per sender
-- and per account; rows older than a day are deleted periodically.
CREATE TABLE invitation_sends (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    sender_id  bigint NOT NULL REFERENCES users (id),
    sent_at    timestamptz NOT NULL
);
CREATE INDEX invitation_sends_sender_idx ON invitation_sends (sender_id, sent_at);
CREATE INDEX invitation_sends_account_idx ON invitation_sends (account_id, sent_at);

-- +goose StatementBegin
-- Keeps accounts.pending_invitations equal to the number of pending invitations.
CREATE FUNCTION maintain_pending_invitations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'pending' THEN
        UPDATE accounts SET pending_invitations = pending_invitations - 1 WHERE id = OLD.account_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'pending' THEN
        UPDATE accounts SET pending_invitations = pending_invitations + 1 WHERE id = NEW.account_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER invitations_pending_count AFTER INSERT OR UPDATE OF status OR DELETE ON invitations
    FOR EACH ROW EXECUTE FUNCTION maintain_pending_invitations();

-- +goose Down
DROP TABLE invitation_sends, invitation_tokens, invitations;
DROP FUNCTION IF EXISTS maintain_pending_invitations;
UPDATE accounts SET pending_invitations = 0;
