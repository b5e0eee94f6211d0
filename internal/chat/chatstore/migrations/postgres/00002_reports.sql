-- +goose Up
-- Reports of chat messages, one per reporter and message, with the content
-- as it was when reported (the operations queue shows it).
CREATE TABLE chat_reports (
    id          TEXT PRIMARY KEY,
    room_id     TEXT NOT NULL REFERENCES chat_rooms (id),
    message_id  TEXT NOT NULL REFERENCES chat_messages (id),
    reporter_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    snapshot    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (message_id, reporter_id)
);
CREATE INDEX chat_members_room_idx ON chat_members (room_id) WHERE left_at IS NULL;

-- +goose Down
DROP INDEX chat_members_room_idx;
DROP TABLE chat_reports;
