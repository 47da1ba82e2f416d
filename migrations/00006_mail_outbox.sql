-- +goose Up
-- Every email Atrium sends is written here in the same transaction as the change that
-- causes it, fully rendered, under a Message-ID that stays the same across retries (a
-- message delivered twice, when a crash falls between the SMTP server's acceptance and
-- the job's completion, is recognisable by it). A job queue works the rows; status
-- says how far each got and last_error why it failed.
CREATE TABLE mail_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   text NOT NULL UNIQUE,
    kind         text NOT NULL,
    to_address   citext NOT NULL CHECK (length(to_address) BETWEEN 3 AND 254),
    subject      text NOT NULL,
    text_body    text NOT NULL,
    html_body    text NOT NULL,
    account_id   bigint REFERENCES accounts (id),
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX mail_outbox_created_idx ON mail_outbox (id DESC);
CREATE INDEX mail_outbox_failed_idx ON mail_outbox (id DESC) WHERE status = 'failed';
CREATE INDEX mail_outbox_to_idx ON mail_outbox (to_address, id DESC);

-- +goose Down
DROP TABLE mail_outbox;
