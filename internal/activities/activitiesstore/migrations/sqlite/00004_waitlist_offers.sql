-- +goose Up
ALTER TABLE signups ADD COLUMN offer_expires_at TIMESTAMP;
CREATE INDEX signups_offer_idx ON signups (status, offer_expires_at);

-- +goose Down
DROP INDEX signups_offer_idx;
ALTER TABLE signups DROP COLUMN offer_expires_at;
