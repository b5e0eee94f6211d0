-- +goose Up
-- PostgreSQL stores the search vector in a generated column; SQLite's
-- FTS5 table (00005) already holds its index. Nothing to do here.
SELECT 1;

-- +goose Down
SELECT 1;
