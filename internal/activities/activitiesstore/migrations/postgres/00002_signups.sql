-- +goose Up
ALTER TABLE activities ADD COLUMN waitlist_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE signups (
    id            TEXT PRIMARY KEY,
    activity_id   TEXT NOT NULL REFERENCES activities (id),
    user_id       TEXT NOT NULL,
    status        TEXT NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0,
    check_in_code TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    cancelled_at  TIMESTAMPTZ
);
-- One active sign-up per user and activity.
CREATE UNIQUE INDEX signups_active_uniq ON signups (activity_id, user_id)
    WHERE status IN ('pending_payment', 'confirmed', 'waitlisted', 'offered', 'checked_in');
CREATE INDEX signups_activity_idx ON signups (activity_id, status, position);
CREATE INDEX signups_user_idx ON signups (user_id, created_at);

-- +goose Down
DROP TABLE signups;
ALTER TABLE activities DROP COLUMN waitlist_seq;
