-- Webhook endpoints. Secrets are sealed by the vault (AES-256-GCM, a data key wrapped by the
-- master key, the endpoint id bound as associated data): signing needs the secret itself.
CREATE TABLE webhook_endpoints (
    id                    TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    environment           TEXT NOT NULL CHECK (environment IN ('test', 'live')),
    description           TEXT,
    -- JSON list of event types; NULL: every type.
    event_types_json      TEXT,
    end_customer_id       TEXT,
    connection_id         TEXT,
    enabled               BOOLEAN NOT NULL DEFAULT 1,
    disabled_reason       TEXT,
    secret                BLOB NOT NULL,
    secret_key            BLOB NOT NULL,
    -- The secret before the last rotation, still signing until `previous_expires_at`.
    previous_secret       BLOB,
    previous_secret_key   BLOB,
    previous_expires_at   TEXT,
    -- First failed attempt of the current unbroken run of failures.
    failing_since         TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

-- The outbox: written in the same transaction as the change that causes the event.
CREATE TABLE webhook_events (
    id              TEXT PRIMARY KEY,
    event_type      TEXT NOT NULL,
    -- NULL: a system event, for endpoints of every environment.
    environment     TEXT,
    connection_id   TEXT,
    end_customer_id TEXT,
    -- The exact body delivered and signed: {"type", "timestamp", "data"}.
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    -- Deliveries created for the matching endpoints (the dispatcher's fan-out).
    fanned_out      BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX webhook_events_fan_out ON webhook_events (fanned_out, id);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- One event to one endpoint: retried with the same `webhook-id` until delivered or failed.
CREATE TABLE webhook_deliveries (
    id                TEXT PRIMARY KEY,
    event_id          TEXT NOT NULL REFERENCES webhook_events (id),
    endpoint_id       TEXT NOT NULL REFERENCES webhook_endpoints (id),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,
    -- A dispatcher's claim (UPDATE … RETURNING); an expired lease is claimed again.
    lease_until       TEXT,
    first_attempt_at  TEXT,
    last_attempt_at   TEXT,
    delivered_at      TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, event_id);

-- The delivery log: every attempt. Ids are UUIDv7 of the attempt's time, so retention prunes by
-- id (no index on `at`).
CREATE TABLE webhook_attempts (
    id               TEXT PRIMARY KEY,
    delivery_id      TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    at               TEXT NOT NULL,
    response_status  INTEGER,
    latency_ms       INTEGER NOT NULL,
    -- The first KB of the response body.
    response_body    TEXT,
    error            TEXT
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
