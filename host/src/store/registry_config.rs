//! The registry's operator settings: trusted signing keys and per-connector limit overrides.

use anyhow::Result;
use serde::Serialize;

use super::{Store, now, on_pool};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct TrustedKeyRow {
    pub key_id: String,
    /// base64 of the 32-byte ed25519 public key.
    pub public_key: String,
    pub added_by: String,
    pub added_at: String,
}

impl Store {
    /// Adds a trusted key; false when the key id is taken.
    pub async fn insert_trusted_key(&self, key_id: &str, public_key: &str, added_by: &str) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "INSERT INTO trusted_keys (key_id, public_key, added_by, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key_id) DO NOTHING"
        )
        .bind(key_id)
        .bind(public_key)
        .bind(added_by)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn trusted_key(&self, key_id: &str) -> Result<Option<TrustedKeyRow>> {
        let row = on_pool!(self, |p| sqlx::query_as::<_, TrustedKeyRow>(
            "SELECT key_id, public_key, added_by, added_at FROM trusted_keys WHERE key_id = $1"
        )
        .bind(key_id)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    pub async fn trusted_keys(&self) -> Result<Vec<TrustedKeyRow>> {
        let rows = on_pool!(self, |p| sqlx::query_as::<_, TrustedKeyRow>(
            "SELECT key_id, public_key, added_by, added_at FROM trusted_keys ORDER BY key_id"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    pub async fn delete_trusted_key(&self, key_id: &str) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query("DELETE FROM trusted_keys WHERE key_id = $1")
            .bind(key_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The operator's limit overrides for a connector (JSON), if any.
    pub async fn connector_limits(&self, connector_id: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = on_pool!(self, |p| sqlx::query_as("SELECT limits_json FROM connector_limits WHERE connector_id = $1")
            .bind(connector_id)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|r| r.0))
    }

    /// Replaces a connector's overrides (`None` removes them) and bumps every connection of the
    /// connector, pinned or not: their bindings carry the outbound limits.
    pub async fn set_connector_limits(&self, connector_id: &str, limits_json: Option<&str>) -> Result<()> {
        let ts = now();
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            match limits_json {
                Some(json) => {
                    sqlx::query(
                        "INSERT INTO connector_limits (connector_id, limits_json, updated_at) VALUES ($1, $2, $3)
                         ON CONFLICT (connector_id) DO UPDATE SET limits_json = excluded.limits_json, updated_at = excluded.updated_at",
                    )
                    .bind(connector_id)
                    .bind(json)
                    .bind(&ts)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM connector_limits WHERE connector_id = $1").bind(connector_id).execute(&mut *tx).await?;
                }
            }
            sqlx::query("UPDATE connections SET config_version = config_version + 1, updated_at = $2 WHERE connector_id = $1")
                .bind(connector_id)
                .bind(&ts)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }
}
