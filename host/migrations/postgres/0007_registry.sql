-- The module registry (issue 6): signatures, host approvals, activation history, trusted keys
-- and per-connector limits.

-- The key that signed the module's digest at install (NULL: unsigned).
ALTER TABLE modules ADD COLUMN signed_by TEXT;
-- The extra hosts the operator approved when this version was activated (JSON list); NULL until
-- then. A module that declares extra hosts serves no connection before they are approved.
ALTER TABLE modules ADD COLUMN approved_hosts_json TEXT;

-- Every activation, rollback and deactivation, newest last: rollback reads the one before.
CREATE TABLE module_activations (
    id            TEXT PRIMARY KEY,
    connector_id  TEXT NOT NULL,
    -- NULL for a deactivation.
    digest        TEXT,
    action        TEXT NOT NULL CHECK (action IN ('activate', 'rollback', 'deactivate')),
    actor         TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX module_activations_connector ON module_activations (connector_id, id);

-- Partners' ed25519 public keys the operator trusts to sign modules.
CREATE TABLE trusted_keys (
    key_id      TEXT PRIMARY KEY,
    -- base64 of the 32-byte public key.
    public_key  TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL
);

-- Operator overrides of the configured sandbox limits, for every version of one connector.
CREATE TABLE connector_limits (
    connector_id  TEXT PRIMARY KEY,
    limits_json   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
