-- Connection health: the monitor's schedule and the status state machine's inputs, one row per
-- connection (created by the monitor for connections that have none). `connections.status`
-- stays the status itself (read on every request with `config_version`).
CREATE TABLE connection_health (
    connection_id          TEXT PRIMARY KEY REFERENCES connections (id),
    -- NULL: the host's default interval.
    check_interval_seconds INTEGER,
    next_check_at          TEXT NOT NULL,
    -- A replica's claim on the next check (UPDATE … RETURNING).
    lease_until            TEXT,
    consecutive_failures   INTEGER NOT NULL DEFAULT 0,
    -- First failure of the current unbroken run of failures.
    failing_since          TEXT,
    reason                 TEXT,
    -- Scrubbed of secrets.
    last_error             TEXT,
    last_checked_at        TEXT,
    last_check_ok          BOOLEAN,
    last_healthy_at        TEXT,
    status_changed_at      TEXT,
    -- What `enable` returns a disabled connection to.
    status_before_disable  TEXT,
    last_synced_at         TEXT
);
CREATE INDEX connection_health_due ON connection_health (next_check_at);

-- Checks and status changes, newest last; pruned after the retention period.
CREATE TABLE connection_health_history (
    id             TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections (id),
    at             TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('check', 'status_change')),
    ok             BOOLEAN,
    old_status     TEXT,
    new_status     TEXT,
    reason         TEXT,
    error          TEXT
);
CREATE INDEX connection_health_history_connection ON connection_health_history (connection_id, id);
CREATE INDEX connection_health_history_at ON connection_health_history (at);
