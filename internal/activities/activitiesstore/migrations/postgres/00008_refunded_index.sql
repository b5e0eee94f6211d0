-- +goose Up
-- Refunded sign-ups by time: the payments reconciliation lists recent
-- ones to make sure each refund request arrived.
CREATE INDEX signups_refunded_idx ON signups (cancelled_at) WHERE status = 'refunded';

-- +goose Down
DROP INDEX signups_refunded_idx;
