-- +goose Up
-- Announcements staff write for the apps: drafts until published, shown
-- between starts_at and ends_at (either open), pinned ones first.
CREATE TABLE announcements (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    content      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    pinned       BOOLEAN NOT NULL DEFAULT 0,
    audience     TEXT NOT NULL CHECK (audience IN ('all', 'h5', 'admin')),
    starts_at    TIMESTAMP,
    ends_at      TIMESTAMP,
    published_at TIMESTAMP,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX announcements_public_idx ON announcements (status, pinned, published_at);
CREATE INDEX announcements_created_idx ON announcements (created_at);

-- +goose Down
DROP TABLE announcements;
