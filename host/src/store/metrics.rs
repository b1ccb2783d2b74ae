//! Aggregates read on a metrics scrape.

use anyhow::Result;

use super::{Store, on_pool};

impl Store {
    /// `(status, count)` of every connection status present.
    pub async fn connection_status_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT status, COUNT(*) FROM connections GROUP BY status ORDER BY status").fetch_all(p).await)?)
    }

    /// `(status, count)` of the webhook deliveries kept (`pending` is the backlog; delivered
    /// rows are pruned after the retention period).
    pub async fn webhook_delivery_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status ORDER BY status").fetch_all(p).await)?)
    }
}
