-- +goose Up
-- A provider's transaction pays one order only.
CREATE UNIQUE INDEX orders_trade_uniq ON orders (channel, trade_no) WHERE trade_no <> '';
-- fulfilled_at: the seller applied the payment (seat confirmed, membership
-- started); paid orders without it are handed to the seller again.
ALTER TABLE orders ADD COLUMN fulfilled_at TIMESTAMP;
CREATE INDEX orders_unfulfilled_idx ON orders (paid_at) WHERE fulfilled_at IS NULL AND paid_at IS NOT NULL;
ALTER TABLE refunds ADD COLUMN provider_refund_id TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN failure_reason TEXT NOT NULL DEFAULT '';
-- Verified notifications already handled (WeChat Pay retries with the same id).
CREATE TABLE payment_notifications (
    id          TEXT PRIMARY KEY,
    event_type  TEXT NOT NULL,
    order_no    TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_notifications_received_idx ON payment_notifications (received_at);

-- +goose Down
DROP TABLE payment_notifications;
ALTER TABLE refunds DROP COLUMN failure_reason;
ALTER TABLE refunds DROP COLUMN provider_refund_id;
DROP INDEX orders_unfulfilled_idx;
ALTER TABLE orders DROP COLUMN fulfilled_at;
DROP INDEX orders_trade_uniq;
