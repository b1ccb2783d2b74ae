//! Link sessions (the hosted connect flow) and the connection writes that complete them.
//!
//! Only SHA-256 hashes of the session secret and of the one-time code are stored. A session is
//! `pending` until the form succeeds, then `completed`; a pending session past `expires_at` is
//! expired (computed, not stored). Completing a session and, for a reconnect, replacing the
//! connection's credentials happen in one transaction, each guarded by compare-and-swap
//! (`status = 'pending'`, `credentials_version = expected`).

use anyhow::Result;

use super::health::record_reconnect;
use super::outbox::{Conn, on_conn};
use super::{NewToken, Store, now, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkSessionRow {
    pub id: String,
    pub end_customer_id: String,
    pub environment: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub allowed_connectors_json: Option<String>,
    pub connection_id: Option<String>,
    pub rotate_tokens: bool,
    pub approved_hosts_json: String,
    pub private_networks_json: String,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub completed_at: Option<String>,
    pub result_connection_id: Option<String>,
    pub mint_token: bool,
    pub code_expires_at: Option<String>,
    pub code_used_at: Option<String>,
}

impl LinkSessionRow {
    /// `pending`, `completed` or `expired` (a pending session past its expiry).
    pub fn effective_status(&self) -> &'static str {
        match self.status.as_str() {
            "completed" => "completed",
            _ if self.expires_at.as_str() <= now().as_str() => "expired",
            _ => "pending",
        }
    }

    /// The connectors this session may connect; `None` means every installed one.
    pub fn allowed_connectors(&self) -> Option<Vec<String>> {
        self.allowed_connectors_json.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }
}

pub struct NewLinkSession {
    pub id: String,
    pub secret_hash: String,
    pub end_customer_id: String,
    pub environment: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub allowed_connectors_json: Option<String>,
    pub connection_id: Option<String>,
    pub rotate_tokens: bool,
    pub approved_hosts_json: String,
    pub private_networks_json: String,
    pub created_by: String,
    pub expires_at: String,
}

/// New credentials for an existing connection, already checked and sealed.
pub struct ReplaceCredentials {
    pub connection_id: String,
    /// The `credentials_version` the credentials were checked against (compare-and-swap).
    pub expected_credentials_version: i64,
    pub base_url: String,
    pub settings_json: String,
    pub credentials: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub account_name: Option<String>,
}

/// What completing a session records.
pub struct LinkCompletion<'a> {
    pub session_id: &'a str,
    pub connection_id: &'a str,
    pub mint_token: bool,
    pub code_hash: &'a str,
    pub code_expires_at: &'a str,
    /// A reconnect: the credentials to swap in, in the same transaction.
    pub replace: Option<&'a ReplaceCredentials>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum CompleteOutcome {
    Completed,
    /// The session was completed by another submission meanwhile, or expired.
    SessionGone,
    /// The connection's credentials changed (or it was disconnected) since they were checked.
    CredentialsChanged,
}

const COLUMNS: &str = "id, end_customer_id, environment, redirect_uri, state, allowed_connectors_json, connection_id,
    rotate_tokens, approved_hosts_json, private_networks_json, status, created_by, created_at, expires_at, completed_at,
    result_connection_id, mint_token, code_expires_at, code_used_at";

const REPLACE_CREDENTIALS: &str = "UPDATE connections SET base_url = $2, settings_json = $3, credentials = $4, wrapped_key = $5,
        account_name = COALESCE($6, account_name), status = 'active', credentials_version = credentials_version + 1,
        config_version = config_version + 1, updated_at = $7
     WHERE id = $1 AND credentials_version = $8 AND status <> 'disconnected'";

impl Store {
    pub async fn insert_link_session(&self, s: &NewLinkSession) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO link_sessions (id, secret_hash, end_customer_id, environment, redirect_uri, state,
                allowed_connectors_json, connection_id, rotate_tokens, approved_hosts_json, private_networks_json,
                status, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13, $14)"
        )
        .bind(&s.id)
        .bind(&s.secret_hash)
        .bind(&s.end_customer_id)
        .bind(&s.environment)
        .bind(&s.redirect_uri)
        .bind(&s.state)
        .bind(&s.allowed_connectors_json)
        .bind(&s.connection_id)
        .bind(s.rotate_tokens)
        .bind(&s.approved_hosts_json)
        .bind(&s.private_networks_json)
        .bind(&s.created_by)
        .bind(now())
        .bind(&s.expires_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn link_session(&self, id: &str) -> Result<Option<LinkSessionRow>> {
        let sql = format!("SELECT {COLUMNS} FROM link_sessions WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, LinkSessionRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn link_session_by_secret(&self, secret_hash: &str) -> Result<Option<LinkSessionRow>> {
        let sql = format!("SELECT {COLUMNS} FROM link_sessions WHERE secret_hash = $1");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, LinkSessionRow>(&sql).bind(secret_hash).fetch_optional(p).await)?)
    }

    /// Completes a pending, unexpired session with a one-time code; for a reconnect, swaps the
    /// connection's credentials in the same transaction. Nothing changes unless both succeed.
    pub async fn complete_link_session(&self, c: &LinkCompletion<'_>) -> Result<CompleteOutcome> {
        let ts = now();
        let outcome = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE link_sessions SET status = 'completed', completed_at = $2, result_connection_id = $3, mint_token = $4,
                    code_hash = $5, code_expires_at = $6
                 WHERE id = $1 AND status = 'pending' AND expires_at > $2"
            )
            .bind(c.session_id)
            .bind(&ts)
            .bind(c.connection_id)
            .bind(c.mint_token)
            .bind(c.code_hash)
            .bind(c.code_expires_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                tx.rollback().await?;
                return Ok::<CompleteOutcome, sqlx::Error>(CompleteOutcome::SessionGone);
            }
            if let Some(r) = c.replace
                && !swap_credentials(Conn::from(&mut *tx), r, &ts).await?
            {
                tx.rollback().await?;
                return Ok(CompleteOutcome::CredentialsChanged);
            }
            tx.commit().await?;
            Ok(CompleteOutcome::Completed)
        }
        .await)?;
        Ok(outcome)
    }

    /// Claims a one-time code: at most one caller gets the session back, and only before the
    /// code expires (judged at `at`, the app clock's now).
    pub async fn claim_link_code(&self, code_hash: &str, at: &str) -> Result<Option<LinkSessionRow>> {
        let sql = format!(
            "UPDATE link_sessions SET code_used_at = $2
             WHERE code_hash = $1 AND code_used_at IS NULL AND status = 'completed' AND code_expires_at > $2
             RETURNING {COLUMNS}"
        );
        let ts = at;
        Ok(on_pool!(self, |p| sqlx::query_as::<_, LinkSessionRow>(&sql).bind(code_hash).bind(ts).fetch_optional(p).await)?)
    }

    /// Swaps a connection's credentials (compare-and-swap on `credentials_version`), marks it
    /// active and bumps `config_version`. `false` when the version moved or it is disconnected.
    pub async fn replace_connection_credentials(&self, r: &ReplaceCredentials) -> Result<bool> {
        let ts = now();
        let swapped = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let swapped = swap_credentials(Conn::from(&mut *tx), r, &ts).await?;
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(swapped)
        }
        .await)?;
        Ok(swapped)
    }

    /// Revokes every live token of a connection; returns how many.
    pub async fn revoke_connection_tokens(&self, connection_id: &str) -> Result<u64> {
        let n = on_pool!(self, |p| sqlx::query("UPDATE connection_tokens SET revoked_at = $2 WHERE connection_id = $1 AND revoked_at IS NULL")
            .bind(connection_id)
            .bind(now())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Revokes every live token of the connection and inserts `token`, in one transaction: no
    /// moment with both or neither.
    pub async fn replace_connection_tokens(&self, token: &NewToken) -> Result<()> {
        let ts = now();
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE connection_tokens SET revoked_at = $2 WHERE connection_id = $1 AND revoked_at IS NULL")
                .bind(&token.connection_id)
                .bind(&ts)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO connection_tokens (id, connection_id, token_hash, prefix, environment, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )
            .bind(&token.id)
            .bind(&token.connection_id)
            .bind(&token.token_hash)
            .bind(&token.prefix)
            .bind(&token.environment)
            .bind(&ts)
            .bind(&token.expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }
}

/// Swaps the credentials inside the caller's transaction (compare-and-swap on
/// `credentials_version`) and records the reconnect (health reset, status change and its event
/// when the status moves). `false` when the version moved or the connection is disconnected.
async fn swap_credentials(mut conn: Conn<'_>, r: &ReplaceCredentials, ts: &str) -> sqlx::Result<bool> {
    let previous: Option<(String,)> = on_conn!(conn.reborrow(), |c| sqlx::query_as("SELECT status FROM connections WHERE id = $1")
        .bind(&r.connection_id)
        .fetch_optional(c)
        .await)?;
    let n = on_conn!(conn.reborrow(), |c| sqlx::query(REPLACE_CREDENTIALS)
        .bind(&r.connection_id)
        .bind(&r.base_url)
        .bind(&r.settings_json)
        .bind(&r.credentials)
        .bind(&r.wrapped_key)
        .bind(&r.account_name)
        .bind(ts)
        .bind(r.expected_credentials_version)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    match previous {
        Some((status,)) if n == 1 => record_reconnect(conn, &r.connection_id, &status, ts).await.map(|_| true),
        _ => Ok(false),
    }
}
