-- +goose Up
-- Posts of the public square (club_id '') and of club boards. status:
-- published, pending_review (held by the word filter until a moderator
-- decides), rejected, deleted. members_only: a club board post only the
-- club's members see. hot_score grows with likes and comments and with
-- the post's age built in (log10 of the points plus created_at / 12.5 h),
-- so the hot order never needs recomputing: a newer post needs ten times
-- the points of one 12.5 hours older to rank above it.
CREATE TABLE posts (
    id            TEXT PRIMARY KEY,
    club_id       TEXT NOT NULL DEFAULT '',
    author_id     TEXT NOT NULL,
    title         TEXT NOT NULL,
    content       TEXT NOT NULL,
    image_urls    TEXT NOT NULL DEFAULT '',
    members_only  BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL,
    review_reason TEXT NOT NULL DEFAULT '',
    like_count    INTEGER NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    comment_count INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    pinned        BOOLEAN NOT NULL DEFAULT FALSE,
    featured      BOOLEAN NOT NULL DEFAULT FALSE,
    hot_score     DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX posts_latest_idx ON posts (club_id, status, created_at, id);
CREATE INDEX posts_hot_idx ON posts (club_id, status, hot_score, id);
CREATE INDEX posts_author_idx ON posts (author_id, created_at);

-- Comments with one level of replies (parent_id '' or a top-level comment).
CREATE TABLE post_comments (
    id         TEXT PRIMARY KEY,
    post_id    TEXT NOT NULL REFERENCES posts (id),
    parent_id  TEXT NOT NULL DEFAULT '',
    author_id  TEXT NOT NULL,
    content    TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX post_comments_post_idx ON post_comments (post_id, status, created_at, id);

CREATE TABLE post_likes (
    post_id    TEXT NOT NULL REFERENCES posts (id),
    user_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

CREATE TABLE post_favorites (
    post_id    TEXT NOT NULL REFERENCES posts (id),
    user_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_favorites_user_idx ON post_favorites (user_id, created_at);

-- +goose Down
DROP TABLE post_favorites;
DROP TABLE post_likes;
DROP TABLE post_comments;
DROP TABLE posts;
