-- +goose Up
-- A grant whose order was refunded in full no longer counts: its days
-- are taken off the membership once.
ALTER TABLE membership_grants ADD COLUMN revoked_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE membership_grants DROP COLUMN revoked_at;
