-- +goose Up
-- Statistics by day: payments by the time they were paid, refunds that
-- went through by the time they settled.
CREATE INDEX orders_paid_idx ON orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX refunds_settled_idx ON refunds (status, settled_at);

-- +goose Down
DROP INDEX refunds_settled_idx;
DROP INDEX orders_paid_idx;
