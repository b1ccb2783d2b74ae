//! Connections: which system, where, with which (encrypted) credentials.

use anyhow::Result;

use super::{Store, now, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: String,
    pub end_customer_id: Option<String>,
    pub connector_id: String,
    pub pinned_digest: Option<String>,
    pub base_url: String,
    pub environment: String,
    pub status: String,
    pub settings_json: String,
    pub credentials: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub credentials_version: i64,
    pub approved_hosts_json: String,
    pub private_networks_json: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub metadata_json: String,
    pub config_version: i64,
    pub created_at: String,
    pub updated_at: String,
}

pub struct NewConnection {
    pub id: String,
    pub end_customer_id: Option<String>,
    pub connector_id: String,
    pub base_url: String,
    pub environment: String,
    pub settings_json: String,
    pub credentials: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub approved_hosts_json: String,
    pub private_networks_json: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
}

const COLUMNS: &str = "id, end_customer_id, connector_id, pinned_digest, base_url, environment, status, settings_json,
    credentials, wrapped_key, credentials_version, approved_hosts_json, private_networks_json, account_id,
    account_name, metadata_json, config_version, created_at, updated_at";

impl Store {
    pub async fn insert_connection(&self, c: &NewConnection) -> Result<()> {
        let ts = now();
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO connections (id, end_customer_id, connector_id, base_url, environment, status, settings_json,
                credentials, wrapped_key, approved_hosts_json, private_networks_json, account_id, account_name,
                created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, $12, $13, $13)"
        )
        .bind(&c.id)
        .bind(&c.end_customer_id)
        .bind(&c.connector_id)
        .bind(&c.base_url)
        .bind(&c.environment)
        .bind(&c.settings_json)
        .bind(&c.credentials)
        .bind(&c.wrapped_key)
        .bind(&c.approved_hosts_json)
        .bind(&c.private_networks_json)
        .bind(&c.account_id)
        .bind(&c.account_name)
        .bind(&ts)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn connection(&self, id: &str) -> Result<Option<ConnectionRow>> {
        let sql = format!("SELECT {COLUMNS} FROM connections WHERE id = $1");
        let row = on_pool!(self, |p| sqlx::query_as::<_, ConnectionRow>(&sql).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    pub async fn connections(&self) -> Result<Vec<ConnectionRow>> {
        let sql = format!("SELECT {COLUMNS} FROM connections ORDER BY id");
        let rows = on_pool!(self, |p| sqlx::query_as::<_, ConnectionRow>(&sql).fetch_all(p).await)?;
        Ok(rows)
    }
}

impl Store {
    /// Points a connection at another base URL (the demo's emulator moves between runs).
    pub async fn update_connection_base_url(&self, id: &str, base_url: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE connections SET base_url = $2, config_version = config_version + 1, updated_at = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(base_url)
        .bind(now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
