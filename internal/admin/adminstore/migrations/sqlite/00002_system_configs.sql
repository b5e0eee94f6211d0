-- +goose Up
-- System config values set by super admins (a key absent here has its
-- default from the code's registry); value is the JSON encoding.
CREATE TABLE system_configs (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- One row: bumped by every change, so every replica reloads its copy.
CREATE TABLE system_configs_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO system_configs_version (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE system_configs_version;
DROP TABLE system_configs;
