-- +goose Up
CREATE TABLE outbox_events (
    id           TEXT PRIMARY KEY,
    topic        TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (published_at, created_at);

-- +goose Down
DROP TABLE outbox_events;
