-- Operator tokens besides MILLWRIGHT_ADMIN_TOKEN: `admin` may change things, `read_only` may not.
CREATE TABLE admin_tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    scope         TEXT NOT NULL CHECK (scope IN ('admin', 'read_only')),
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);

-- Every admin action: who, what, when, on what. Never secrets.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT,
    details_json TEXT NOT NULL DEFAULT '{}',
    at           TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

-- End customers, addressed by the operator's own id.
CREATE TABLE end_customers (
    id               TEXT PRIMARY KEY,
    end_customer_id  TEXT NOT NULL UNIQUE,
    name             TEXT,
    metadata_json    TEXT NOT NULL DEFAULT '{}',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

ALTER TABLE connections ADD COLUMN disconnected_at TEXT;
