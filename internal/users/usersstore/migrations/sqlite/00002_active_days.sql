-- +goose Up
-- One row per user and statistics day (ZUJU_STATS_TIMEZONE) on which the
-- user signed in or renewed a session; first_at is the first such moment
-- of that day. The daily active users are the rows whose first_at falls in
-- the day.
CREATE TABLE user_active_days (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day      TEXT NOT NULL,
    first_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX user_active_days_first_idx ON user_active_days (first_at);

-- +goose Down
DROP TABLE user_active_days;
