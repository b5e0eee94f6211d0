-- +goose Up
-- Paid sign-ups: a seat held for payment until hold_expires_at, the order
-- paying for it, what was paid and what is refunded.
ALTER TABLE signups ADD COLUMN hold_expires_at TIMESTAMPTZ;
ALTER TABLE signups ADD COLUMN order_no TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN amount_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signups ADD COLUMN paid_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signups ADD COLUMN refund_fen BIGINT NOT NULL DEFAULT 0;
CREATE INDEX signups_hold_idx ON signups (status, hold_expires_at);
CREATE UNIQUE INDEX signups_order_uniq ON signups (order_no) WHERE order_no <> '';

-- +goose Down
DROP INDEX signups_order_uniq;
DROP INDEX signups_hold_idx;
ALTER TABLE signups DROP COLUMN refund_fen;
ALTER TABLE signups DROP COLUMN paid_fen;
ALTER TABLE signups DROP COLUMN amount_fen;
ALTER TABLE signups DROP COLUMN order_no;
ALTER TABLE signups DROP COLUMN hold_expires_at;
