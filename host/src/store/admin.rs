//! Admin tokens and the audit log.

use anyhow::Result;

use super::{Store, new_id, now, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AdminTokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scope: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    #[serde(skip)]
    pub details_json: String,
    pub at: String,
}

impl Store {
    pub async fn insert_admin_token(&self, id: &str, name: &str, hash: &str, prefix: &str, scope: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO admin_tokens (id, name, token_hash, prefix, scope, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(id)
        .bind(name)
        .bind(hash)
        .bind(prefix)
        .bind(scope)
        .bind(now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn admin_token_by_hash(&self, hash: &str) -> Result<Option<AdminTokenRow>> {
        let row = on_pool!(self, |p| sqlx::query_as::<_, AdminTokenRow>(
            "SELECT id, name, prefix, scope, created_at, last_used_at, revoked_at FROM admin_tokens WHERE token_hash = $1"
        )
        .bind(hash)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    /// Appends to the audit log. `details` must never hold secrets.
    pub async fn audit(&self, actor: &str, action: &str, target: Option<&str>, details: &serde_json::Value) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO audit_log (id, actor, action, target, details_json, at) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(new_id("aud"))
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(details.to_string())
        .bind(now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Newest first; `before` is the id of the last entry of the previous page (ids are
    /// time-ordered UUIDv7).
    pub async fn audit_log(&self, before: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = on_pool!(self, |p| sqlx::query_as::<_, AuditEntry>(
            "SELECT id, actor, action, target, details_json, at FROM audit_log
             WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2"
        )
        .bind(before)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}
