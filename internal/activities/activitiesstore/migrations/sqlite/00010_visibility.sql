-- +goose Up
-- Who sees a club's activity: 'public' (everyone) or 'members' (the
-- club's members, its organizer and staff). Public lists filter on it.
ALTER TABLE activities ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';

-- +goose Down
ALTER TABLE activities DROP COLUMN visibility;
