-- +goose Up
-- The in-app inbox. Each event (source_event_id, the outbox/bus message id)
-- notifies each recipient of each type at most once: the unique index
-- decides, so a redelivered event stores nothing new. data is the
-- producer's JSON detail; read_at is NULL while unread.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    type            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    link            TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL DEFAULT '{}',
    source_event_id TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    read_at         TIMESTAMP
);
CREATE UNIQUE INDEX notifications_source_uniq ON notifications (source_event_id, user_id, type);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at);

-- A user's choice for a type on a channel (sms, email, wechat); pairs
-- without a row follow the defaults of the code.
CREATE TABLE notification_preferences (
    user_id    TEXT NOT NULL,
    type       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, type, channel)
);

-- What went out: one row per notification and channel (state sent or
-- skipped), written after the send; a delivery job that finds its row
-- sends nothing.
CREATE TABLE notification_deliveries (
    notification_id TEXT NOT NULL,
    channel         TEXT NOT NULL,
    state           TEXT NOT NULL,
    delivered_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (notification_id, channel)
);

-- +goose Down
DROP TABLE notification_deliveries;
DROP TABLE notification_preferences;
DROP TABLE notifications;
