-- +goose Up
-- Orders: what a user pays for, in fen. refunding_fen is the sum of
-- refunds in flight, refunded_fen of settled ones; together they never
-- exceed amount_fen.
CREATE TABLE orders (
    order_no        TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    status          TEXT NOT NULL,
    channel         TEXT NOT NULL DEFAULT '',
    trade_no        TEXT NOT NULL DEFAULT '',
    refunding_fen   BIGINT NOT NULL DEFAULT 0,
    refunded_fen    BIGINT NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    paid_at         TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    CHECK (refunding_fen >= 0 AND refunded_fen >= 0 AND refunding_fen + refunded_fen <= amount_fen)
);
CREATE UNIQUE INDEX orders_idempotency_uniq ON orders (user_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX orders_user_idx ON orders (user_id, created_at);
CREATE INDEX orders_pending_idx ON orders (status, expires_at);

CREATE TABLE refunds (
    refund_no   TEXT PRIMARY KEY,
    order_no    TEXT NOT NULL REFERENCES orders (order_no),
    amount_fen  BIGINT NOT NULL CHECK (amount_fen > 0),
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    settled_at  TIMESTAMPTZ
);
CREATE INDEX refunds_order_idx ON refunds (order_no);
CREATE INDEX refunds_status_idx ON refunds (status, updated_at);

-- +goose Down
DROP TABLE refunds;
DROP TABLE orders;
