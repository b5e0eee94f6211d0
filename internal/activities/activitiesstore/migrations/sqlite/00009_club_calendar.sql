-- +goose Up
-- A club's calendar: its activities by start time.
CREATE INDEX activities_club_idx ON activities (club_id, start_at) WHERE club_id <> '';

-- +goose Down
DROP INDEX activities_club_idx;
