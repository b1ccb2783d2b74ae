//! Webhook endpoints: where events go, with their sealed signing secrets.

use anyhow::Result;

use super::outbox::{Conn, NewEvent, insert_event, upsert_delivery};
use super::{Store, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookEndpointRow {
    pub id: String,
    pub url: String,
    pub environment: String,
    pub description: Option<String>,
    pub event_types_json: Option<String>,
    pub end_customer_id: Option<String>,
    pub connection_id: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: Vec<u8>,
    pub secret_key: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_secret_key: Option<Vec<u8>>,
    pub previous_expires_at: Option<String>,
    pub failing_since: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl WebhookEndpointRow {
    pub fn event_types(&self) -> Option<Vec<String>> {
        self.event_types_json.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }
}

pub struct NewWebhookEndpoint {
    pub id: String,
    pub url: String,
    pub environment: String,
    pub description: Option<String>,
    pub event_types_json: Option<String>,
    pub end_customer_id: Option<String>,
    pub connection_id: Option<String>,
    pub secret: Vec<u8>,
    pub secret_key: Vec<u8>,
}

/// A change of an endpoint's settings; `None` keeps the field.
#[derive(Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub event_types_json: Option<Option<String>>,
    pub end_customer_id: Option<Option<String>>,
    pub connection_id: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// A rotated secret: the new one, and the old one signing until `previous_expires_at`.
pub struct RotatedSecret {
    pub secret: Vec<u8>,
    pub secret_key: Vec<u8>,
    pub previous_secret: Vec<u8>,
    pub previous_secret_key: Vec<u8>,
    pub previous_expires_at: String,
}

const COLUMNS: &str = "id, url, environment, description, event_types_json, end_customer_id, connection_id, enabled,
    disabled_reason, secret, secret_key, previous_secret, previous_secret_key, previous_expires_at, failing_since,
    created_at, updated_at";

impl Store {
    pub async fn insert_webhook_endpoint(&self, e: &NewWebhookEndpoint, now: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, environment, description, event_types_json, end_customer_id, connection_id,
                enabled, secret, secret_key, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"
        )
        .bind(&e.id)
        .bind(&e.url)
        .bind(&e.environment)
        .bind(&e.description)
        .bind(&e.event_types_json)
        .bind(&e.end_customer_id)
        .bind(&e.connection_id)
        .bind(true)
        .bind(&e.secret)
        .bind(&e.secret_key)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpointRow>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, WebhookEndpointRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// Endpoints in id order after `after` (admin pages); `enabled_only` for the dispatcher.
    pub async fn webhook_endpoints(&self, enabled_only: bool, after: Option<&str>, limit: i64) -> Result<Vec<WebhookEndpointRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_endpoints WHERE ($1 = FALSE OR enabled = TRUE) AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, WebhookEndpointRow>(&sql).bind(enabled_only).bind(after).bind(limit).fetch_all(p).await)?)
    }

    /// Applies a change; re-enabling clears the reason and the failure run. `false`: no such endpoint.
    pub async fn update_webhook_endpoint(&self, id: &str, c: &EndpointChange, now: &str) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE webhook_endpoints SET
                url = COALESCE($2, url),
                description = CASE WHEN $3 THEN $4 ELSE description END,
                event_types_json = CASE WHEN $5 THEN $6 ELSE event_types_json END,
                end_customer_id = CASE WHEN $7 THEN $8 ELSE end_customer_id END,
                connection_id = CASE WHEN $9 THEN $10 ELSE connection_id END,
                enabled = COALESCE($11, enabled),
                disabled_reason = CASE WHEN $11 = TRUE THEN NULL ELSE disabled_reason END,
                failing_since = CASE WHEN $11 = TRUE THEN NULL ELSE failing_since END,
                updated_at = $12
             WHERE id = $1"
        )
        .bind(id)
        .bind(&c.url)
        .bind(c.description.is_some())
        .bind(c.description.clone().flatten())
        .bind(c.event_types_json.is_some())
        .bind(c.event_types_json.clone().flatten())
        .bind(c.end_customer_id.is_some())
        .bind(c.end_customer_id.clone().flatten())
        .bind(c.connection_id.is_some())
        .bind(c.connection_id.clone().flatten())
        .bind(c.enabled)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes an endpoint with its deliveries and delivery log.
    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<bool> {
        let n = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM webhook_attempts WHERE endpoint_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1").bind(id).execute(&mut *tx).await?;
            let n = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        }
        .await)?;
        Ok(n == 1)
    }

    pub async fn rotate_webhook_secret(&self, id: &str, r: &RotatedSecret, now: &str) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE webhook_endpoints SET secret = $2, secret_key = $3, previous_secret = $4, previous_secret_key = $5,
                previous_expires_at = $6, updated_at = $7 WHERE id = $1"
        )
        .bind(id)
        .bind(&r.secret)
        .bind(&r.secret_key)
        .bind(&r.previous_secret)
        .bind(&r.previous_secret_key)
        .bind(&r.previous_expires_at)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// A `webhook.test` event and its one delivery, to this endpoint only, in one transaction.
    pub async fn insert_test_event(&self, endpoint_id: &str, event: &NewEvent) -> Result<()> {
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            insert_event(Conn::from(&mut *tx), event, true).await?;
            upsert_delivery(Conn::from(&mut *tx), &event.id, endpoint_id, &event.created_at).await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }
}

/// Master-key rotation's part for webhook secrets, inside its transaction: every sealed
/// secret's data key re-wrapped (`rewrap(aad_id, wrapped)`).
pub(crate) async fn rewrap_webhook_keys(
    conn: Conn<'_>,
    rewrap: &(dyn Fn(&str, &[u8]) -> Result<Vec<u8>> + Sync),
) -> Result<()> {
    super::outbox::on_conn!(conn, |c| {
        let rows: Vec<(String, Vec<u8>, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT id, secret_key, previous_secret_key FROM webhook_endpoints").fetch_all(&mut *c).await?;
        for (id, key, previous) in rows {
            let key = rewrap(&id, &key)?;
            let previous = previous.map(|k| rewrap(&previous_secret_aad(&id), &k)).transpose()?;
            sqlx::query("UPDATE webhook_endpoints SET secret_key = $2, previous_secret_key = $3 WHERE id = $1")
                .bind(&id)
                .bind(&key)
                .bind(&previous)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// The associated data an endpoint's previous secret is sealed under (the current one uses the
/// endpoint id), so the two cannot be swapped in the database.
pub fn previous_secret_aad(endpoint_id: &str) -> String {
    format!("{endpoint_id}.previous")
}
