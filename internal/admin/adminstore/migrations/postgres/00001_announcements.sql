-- +goose Up
-- Announcements staff write for the apps: drafts until published, shown
-- between starts_at and ends_at (either open), pinned ones first.
CREATE TABLE announcements (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    content      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    pinned       BOOLEAN NOT NULL DEFAULT FALSE,
    audience     TEXT NOT NULL CHECK (audience IN ('all', 'h5', 'admin')),
    starts_at    TIMESTAMPTZ,
    ends_at      TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX announcements_public_idx ON announcements (status, pinned, published_at);
CREATE INDEX announcements_created_idx ON announcements (created_at);

-- +goose Down
DROP TABLE announcements;
