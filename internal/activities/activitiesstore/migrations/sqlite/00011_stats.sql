-- +goose Up
-- Statistics by day read these times through indexes.
-- formed_at: when the activity reached its minimum. Activities formed
-- before the column existed get the earlier of their last change and their
-- sign-up deadline (they formed no later than that); cancelled ones are
-- left without (whether they had formed is not recorded).
ALTER TABLE activities ADD COLUMN formed_at TIMESTAMP;
UPDATE activities SET formed_at = MIN(updated_at, signup_deadline) WHERE status IN ('formed', 'finished');
CREATE INDEX activities_formed_idx ON activities (formed_at) WHERE formed_at IS NOT NULL;
-- Cancellations by time (the automatic ones are the activities that did not form).
CREATE INDEX activities_cancelled_idx ON activities (cancelled_at) WHERE cancelled_at IS NOT NULL;
-- Sign-ups by the time they were made.
CREATE INDEX signups_created_idx ON signups (created_at);

-- +goose Down
DROP INDEX signups_created_idx;
DROP INDEX activities_cancelled_idx;
DROP INDEX activities_formed_idx;
ALTER TABLE activities DROP COLUMN formed_at;
