-- +goose Up
-- The statistics of days that are over (final: at least two days past
-- their end, when no late payment report can still land in them), one row
-- per time zone and local date (YYYY-MM-DD), computed once from the
-- modules' counts. Days still open are counted live.
CREATE TABLE stats_days (
    zone         TEXT NOT NULL,
    day          TEXT NOT NULL,
    new_users    BIGINT NOT NULL,
    active_users BIGINT NOT NULL,
    signups      BIGINT NOT NULL,
    formations   BIGINT NOT NULL,
    not_formed   BIGINT NOT NULL,
    revenue_fen  BIGINT NOT NULL,
    refunds_fen  BIGINT NOT NULL,
    computed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (zone, day)
);

-- +goose Down
DROP TABLE stats_days;
