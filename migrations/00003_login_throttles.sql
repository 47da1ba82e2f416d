-- +goose Up
-- Failed password attempts, per email and per client address, for throttling. The key
-- is 'email:' || the lower-cased email as typed (known or not, so throttling reveals
-- nothing) or 'ip:' || the address. failures counts consecutive failures for an email
-- (a sign-in clears it) and recent failures for an address (it starts again after an
-- hour without one); how long to wait after last_failure_at is the login policy's.
CREATE TABLE login_throttles (
    key             text PRIMARY KEY,
    failures        integer NOT NULL CHECK (failures > 0),
    last_failure_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE login_throttles;
