-- Connector modules: the component bytes live in the database so every replica can load them.
CREATE TABLE modules (
    digest        TEXT PRIMARY KEY,
    connector_id  TEXT NOT NULL,
    version       TEXT NOT NULL,
    wit_version   TEXT NOT NULL,
    info_json     TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    installed_at  TEXT NOT NULL,
    UNIQUE (connector_id, version)
);

-- The version each connector serves unless a connection pins another.
CREATE TABLE active_modules (
    connector_id  TEXT PRIMARY KEY,
    digest        TEXT NOT NULL REFERENCES modules (digest),
    activated_at  TEXT NOT NULL
);

CREATE TABLE connections (
    id                TEXT PRIMARY KEY,
    end_customer_id   TEXT,
    connector_id      TEXT NOT NULL,
    pinned_digest     TEXT REFERENCES modules (digest),
    base_url          TEXT NOT NULL,
    environment       TEXT NOT NULL CHECK (environment IN ('test', 'live')),
    status            TEXT NOT NULL,
    settings_json     TEXT NOT NULL,
    -- AES-256-GCM ciphertext of the credentials JSON under the connection's data key.
    credentials       BLOB NOT NULL,
    -- The data key, wrapped by the master key.
    wrapped_key       BLOB NOT NULL,
    credentials_version INTEGER NOT NULL DEFAULT 1,
    approved_hosts_json TEXT NOT NULL DEFAULT '[]',
    private_networks_json TEXT NOT NULL DEFAULT '[]',
    account_id        TEXT,
    account_name      TEXT,
    metadata_json     TEXT NOT NULL DEFAULT '{}',
    -- Bumped on every change that must reach every replica on its next request.
    config_version    INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- Connection tokens: only the SHA-256 of the token is kept.
CREATE TABLE connection_tokens (
    id             TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections (id),
    token_hash     TEXT NOT NULL UNIQUE,
    prefix         TEXT NOT NULL,
    environment    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    last_used_at   TEXT,
    expires_at     TEXT,
    revoked_at     TEXT
);
CREATE INDEX connection_tokens_connection ON connection_tokens (connection_id);
