-- +goose Up
-- Check-in: when a confirmed sign-up was scanned at the door.
ALTER TABLE signups ADD COLUMN checked_in_at TIMESTAMPTZ;

-- Reminders: each kind is sent once per activity.
ALTER TABLE activities ADD COLUMN reminded_24h_at TIMESTAMPTZ;
ALTER TABLE activities ADD COLUMN reminded_2h_at TIMESTAMPTZ;

-- No-shows: how many finished activities each user missed.
CREATE TABLE user_no_shows (
    user_id       TEXT PRIMARY KEY,
    no_show_count INTEGER NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE user_no_shows;
ALTER TABLE activities DROP COLUMN reminded_2h_at;
ALTER TABLE activities DROP COLUMN reminded_24h_at;
ALTER TABLE signups DROP COLUMN checked_in_at;
