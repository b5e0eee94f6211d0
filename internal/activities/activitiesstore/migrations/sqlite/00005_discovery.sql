-- +goose Up
-- Discovery: keyword search, tag filter, near-me and the hot sort.

-- search_tokens holds the CJK-aware tokens of title, description, city and
-- type name (platform/search), written by the store with every change.
ALTER TABLE activities ADD COLUMN search_tokens TEXT NOT NULL DEFAULT '';
-- hot_score is the log of the exponentially decayed sign-up count
-- (see activitiesstore/hot.go); it grows with every sign-up.
ALTER TABLE activities ADD COLUMN hot_score REAL NOT NULL DEFAULT 0;

-- The FTS5 index of search_tokens, an external-content table over
-- activities keyed by its rowid and kept in step by the triggers below
-- (in the statement that changes the row). Should rowids ever be
-- renumbered, INSERT INTO activities_fts(activities_fts) VALUES ('rebuild')
-- rebuilds it from the table.
CREATE VIRTUAL TABLE activities_fts USING fts5 (
    search_tokens, content = 'activities', tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO activities_fts (activities_fts) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER activities_fts_insert AFTER INSERT ON activities BEGIN
    INSERT INTO activities_fts (rowid, search_tokens) VALUES (new.rowid, new.search_tokens);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activities_fts_delete AFTER DELETE ON activities BEGIN
    INSERT INTO activities_fts (activities_fts, rowid, search_tokens) VALUES ('delete', old.rowid, old.search_tokens);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activities_fts_update AFTER UPDATE OF search_tokens ON activities BEGIN
    INSERT INTO activities_fts (activities_fts, rowid, search_tokens) VALUES ('delete', old.rowid, old.search_tokens);
    INSERT INTO activities_fts (rowid, search_tokens) VALUES (new.rowid, new.search_tokens);
END;
-- +goose StatementEnd

CREATE INDEX activities_geo_idx ON activities (lat, lng);
-- The filtered list (city + status, by start time) reads this index in order.
DROP INDEX activities_city_idx;
CREATE INDEX activities_city_idx ON activities (city, status, start_at, id);
-- The public list (every public status, the default) by start time, with
-- or without a city; the store writes that status list as these literals.
CREATE INDEX activities_public_idx ON activities (start_at, id) WHERE status IN ('published', 'formed', 'finished');
CREATE INDEX activities_public_city_idx ON activities (city, start_at, id) WHERE status IN ('published', 'formed', 'finished');
CREATE INDEX activities_public_hot_idx ON activities (hot_score, id) WHERE status IN ('published', 'formed', 'finished');

CREATE TABLE activity_tags (
    activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    tag_id      TEXT NOT NULL,
    PRIMARY KEY (activity_id, tag_id)
);
CREATE INDEX activity_tags_tag_idx ON activity_tags (tag_id, activity_id);

WITH RECURSIVE split (activity_id, tag_id, rest) AS (
    SELECT id, '', tag_ids || ',' FROM activities WHERE tag_ids <> ''
    UNION ALL
    SELECT activity_id, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO activity_tags (activity_id, tag_id)
SELECT activity_id, tag_id FROM split WHERE tag_id <> '';

-- +goose Down
DROP TABLE activity_tags;
DROP INDEX activities_public_hot_idx;
DROP INDEX activities_public_city_idx;
DROP INDEX activities_public_idx;
DROP INDEX activities_city_idx;
CREATE INDEX activities_city_idx ON activities (city, status, start_at);
DROP INDEX activities_geo_idx;
DROP TRIGGER activities_fts_update;
DROP TRIGGER activities_fts_delete;
DROP TRIGGER activities_fts_insert;
DROP TABLE activities_fts;
ALTER TABLE activities DROP COLUMN hot_score;
ALTER TABLE activities DROP COLUMN search_tokens;
