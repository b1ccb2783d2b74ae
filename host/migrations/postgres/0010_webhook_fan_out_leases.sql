-- Issue 4: the fan-out leases the event itself (`lease_until`), and each delivery row is written
-- once, with its first attempt's outcome. A crash before that outcome is written lets the event's
-- lease expire: it is fanned out again (at least once).
ALTER TABLE webhook_events ADD COLUMN lease_until TEXT;

-- Only what is still to do is indexed: events not fanned out (the fan-out's claim) and pending
-- deliveries (the retry claim). Delivered rows, nearly all of them, cost no upkeep there.
DROP INDEX webhook_events_fan_out;
CREATE INDEX webhook_events_unfanned ON webhook_events (id) WHERE fanned_out = FALSE;
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
