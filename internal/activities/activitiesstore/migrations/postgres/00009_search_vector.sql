-- +goose Up
-- The keyword filter reads a stored vector instead of computing one per
-- row it passes (which made a search that walks a city's list by start
-- time cost a to_tsvector call per row).
ALTER TABLE activities ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_tokens)) STORED;
DROP INDEX activities_fts_idx;
CREATE INDEX activities_fts_idx ON activities USING GIN (search_vector);

-- +goose Down
DROP INDEX activities_fts_idx;
ALTER TABLE activities DROP COLUMN search_vector;
CREATE INDEX activities_fts_idx ON activities USING GIN (to_tsvector('simple', search_tokens));
