-- Issue 4: the events still to fan out are rows of a narrow queue, and the dispatcher's lease
-- lives there (see the SQLite migration of the same number): the lease and the end of a fan-out
-- touch a small row instead of writing new versions of the event's row, payload included.
CREATE TABLE webhook_fanout (
    event_id    TEXT PRIMARY KEY REFERENCES webhook_events (id),
    lease_until TEXT
);

INSERT INTO webhook_fanout (event_id, lease_until)
    SELECT id, lease_until FROM webhook_events WHERE fanned_out = FALSE;

DROP INDEX webhook_events_unfanned;
ALTER TABLE webhook_events DROP COLUMN fanned_out;
ALTER TABLE webhook_events DROP COLUMN lease_until;
