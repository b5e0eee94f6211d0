-- +goose Up
-- The sensitive words admins manage, on top of the starter list the
-- platform ships with (a word here overrides the starter list's action).
-- Every replica rebuilds its filter when version moves.
CREATE TABLE sensitive_words (
    id         TEXT PRIMARY KEY,
    word       TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('block', 'replace', 'review')),
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX sensitive_words_word_uniq ON sensitive_words (word);

-- One row: bumped by every change, so a replica learns of deletions too.
CREATE TABLE sensitive_words_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO sensitive_words_version (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE sensitive_words_version;
DROP TABLE sensitive_words;
