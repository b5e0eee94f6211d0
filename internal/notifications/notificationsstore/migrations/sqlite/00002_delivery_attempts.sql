-- +goose Up
-- A delivery is now recorded before its send as well: state 'attempting'
-- with the number of sends begun (attempts) and the idempotency key every
-- one of them carries, so a send cut short (a crash after the provider
-- took it, before 'sent' was written) is retried with the same key and a
-- provider that deduplicates by it keeps one. delivered_at is the time
-- the row last changed.
ALTER TABLE notification_deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notification_deliveries ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';
UPDATE notification_deliveries SET attempts = 1 WHERE state = 'sent';

-- +goose Down
DELETE FROM notification_deliveries WHERE state = 'attempting';
ALTER TABLE notification_deliveries DROP COLUMN idempotency_key;
ALTER TABLE notification_deliveries DROP COLUMN attempts;
