-- Issue 4: the events still to fan out are rows of a narrow queue, and the dispatcher's lease
-- lives there. The lease and the end of a fan-out (the row deleted) touch a ~60-byte row; before,
-- they rewrote the event's own row, payload included, twice, which was more than half of the
-- pages each dispatch transaction wrote to the WAL (and then to the database at checkpoints).
-- An event is in the queue from the transaction that appends it until its deliveries are
-- written; a crash in between lets the lease expire and the event is fanned out again.
CREATE TABLE webhook_fanout (
    event_id    TEXT PRIMARY KEY REFERENCES webhook_events (id),
    lease_until TEXT
) WITHOUT ROWID;

INSERT INTO webhook_fanout (event_id, lease_until)
    SELECT id, lease_until FROM webhook_events WHERE fanned_out = FALSE;

DROP INDEX webhook_events_unfanned;
ALTER TABLE webhook_events DROP COLUMN fanned_out;
ALTER TABLE webhook_events DROP COLUMN lease_until;
