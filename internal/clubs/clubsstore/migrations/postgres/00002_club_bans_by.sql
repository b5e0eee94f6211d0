-- +goose Up
-- Who banned the member (an officer, the owner or staff); the audit log
-- has the rest.
ALTER TABLE club_bans ADD COLUMN banned_by TEXT NOT NULL DEFAULT '';
CREATE INDEX club_bans_club_idx ON club_bans (club_id, created_at);

-- +goose Down
DROP INDEX club_bans_club_idx;
ALTER TABLE club_bans DROP COLUMN banned_by;
