-- +goose Up
-- Where a user came from and whether they ever chose their own password, so staff
-- appointing an existing email as an owner see who that really is. created_by says who
-- created the user ('' for users created before this column: unknown); a password is
-- "their own" once set through a one-time link or changed on the profile, and
-- password_set_via says how (a link names who created it).
ALTER TABLE users
    ADD COLUMN created_by text NOT NULL DEFAULT '',
    ADD COLUMN password_set_at timestamptz,
    ADD COLUMN password_set_via text NOT NULL DEFAULT '';

-- Who created a one-time set-password link (staff, an organisation owner, the system).
ALTER TABLE password_tokens ADD COLUMN created_by text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE password_tokens DROP COLUMN created_by;
ALTER TABLE users DROP COLUMN created_by, DROP COLUMN password_set_at, DROP COLUMN password_set_via;
