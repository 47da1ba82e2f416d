-- +goose Up
-- Fixed-window rate limits on answers that reveal something, such as "Sorry, that
-- user already exists" to an organisation owner. key names what is limited and for
-- whom (e.g. 'exists-probe:' || user id); hits counts the answers given in the window
-- that started at window_start; how long a window lasts and how many hits it allows
-- are the app's.
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    hits         integer NOT NULL CHECK (hits > 0),
    window_start timestamptz NOT NULL
);

-- +goose Down
DROP TABLE rate_limits;
