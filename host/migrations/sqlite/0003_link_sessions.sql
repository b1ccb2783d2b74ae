-- Link sessions: the hosted connect flow. Only SHA-256 hashes of the session secret (in the
-- URL) and of the one-time code (given to the redirect URI) are kept.
CREATE TABLE link_sessions (
    id                    TEXT PRIMARY KEY,
    secret_hash           TEXT NOT NULL UNIQUE,
    end_customer_id       TEXT NOT NULL,
    environment           TEXT NOT NULL CHECK (environment IN ('test', 'live')),
    redirect_uri          TEXT NOT NULL,
    state                 TEXT,
    -- JSON list of connector ids; NULL: every installed connector.
    allowed_connectors_json TEXT,
    -- Reconnect: the connection whose credentials the form replaces.
    connection_id         TEXT REFERENCES connections (id),
    rotate_tokens         BOOLEAN NOT NULL DEFAULT 0,
    approved_hosts_json   TEXT NOT NULL DEFAULT '[]',
    private_networks_json TEXT NOT NULL DEFAULT '[]',
    -- `pending` or `completed`; a pending session past `expires_at` is expired.
    status                TEXT NOT NULL CHECK (status IN ('pending', 'completed')),
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    completed_at          TEXT,
    -- The connection created or reconnected, and whether the code exchange mints a token.
    result_connection_id  TEXT REFERENCES connections (id),
    mint_token            BOOLEAN NOT NULL DEFAULT 0,
    code_hash             TEXT UNIQUE,
    code_expires_at       TEXT,
    code_used_at          TEXT
);
CREATE INDEX link_sessions_end_customer ON link_sessions (end_customer_id);
