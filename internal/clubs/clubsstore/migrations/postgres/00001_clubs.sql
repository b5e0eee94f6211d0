-- +goose Up
CREATE TABLE club_categories (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);

-- status: pending (until staff approve or reject it), active, rejected,
-- dissolved. member_count counts club_members; last_active_at moves with
-- the club's activities and posts (the "recent activity" sort).
CREATE TABLE clubs (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    category_id    TEXT NOT NULL REFERENCES club_categories (id),
    description    TEXT NOT NULL DEFAULT '',
    logo_url       TEXT NOT NULL DEFAULT '',
    questions      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    review_reason  TEXT NOT NULL DEFAULT '',
    owner_id       TEXT NOT NULL,
    member_count   INTEGER NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    search_tokens  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    reviewed_at    TIMESTAMPTZ,
    last_active_at TIMESTAMPTZ NOT NULL,
    search_vector  tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_tokens)) STORED
);
-- One live club per name (a rejected or dissolved one frees it).
CREATE UNIQUE INDEX clubs_name_uniq ON clubs (lower(name)) WHERE status IN ('pending', 'active');
CREATE INDEX clubs_directory_idx ON clubs (status, member_count, id);
CREATE INDEX clubs_recent_idx ON clubs (status, last_active_at, id);
CREATE INDEX clubs_category_idx ON clubs (category_id, status, member_count, id);
CREATE INDEX clubs_fts_idx ON clubs USING GIN (search_vector);

CREATE TABLE club_members (
    club_id   TEXT NOT NULL REFERENCES clubs (id),
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (club_id, user_id)
);
CREATE INDEX club_members_user_idx ON club_members (user_id);
-- Exactly one owner per club.
CREATE UNIQUE INDEX club_members_owner_uniq ON club_members (club_id) WHERE role = 'owner';

-- Members banned from a club cannot apply again until banned_until (NULL: for good).
CREATE TABLE club_bans (
    club_id      TEXT NOT NULL REFERENCES clubs (id),
    user_id      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    banned_until TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (club_id, user_id)
);

-- Join applications: one pending per applicant and club.
CREATE TABLE club_applications (
    id          TEXT PRIMARY KEY,
    club_id     TEXT NOT NULL REFERENCES clubs (id),
    user_id     TEXT NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    answers     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    decided_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    decided_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX club_applications_pending_uniq ON club_applications (club_id, user_id) WHERE status = 'pending';
CREATE INDEX club_applications_club_idx ON club_applications (club_id, status, created_at);
CREATE INDEX club_applications_user_idx ON club_applications (user_id, club_id, created_at);

CREATE TABLE club_favorites (
    club_id    TEXT NOT NULL REFERENCES clubs (id),
    user_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (club_id, user_id)
);
CREATE INDEX club_favorites_user_idx ON club_favorites (user_id, created_at);

-- +goose Down
DROP TABLE club_favorites;
DROP TABLE club_applications;
DROP TABLE club_bans;
DROP TABLE club_members;
DROP TABLE clubs;
DROP TABLE club_categories;
