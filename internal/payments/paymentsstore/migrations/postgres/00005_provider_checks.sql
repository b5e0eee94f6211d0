-- +goose Up
-- provider_closed_at: WeChat Pay confirmed the order can no longer be
-- paid there; closed orders without it are asked again, so a payment that
-- raced the close is found and refunded. next_check_at: an order whose
-- check failed waits before the next try instead of blocking the others.
ALTER TABLE orders ADD COLUMN provider_closed_at TIMESTAMPTZ;
ALTER TABLE orders ADD COLUMN next_check_at TIMESTAMPTZ;
CREATE INDEX orders_closed_unconfirmed_idx ON orders (closed_at)
    WHERE status = 'closed' AND channel = 'wechat' AND paid_at IS NULL AND provider_closed_at IS NULL;

-- +goose Down
DROP INDEX orders_closed_unconfirmed_idx;
ALTER TABLE orders DROP COLUMN next_check_at;
ALTER TABLE orders DROP COLUMN provider_closed_at;
