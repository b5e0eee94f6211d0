-- +goose Up
-- Board lists order by pinned first: indexes that lead with it let the
-- latest and hot orders (and the hot ranking's rebuild of pinned and
-- other posts) read in index order instead of sorting the whole board.
CREATE INDEX posts_board_hot_idx ON posts (club_id, status, pinned, hot_score, id);
CREATE INDEX posts_board_latest_idx ON posts (club_id, status, pinned, created_at, id);

-- +goose Down
DROP INDEX posts_board_latest_idx;
DROP INDEX posts_board_hot_idx;
