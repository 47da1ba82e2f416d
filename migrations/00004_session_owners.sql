-- +goose Up
-- A signed-in session knows its user, when and where it started, so users can list
-- and end their own sessions and organisation owners can end all of a user's. Rows
-- of signed-out browsers (a notice after signing out) have no user.
ALTER TABLE sessions
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN ip text NOT NULL DEFAULT '',
    ADD COLUMN user_agent text NOT NULL DEFAULT '';
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC) WHERE user_id IS NOT NULL;

-- +goose Down
DROP INDEX sessions_user_idx;
ALTER TABLE sessions DROP COLUMN id, DROP COLUMN user_id, DROP COLUMN created_at, DROP COLUMN ip, DROP COLUMN user_agent;
