-- Issue 4: deliveries are keyed by their pair (event, endpoint) and found by id through
-- `(endpoint_id, id)` (see the SQLite migration of the same number): two indexes kept up per
-- row instead of three.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_pkey;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_endpoint_id_key;
ALTER TABLE webhook_deliveries ADD PRIMARY KEY (event_id, endpoint_id);
DROP INDEX webhook_deliveries_endpoint;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_endpoint UNIQUE (endpoint_id, id);
