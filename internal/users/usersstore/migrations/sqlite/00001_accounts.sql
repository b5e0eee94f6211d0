-- +goose Up
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    phone          TEXT UNIQUE,
    email          TEXT UNIQUE,
    password_hash  TEXT NOT NULL DEFAULT '',
    nickname       TEXT NOT NULL,
    avatar_url     TEXT NOT NULL DEFAULT '',
    bio            TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    gender         TEXT NOT NULL DEFAULT '',
    roles          TEXT NOT NULL DEFAULT ',user,',
    status         TEXT NOT NULL DEFAULT 'active',
    ban_reason     TEXT NOT NULL DEFAULT '',
    banned_until   TIMESTAMP,
    wechat_openid  TEXT UNIQUE,
    wechat_unionid TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    last_login_at  TIMESTAMP
);
CREATE INDEX users_created_idx ON users (created_at);
CREATE INDEX users_status_idx ON users (status);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

CREATE TABLE sms_codes (
    id          TEXT PRIMARY KEY,
    phone       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    expires_at  TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sms_codes_phone_idx ON sms_codes (phone, purpose, created_at);

CREATE TABLE tags (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    category   TEXT NOT NULL DEFAULT '',
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE user_tags (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag_id  TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tag_id)
);
CREATE INDEX user_tags_tag_idx ON user_tags (tag_id);

-- +goose Down
DROP TABLE user_tags;
DROP TABLE tags;
DROP TABLE sms_codes;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
