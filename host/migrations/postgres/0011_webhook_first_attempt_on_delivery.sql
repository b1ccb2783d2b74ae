-- Issue 4: a delivery fanned out by the dispatcher is written once, after its first attempt, and
-- that attempt's entry in the delivery log is kept on the delivery's own row (`logged_*`): one row
-- per delivery instead of two. Later attempts, and every attempt of a delivery created otherwise
-- (a test event, a replay, a manual retry of an event never delivered there), are rows of
-- `webhook_attempts`. Such a delivery's id is the UUIDv7 of its first attempt's time, and its log
-- entry's id is the same UUID under the attempt prefix (`what_`), so the log reads both tables in
-- one order, and one index per endpoint, by id, serves both the deliveries and the log.
ALTER TABLE webhook_deliveries ADD COLUMN logged_at TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN logged_status BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN logged_latency_ms BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN logged_body TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN logged_error TEXT;

DROP INDEX webhook_deliveries_endpoint;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
