-- +goose Up
-- Discovery: keyword search, tag filter, near-me and the hot sort.

-- search_tokens holds the CJK-aware tokens of title, description, city and
-- type name (platform/search), written by the store with every change.
ALTER TABLE activities ADD COLUMN search_tokens TEXT NOT NULL DEFAULT '';
-- hot_score is the log of the exponentially decayed sign-up count
-- (see activitiesstore/hot.go); it grows with every sign-up.
ALTER TABLE activities ADD COLUMN hot_score DOUBLE PRECISION NOT NULL DEFAULT 0;

-- The keyword filter reads a stored vector (not one computed for each row
-- an index walk passes).
ALTER TABLE activities ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_tokens)) STORED;
CREATE INDEX activities_fts_idx ON activities USING GIN (search_vector);
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

INSERT INTO activity_tags (activity_id, tag_id)
SELECT DISTINCT a.id, t.tag_id
FROM activities a, unnest(string_to_array(a.tag_ids, ',')) AS t (tag_id)
WHERE a.tag_ids <> '' AND t.tag_id <> '';

-- +goose Down
DROP TABLE activity_tags;
DROP INDEX activities_public_hot_idx;
DROP INDEX activities_public_city_idx;
DROP INDEX activities_public_idx;
DROP INDEX activities_city_idx;
CREATE INDEX activities_city_idx ON activities (city, status, start_at);
DROP INDEX activities_geo_idx;
DROP INDEX activities_fts_idx;
ALTER TABLE activities DROP COLUMN search_vector;
ALTER TABLE activities DROP COLUMN hot_score;
ALTER TABLE activities DROP COLUMN search_tokens;
