//! End customers, addressed by the operator's `end_customer_id`, created on first use.

use anyhow::Result;

use super::{Store, new_id, now, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EndCustomerRow {
    pub id: String,
    pub end_customer_id: String,
    pub name: Option<String>,
    pub metadata_json: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, end_customer_id, name, metadata_json, created_at, updated_at";

impl Store {
    /// Creates the end customer unless it exists (a name given here fills an empty one).
    pub async fn ensure_end_customer(&self, end_customer_id: &str, name: Option<&str>) -> Result<()> {
        let ts = now();
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO end_customers (id, end_customer_id, name, metadata_json, created_at, updated_at)
             VALUES ($1, $2, $3, '{}', $4, $4)
             ON CONFLICT (end_customer_id) DO UPDATE SET name = COALESCE(end_customers.name, excluded.name)"
        )
        .bind(new_id("ecus"))
        .bind(end_customer_id)
        .bind(name)
        .bind(&ts)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn end_customer(&self, end_customer_id: &str) -> Result<Option<EndCustomerRow>> {
        let sql = format!("SELECT {COLUMNS} FROM end_customers WHERE end_customer_id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, EndCustomerRow>(&sql).bind(end_customer_id).fetch_optional(p).await)?)
    }

    /// Ordered by the operator's id; `after` is the last id of the previous page.
    pub async fn end_customers(&self, after: Option<&str>, limit: i64) -> Result<Vec<EndCustomerRow>> {
        let sql = format!("SELECT {COLUMNS} FROM end_customers WHERE ($1 IS NULL OR end_customer_id > $1) ORDER BY end_customer_id LIMIT $2");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, EndCustomerRow>(&sql).bind(after).bind(limit).fetch_all(p).await)?)
    }

    pub async fn update_end_customer(&self, end_customer_id: &str, name: Option<&str>, metadata_json: Option<&str>) -> Result<bool> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE end_customers SET name = COALESCE($2, name), metadata_json = COALESCE($3, metadata_json), updated_at = $4
             WHERE end_customer_id = $1"
        )
        .bind(end_customer_id)
        .bind(name)
        .bind(metadata_json)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
