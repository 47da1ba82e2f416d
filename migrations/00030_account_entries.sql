-- +goose Up
-- When each user last entered each account, for "recently entered" in the switcher and
-- on the profile, and for the landing fallback. One table for both ways in: a
-- membership, and an organisation owner's access to every account of the organisation
-- (which has no membership row). Keeping the time out of memberships also keeps this
-- bookkeeping write away from the grant rows, whose owner row carries a deferred
-- trigger that locks the account. Written at most once per account per session.
CREATE TABLE account_entries (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    entered_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX account_entries_recent_idx ON account_entries (user_id, entered_at DESC, account_id);

-- A user's accounts in the order the switcher and the profile list them — by
-- organisation name, organisation, account name, account — read straight from an
-- index, so a page of someone with thousands of accounts reads one page of index
-- entries instead of joining and sorting them all. The names' lower-case forms are
-- copied into each membership and kept current by the triggers below.
ALTER TABLE memberships
    ADD COLUMN organisation_id bigint,
    ADD COLUMN organisation_key text,
    ADD COLUMN account_key text;
UPDATE memberships m SET organisation_id = a.organisation_id, organisation_key = lower(o.name), account_key = lower(a.name)
FROM accounts a JOIN organisations o ON o.id = a.organisation_id
WHERE a.id = m.account_id;
ALTER TABLE memberships
    ALTER COLUMN organisation_id SET NOT NULL,
    ALTER COLUMN organisation_key SET NOT NULL,
    ALTER COLUMN account_key SET NOT NULL;
CREATE INDEX memberships_entries_idx ON memberships (user_id, organisation_key, organisation_id, account_key, account_id)
    INCLUDE (role_id, created_at) WHERE status = 'active';
-- A user's oldest active membership, where sign-in lands when no account they can
-- enter is their favourite or was ever entered.
CREATE INDEX memberships_user_joined_idx ON memberships (user_id, created_at, account_id) WHERE status = 'active';
-- An organisation owner's accounts of one organisation, in name order.
CREATE INDEX accounts_organisation_entries_idx ON accounts (organisation_id, lower(name), id) WHERE status = 'active';

-- +goose StatementBegin
-- Fills a new membership's copies of its organisation and the two names. A rename
-- running at the same time either has committed and is read here, or holds the row
-- this waits for and then reads: the organisation row is shared first, then the
-- account row locked as the member_count trigger would lock it anyway. Nothing is
-- locked before the organisation, so a rename's commit, which locks its accounts to
-- check their owners, never waits for an insert that waits for the rename.
CREATE FUNCTION membership_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT o.id, lower(o.name) INTO NEW.organisation_id, NEW.organisation_key
    FROM organisations o WHERE o.id = (SELECT a.organisation_id FROM accounts a WHERE a.id = NEW.account_id) FOR SHARE;
    SELECT lower(a.name) INTO NEW.account_key
    FROM accounts a WHERE a.id = NEW.account_id AND a.organisation_id = NEW.organisation_id FOR NO KEY UPDATE;
    RETURN NEW;
END $$;

-- Keeps the copies current when an account is renamed or moved.
CREATE FUNCTION account_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE memberships m SET organisation_id = NEW.organisation_id, account_key = lower(NEW.name),
        organisation_key = (SELECT lower(o.name) FROM organisations o WHERE o.id = NEW.organisation_id)
    WHERE m.account_id = NEW.id;
    RETURN NULL;
END $$;

-- Keeps the copies current when an organisation is renamed.
CREATE FUNCTION organisation_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE memberships m SET organisation_key = lower(NEW.name)
    WHERE m.account_id IN (SELECT a.id FROM accounts a WHERE a.organisation_id = NEW.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER memberships_sort_keys BEFORE INSERT OR UPDATE OF account_id ON memberships
    FOR EACH ROW EXECUTE FUNCTION membership_sort_keys();
CREATE TRIGGER accounts_sort_keys AFTER UPDATE OF name, organisation_id ON accounts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id)
    EXECUTE FUNCTION account_sort_keys();
CREATE TRIGGER organisations_sort_keys AFTER UPDATE OF name ON organisations
    FOR EACH ROW WHEN (lower(OLD.name) IS DISTINCT FROM lower(NEW.name))
    EXECUTE FUNCTION organisation_sort_keys();

-- +goose Down
DROP TRIGGER organisations_sort_keys ON organisations;
DROP TRIGGER accounts_sort_keys ON accounts;
DROP TRIGGER memberships_sort_keys ON memberships;
DROP FUNCTION organisation_sort_keys(), account_sort_keys(), membership_sort_keys();
DROP INDEX accounts_organisation_entries_idx;
DROP INDEX memberships_user_joined_idx;
DROP INDEX memberships_entries_idx;
ALTER TABLE memberships DROP COLUMN account_key, DROP COLUMN organisation_key, DROP COLUMN organisation_id;
DROP TABLE account_entries;
