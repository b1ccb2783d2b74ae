//! Aggregates read on a metrics scrape.

use anyhow::Result;

use super::{Store, on_pool};

impl Store {
    /// `(status, count)` of every connection status present.
    pub async fn connection_status_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT status, COUNT(*) FROM connections GROUP BY status ORDER BY status").fetch_all(p).await)?)
    }

    /// `(status, count)` of the webhook deliveries `pending` (the backlog) and `failed` (kept
    /// for a manual retry), each read from its partial index: delivered ones, most of the
    /// table until retention prunes them, are not counted (a full scan on every scrape).
    pub async fn webhook_delivery_counts(&self) -> Result<Vec<(String, i64)>> {
        const SQL: &str = "SELECT 'failed', COUNT(*) FROM webhook_deliveries WHERE status = 'failed'
             UNION ALL SELECT 'pending', COUNT(*) FROM webhook_deliveries WHERE status = 'pending'";
        Ok(on_pool!(self, |p| sqlx::query_as(SQL).fetch_all(p).await)?)
    }
}
