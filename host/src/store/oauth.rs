//! OAuth apps (per connector, secrets sealed), pending authorization requests of the connect
//! page, and the compare-and-swap that stores a refreshed grant in a connection's credentials.

use anyhow::Result;

use super::{Store, now, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OAuthAppRow {
    pub connector_id: String,
    pub client_id: String,
    pub secrets: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub public_json: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OAuthAuthorizationRow {
    pub state_hash: String,
    pub link_session_id: String,
    pub connector_id: String,
    pub base_url: String,
    pub settings_json: String,
    pub code_verifier: String,
    pub redirect_uri: String,
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

const BUMP_CONNECTIONS: &str = "UPDATE connections SET config_version = config_version + 1 WHERE connector_id = $1";
const APP_COLUMNS: &str = "connector_id, client_id, secrets, wrapped_key, public_json, created_at, updated_at";
const AUTHORIZATION_COLUMNS: &str =
    "state_hash, link_session_id, connector_id, base_url, settings_json, code_verifier, redirect_uri, created_at, expires_at, used_at";

impl Store {
    /// Sets a connector's app and bumps the `config_version` of its connections in the same
    /// transaction, so every replica rebinds them with the new app on their next request.
    pub async fn upsert_oauth_app(&self, connector_id: &str, client_id: &str, secrets: &[u8], wrapped_key: &[u8], public_json: &str) -> Result<()> {
        let ts = now();
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO oauth_apps (connector_id, client_id, secrets, wrapped_key, public_json, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 ON CONFLICT (connector_id) DO UPDATE SET client_id = excluded.client_id, secrets = excluded.secrets,
                    wrapped_key = excluded.wrapped_key, public_json = excluded.public_json, updated_at = excluded.updated_at"
            )
            .bind(connector_id)
            .bind(client_id)
            .bind(secrets)
            .bind(wrapped_key)
            .bind(public_json)
            .bind(&ts)
            .execute(&mut *tx)
            .await?;
            sqlx::query(BUMP_CONNECTIONS).bind(connector_id).execute(&mut *tx).await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    pub async fn oauth_app(&self, connector_id: &str) -> Result<Option<OAuthAppRow>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM oauth_apps WHERE connector_id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, OAuthAppRow>(&sql).bind(connector_id).fetch_optional(p).await)?)
    }

    pub async fn delete_oauth_app(&self, connector_id: &str) -> Result<bool> {
        let n = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let n = sqlx::query("DELETE FROM oauth_apps WHERE connector_id = $1").bind(connector_id).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query(BUMP_CONNECTIONS).bind(connector_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        }
        .await)?;
        Ok(n == 1)
    }

    /// Every app's wrapped key, for master-key rotation.
    pub(crate) const OAUTH_APP_KEYS: &'static str = "SELECT connector_id, wrapped_key FROM oauth_apps";
    pub(crate) const OAUTH_APP_REWRAP: &'static str = "UPDATE oauth_apps SET wrapped_key = $2 WHERE connector_id = $1 AND wrapped_key = $3";
}

impl Store {
    pub async fn insert_oauth_authorization(&self, a: &OAuthAuthorizationRow) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO oauth_authorizations (state_hash, link_session_id, connector_id, base_url, settings_json, code_verifier,
                redirect_uri, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(&a.state_hash)
        .bind(&a.link_session_id)
        .bind(&a.connector_id)
        .bind(&a.base_url)
        .bind(&a.settings_json)
        .bind(&a.code_verifier)
        .bind(&a.redirect_uri)
        .bind(&a.created_at)
        .bind(&a.expires_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Claims a pending authorization request by its state: at most once, before `expires_at`.
    pub async fn claim_oauth_authorization(&self, state_hash: &str, at: &str) -> Result<Option<OAuthAuthorizationRow>> {
        let sql = format!(
            "UPDATE oauth_authorizations SET used_at = $2 WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING {AUTHORIZATION_COLUMNS}"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, OAuthAuthorizationRow>(&sql).bind(state_hash).bind(at).fetch_optional(p).await)?)
    }

    /// Stores re-sealed credentials (a refreshed grant) if `credentials_version` is still
    /// `expected`; bumps the version, not `config_version` (the binding holding the token
    /// already has it; other processes adopt it on their next refresh).
    pub async fn swap_connection_credentials(&self, id: &str, expected: i64, credentials: &[u8], wrapped_key: &[u8]) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE connections SET credentials = $2, wrapped_key = $3, credentials_version = credentials_version + 1, updated_at = $4
             WHERE id = $1 AND credentials_version = $5 AND status <> 'disconnected'"
        )
        .bind(id)
        .bind(credentials)
        .bind(wrapped_key)
        .bind(now())
        .bind(expected)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
