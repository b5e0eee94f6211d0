-- +goose Up
-- Member-only descriptions leave the search index: the tokens of
-- member-only activities are computed again (without the description)
-- when the application starts (Store.IndexMissing).
UPDATE activities SET search_tokens = '' WHERE member_only = 1;

-- +goose Down
-- Tokens without the description stay valid.
SELECT 1;
