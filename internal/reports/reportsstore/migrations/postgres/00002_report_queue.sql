-- +goose Up
-- Targets whose open reports reached the auto-hide threshold: the primary
-- key lets one of many racing reporters take the target down. hidden is
-- set when its content was held or withdrawn (posts, comments, chat
-- messages); other targets are only flagged. A resolution drops the row.
CREATE TABLE report_flags (
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    hidden      BOOLEAN NOT NULL DEFAULT FALSE,
    flagged_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (target_type, target_id)
);
-- Staff decisions on a target's open reports; a warn row is the user's
-- recorded warning (target_owner_id is whom it warns, mutes or bans).
CREATE TABLE report_resolutions (
    id              TEXT PRIMARY KEY,
    target_type     TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    target_owner_id TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    until           TIMESTAMPTZ,
    report_count    INTEGER NOT NULL,
    actor_id        TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_resolutions_owner_idx ON report_resolutions (target_owner_id, action, created_at);
CREATE INDEX report_resolutions_target_idx ON report_resolutions (target_type, target_id);

-- +goose Down
DROP TABLE report_resolutions;
DROP TABLE report_flags;
