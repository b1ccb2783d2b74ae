//! Connections: which system, where, with which (encrypted) credentials.

use anyhow::Result;

use serde_json::json;

use super::outbox::{Conn, insert_event};
use super::{Store, now, on_pool};
use crate::webhooks::events::{CONNECTION_CREATED, CONNECTION_DELETED, ConnectionRef, connection_event};

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
    /// Inserts an active connection and its `connection.created` event, in one transaction.
    pub async fn insert_connection(&self, c: &NewConnection) -> Result<()> {
        let ts = now();
        let connection = ConnectionRef { id: &c.id, end_customer_id: c.end_customer_id.as_deref(), connector_id: &c.connector_id, environment: &c.environment };
        let event = connection_event(CONNECTION_CREATED, &connection, json!({ "status": "active" }), &ts);
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            sqlx::query(
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
            .execute(&mut *tx)
            .await?;
            insert_event(Conn::from(&mut *tx), &event, false).await?;
            tx.commit().await
        }
        .await)?;
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

/// Filters of the admin connection list.
#[derive(Debug, Default)]
pub struct ConnectionFilter {
    pub end_customer_id: Option<String>,
    pub connector_id: Option<String>,
    pub status: Option<String>,
    pub environment: Option<String>,
    /// The last id of the previous page.
    pub after: Option<String>,
    pub limit: i64,
}

impl Store {
    pub async fn list_connections(&self, f: &ConnectionFilter) -> Result<Vec<ConnectionRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM connections
             WHERE ($1 IS NULL OR end_customer_id = $1) AND ($2 IS NULL OR connector_id = $2)
               AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR environment = $4) AND ($5 IS NULL OR id > $5)
             ORDER BY id LIMIT $6"
        );
        let rows = on_pool!(self, |p| sqlx::query_as::<_, ConnectionRow>(&sql)
            .bind(&f.end_customer_id)
            .bind(&f.connector_id)
            .bind(&f.status)
            .bind(&f.environment)
            .bind(&f.after)
            .bind(f.limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    pub async fn update_connection_metadata(&self, id: &str, metadata_json: &str) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE connections SET metadata_json = $2, updated_at = $3, config_version = config_version + 1
             WHERE id = $1 AND status <> 'disconnected'"
        )
        .bind(id)
        .bind(metadata_json)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Disconnects: credentials destroyed, every token revoked, the row kept for history. One
    /// transaction, so no token outlives the credentials.
    pub async fn disconnect_connection(&self, id: &str) -> Result<bool> {
        let ts = now();
        let n = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE connections SET status = 'disconnected', credentials = $2, wrapped_key = $2, disconnected_at = $3,
                    updated_at = $3, config_version = config_version + 1
                 WHERE id = $1 AND status <> 'disconnected'"
            )
            .bind(id)
            .bind(Vec::<u8>::new())
            .bind(&ts)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE connection_tokens SET revoked_at = $2 WHERE connection_id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(&ts)
                .execute(&mut *tx)
                .await?;
            if n == 1 {
                let (end_customer, connector, environment): (Option<String>, String, String) =
                    sqlx::query_as("SELECT end_customer_id, connector_id, environment FROM connections WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                let c = ConnectionRef { id, end_customer_id: end_customer.as_deref(), connector_id: &connector, environment: &environment };
                insert_event(Conn::from(&mut *tx), &connection_event(CONNECTION_DELETED, &c, json!({ "status": "disconnected" }), &ts), false).await?;
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        }
        .await)?;
        Ok(n == 1)
    }
}

impl Store {
    /// Master-key rotation: replaces every connection's wrapped data key, and the vault's check
    /// value, in one transaction (all or nothing). `rewrap(id, wrapped)` returns the key wrapped under the new master key.
    pub async fn rewrap_all_keys(&self, rewrap: impl Fn(&str, &[u8]) -> Result<Vec<u8>> + Sync) -> Result<usize> {
        let rewrap = &rewrap;
        let count = on_pool!(self, |p| async move {
            let mut tx = p.begin().await?;
            let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT id, wrapped_key FROM connections WHERE status <> 'disconnected'")
                .fetch_all(&mut *tx)
                .await?;
            for (id, wrapped) in &rows {
                let new = rewrap(id, wrapped)?;
                sqlx::query("UPDATE connections SET wrapped_key = $2 WHERE id = $1 AND wrapped_key = $3")
                    .bind(id)
                    .bind(&new)
                    .bind(wrapped)
                    .execute(&mut *tx)
                    .await?;
            }
            // OAuth apps' secrets are sealed the same way (pseudo-id `oauth_app:<connector>`).
            let apps: Vec<(String, Vec<u8>)> = sqlx::query_as(Store::OAUTH_APP_KEYS).fetch_all(&mut *tx).await?;
            for (connector_id, wrapped) in &apps {
                let new = rewrap(&crate::oauth::apps::vault_id(connector_id), wrapped)?;
                sqlx::query(Store::OAUTH_APP_REWRAP).bind(connector_id).bind(&new).bind(wrapped).execute(&mut *tx).await?;
            }
            // The master-key check value moves in the same transaction.
            let check: Option<(Vec<u8>,)> = sqlx::query_as("SELECT wrapped_key FROM vault_check WHERE id = 1").fetch_optional(&mut *tx).await?;
            if let Some((wrapped,)) = check {
                let new = rewrap(crate::vault::CHECK_ID, &wrapped)?;
                sqlx::query("UPDATE vault_check SET wrapped_key = $1 WHERE id = 1").bind(&new).execute(&mut *tx).await?;
            }
            super::webhook_endpoints::rewrap_webhook_keys(Conn::from(&mut *tx), rewrap).await?;
            tx.commit().await?;
            Ok::<usize, anyhow::Error>(rows.len())
        }
        .await)?;
        Ok(count)
    }
}

impl Store {
    /// The sealed master-key check value, if the database has one.
    pub async fn vault_check(&self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT ciphertext, wrapped_key FROM vault_check WHERE id = 1").fetch_optional(p).await)?)
    }

    /// Stores (or replaces, after a master-key rotation) the check value.
    pub async fn set_vault_check(&self, ciphertext: &[u8], wrapped_key: &[u8]) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO vault_check (id, ciphertext, wrapped_key) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET ciphertext = excluded.ciphertext, wrapped_key = excluded.wrapped_key"
        )
        .bind(ciphertext)
        .bind(wrapped_key)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
