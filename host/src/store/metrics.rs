//! Aggregates read on a metrics scrape.

use anyhow::Result;

use super::{Store, on_pool};

impl Store {
    /// `(status, count)` of every connection status present.
    pub async fn connection_status_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT status, COUNT(*) FROM connections GROUP BY status ORDER BY status").fetch_all(p).await)?)
    }
}
