-- The metrics scrape counts pending and failed deliveries from partial indexes (pending ones
-- have `webhook_deliveries_due`), never by reading every delivery kept.
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (endpoint_id) WHERE status = 'failed';
