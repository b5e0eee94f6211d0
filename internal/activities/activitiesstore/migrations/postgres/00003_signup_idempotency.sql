-- +goose Up
ALTER TABLE signups ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';
CREATE INDEX signups_idempotency_idx ON signups (user_id, idempotency_key);

-- +goose Down
DROP INDEX signups_idempotency_idx;
ALTER TABLE signups DROP COLUMN idempotency_key;
