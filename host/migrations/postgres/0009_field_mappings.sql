-- Per-connection field mappings (issue 5). Every change is a new version row: the override
-- set after the change (`[]` = the connector's defaults), the set before it, who and when.
-- The current override set of a (connection, entity) is its highest version.
CREATE TABLE field_mapping_versions (
    id              TEXT PRIMARY KEY,
    connection_id   TEXT NOT NULL REFERENCES connections (id),
    entity          TEXT NOT NULL,
    version         BIGINT NOT NULL,
    -- 'replace' (PUT), 'reset' (DELETE: back to the defaults) or 'restore' (an earlier version).
    action          TEXT NOT NULL,
    restored_from   BIGINT,
    rules_json      TEXT NOT NULL,
    previous_json   TEXT NOT NULL,
    actor           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (connection_id, entity, version)
);

-- Mapping plugins (components of the `mapper` world), by content digest, so every replica can
-- load them.
CREATE TABLE mapper_modules (
    digest        TEXT PRIMARY KEY,
    bytes         BYTEA NOT NULL,
    size_bytes    BIGINT NOT NULL,
    installed_at  TEXT NOT NULL
);

-- The plugin attached to a connection and entity; it runs after the rules.
CREATE TABLE connection_mappers (
    connection_id  TEXT NOT NULL REFERENCES connections (id),
    entity         TEXT NOT NULL,
    digest         TEXT NOT NULL REFERENCES mapper_modules (digest),
    actor          TEXT NOT NULL,
    attached_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, entity)
);
