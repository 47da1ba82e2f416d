-- +goose Up
-- How each outbox message was delivered, and when it was last tried. transport is ''
-- until the message is sent, then 'smtp' (handed to the SMTP server) or 'dev' (put in
-- the development mailbox, /dev/mail, when no SMTP server is configured).
ALTER TABLE mail_outbox
    ADD COLUMN transport text NOT NULL DEFAULT '' CHECK (transport IN ('', 'smtp', 'dev')),
    ADD COLUMN last_attempt_at timestamptz,
    ADD CONSTRAINT mail_outbox_sent_has_transport CHECK ((status = 'sent') = (sent_at IS NOT NULL AND transport <> ''));
CREATE INDEX mail_outbox_dev_idx ON mail_outbox (id DESC) WHERE transport = 'dev';

-- +goose Down
DROP INDEX mail_outbox_dev_idx;
ALTER TABLE mail_outbox
    DROP CONSTRAINT mail_outbox_sent_has_transport,
    DROP COLUMN last_attempt_at,
    DROP COLUMN transport;
