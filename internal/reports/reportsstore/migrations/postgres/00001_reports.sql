-- +goose Up
-- Reports of users, activities, posts, comments, chat messages and clubs
-- (target_type), one per reporter and target: the unique index decides,
-- so reports that race store one row. target_owner_id is the target's
-- author, organizer or owner (the user themself for a user); target_parent_id
-- places it (a message's room, a comment's post, a club post's club).
-- snapshot is the content as the reporter saw it when reporting. status:
-- open, then resolved or dismissed by the operations side.
CREATE TABLE reports (
    id               TEXT PRIMARY KEY,
    reporter_id      TEXT NOT NULL,
    target_type      TEXT NOT NULL,
    target_id        TEXT NOT NULL,
    target_owner_id  TEXT NOT NULL DEFAULT '',
    target_parent_id TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT '',
    snapshot         TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'open',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX reports_reporter_target_uniq ON reports (reporter_id, target_type, target_id);
-- A reporter's own list, newest first.
CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at, id);
-- The queue: a target's reports and their count.
CREATE INDEX reports_target_idx ON reports (target_type, target_id, status);
CREATE INDEX reports_status_idx ON reports (status, created_at);
CREATE INDEX reports_owner_idx ON reports (target_owner_id, created_at);

-- +goose Down
DROP TABLE reports;
