-- +goose Up
CREATE TABLE membership_plans (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    duration_days INTEGER NOT NULL CHECK (duration_days > 0),
    price_fen     INTEGER NOT NULL CHECK (price_fen > 0),
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- One row per member: the end moves forward with every paid order.
CREATE TABLE memberships (
    user_id    TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The orders applied to memberships: each one once.
CREATE TABLE membership_grants (
    order_no   TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    plan_id    TEXT NOT NULL,
    days       INTEGER NOT NULL,
    granted_at TIMESTAMP NOT NULL
);
CREATE INDEX membership_grants_user_idx ON membership_grants (user_id, granted_at);

-- +goose Down
DROP TABLE membership_grants;
DROP TABLE memberships;
DROP TABLE membership_plans;
