-- +goose Up
CREATE TABLE activity_types (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE activities (
    id                TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    type_id           TEXT NOT NULL REFERENCES activity_types (id),
    tag_ids           TEXT NOT NULL DEFAULT '',
    city              TEXT NOT NULL,
    address           TEXT NOT NULL DEFAULT '',
    lat               DOUBLE PRECISION NOT NULL DEFAULT 0,
    lng               DOUBLE PRECISION NOT NULL DEFAULT 0,
    start_at          TIMESTAMPTZ NOT NULL,
    end_at            TIMESTAMPTZ NOT NULL,
    signup_deadline   TIMESTAMPTZ NOT NULL,
    min_participants  INTEGER NOT NULL,
    max_participants  INTEGER NOT NULL,
    participant_count INTEGER NOT NULL DEFAULT 0,
    price_fen         BIGINT NOT NULL DEFAULT 0,
    member_only       BOOLEAN NOT NULL DEFAULT FALSE,
    status            TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    cover_url         TEXT NOT NULL DEFAULT '',
    organizer_id      TEXT NOT NULL,
    club_id           TEXT NOT NULL DEFAULT '',
    cancel_reason     TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    published_at      TIMESTAMPTZ,
    cancelled_at      TIMESTAMPTZ,
    CHECK (participant_count >= 0 AND participant_count <= max_participants),
    CHECK (min_participants <= max_participants)
);
CREATE INDEX activities_list_idx ON activities (status, start_at, id);
CREATE INDEX activities_city_idx ON activities (city, status, start_at);
CREATE INDEX activities_organizer_idx ON activities (organizer_id, start_at);

-- +goose Down
DROP TABLE activities;
DROP TABLE activity_types;
