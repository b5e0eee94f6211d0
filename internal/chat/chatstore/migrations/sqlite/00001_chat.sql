-- +goose Up
-- One room per formed activity. last_seq numbers its messages: a message
-- takes the next number under the room's row lock, so messages of a room
-- commit in the order of their numbers and a reader that resumes after
-- number n misses none.
CREATE TABLE chat_rooms (
    id           TEXT PRIMARY KEY,
    activity_id  TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    last_seq     INTEGER NOT NULL DEFAULT 0,
    read_only_at TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- Members: the organizer and the seated participants. left_at ends a
-- membership (cancelled, removed); removed ones are not added back by a
-- seat change.
CREATE TABLE chat_members (
    room_id     TEXT NOT NULL REFERENCES chat_rooms (id),
    user_id     TEXT NOT NULL,
    role        TEXT NOT NULL,
    joined_at   TIMESTAMP NOT NULL,
    left_at     TIMESTAMP,
    removed     BOOLEAN NOT NULL DEFAULT FALSE,
    muted_until TIMESTAMP,
    read_seq    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chat_members_user_idx ON chat_members (user_id) WHERE left_at IS NULL;

CREATE TABLE chat_messages (
    id         TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL REFERENCES chat_rooms (id),
    seq        INTEGER NOT NULL,
    sender_id  TEXT NOT NULL DEFAULT '',
    client_id  TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX chat_messages_client_uniq ON chat_messages (room_id, sender_id, client_id) WHERE client_id <> '';

-- +goose Down
DROP TABLE chat_messages;
DROP TABLE chat_members;
DROP TABLE chat_rooms;
