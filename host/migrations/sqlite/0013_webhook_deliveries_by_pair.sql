-- Issue 4: deliveries are kept by their pair (event, endpoint), WITHOUT ROWID, and found by id
-- through `(endpoint_id, id)`, which also serves the lists and the log: each row written costs
-- two B-trees instead of four (the rowid table, the id key, the pair's uniqueness and the
-- endpoint's index), and writing the dispatcher's rows is most of SQLite's work per delivery.
-- Ids stay unique (UUIDv7s); every statement that finds a delivery by id names its endpoint.
CREATE TABLE webhook_deliveries_by_pair (
    id                TEXT NOT NULL,
    event_id          TEXT NOT NULL REFERENCES webhook_events (id),
    endpoint_id       TEXT NOT NULL REFERENCES webhook_endpoints (id),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,
    lease_until       TEXT,
    first_attempt_at  TEXT,
    last_attempt_at   TEXT,
    delivered_at      TEXT,
    created_at        TEXT NOT NULL,
    logged_at         TEXT,
    logged_status     INTEGER,
    logged_latency_ms INTEGER,
    logged_body       TEXT,
    logged_error      TEXT,
    PRIMARY KEY (event_id, endpoint_id),
    UNIQUE (endpoint_id, id)
) WITHOUT ROWID;

INSERT INTO webhook_deliveries_by_pair (id, event_id, endpoint_id, status, attempts, next_attempt_at, lease_until, first_attempt_at,
        last_attempt_at, delivered_at, created_at, logged_at, logged_status, logged_latency_ms, logged_body, logged_error)
    SELECT id, event_id, endpoint_id, status, attempts, next_attempt_at, lease_until, first_attempt_at,
        last_attempt_at, delivered_at, created_at, logged_at, logged_status, logged_latency_ms, logged_body, logged_error
    FROM webhook_deliveries;

DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_by_pair RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
