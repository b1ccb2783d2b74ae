-- OAuth apps: one per connector, configured by the operator. The secrets (client secret, JWT
-- signing key) are sealed like connection credentials, under the pseudo-connection id
-- `oauth_app:<connector_id>`, so master-key rotation re-wraps them too.
CREATE TABLE oauth_apps (
    connector_id   TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    secrets        BLOB NOT NULL,
    wrapped_key    BLOB NOT NULL,
    -- What the operator set, without secrets: key id, scopes, URLs, which secrets are set.
    public_json    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- Authorization requests of the connect page waiting for their callback (10 minutes, single
-- use). Only the SHA-256 of `state` is kept; the PKCE verifier is useless without the code,
-- which only the callback receives.
CREATE TABLE oauth_authorizations (
    state_hash       TEXT PRIMARY KEY,
    link_session_id  TEXT NOT NULL REFERENCES link_sessions (id),
    connector_id     TEXT NOT NULL,
    base_url         TEXT NOT NULL,
    settings_json    TEXT NOT NULL,
    code_verifier    TEXT NOT NULL,
    redirect_uri     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT
);
