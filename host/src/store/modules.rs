//! Installed connector modules and which version of each connector is active.

use anyhow::Result;

use super::{Store, now, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ModuleRow {
    pub digest: String,
    pub connector_id: String,
    pub version: String,
    pub wit_version: String,
    pub info_json: String,
    pub installed_at: String,
}

impl Store {
    /// Stores a module unless the same bytes are already there. Returns false when a different
    /// module already has this connector id and version.
    pub async fn insert_module(&self, m: &ModuleRow, bytes: &[u8]) -> Result<bool> {
        if let Some(existing) = self.module_by_version(&m.connector_id, &m.version).await? {
            return Ok(existing.digest == m.digest);
        }
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO modules (digest, connector_id, version, wit_version, info_json, bytes, installed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (digest) DO NOTHING"
        )
        .bind(&m.digest)
        .bind(&m.connector_id)
        .bind(&m.version)
        .bind(&m.wit_version)
        .bind(&m.info_json)
        .bind(bytes)
        .bind(&m.installed_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(true)
    }

    pub async fn module_by_version(&self, connector_id: &str, version: &str) -> Result<Option<ModuleRow>> {
        let row = on_pool!(self, |p| sqlx::query_as::<_, ModuleRow>(
            "SELECT digest, connector_id, version, wit_version, info_json, installed_at FROM modules
             WHERE connector_id = $1 AND version = $2"
        )
        .bind(connector_id)
        .bind(version)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    pub async fn module_bytes(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        let bytes: Option<(Vec<u8>,)> = on_pool!(self, |p| sqlx::query_as("SELECT bytes FROM modules WHERE digest = $1")
            .bind(digest)
            .fetch_optional(p)
            .await)?;
        Ok(bytes.map(|b| b.0))
    }

    pub async fn activate_module(&self, connector_id: &str, digest: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO active_modules (connector_id, digest, activated_at) VALUES ($1, $2, $3)
             ON CONFLICT (connector_id) DO UPDATE SET digest = excluded.digest, activated_at = excluded.activated_at"
        )
        .bind(connector_id)
        .bind(digest)
        .bind(now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// `(connector_id, digest)` of every active module.
    pub async fn active_modules(&self) -> Result<Vec<(String, String)>> {
        let rows = on_pool!(self, |p| sqlx::query_as("SELECT connector_id, digest FROM active_modules ORDER BY connector_id")
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}
