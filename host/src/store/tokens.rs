//! Connection tokens. Only SHA-256 hashes are stored; the lookup also returns the connection's
//! `config_version`, so every replica sees revocations and configuration changes on the next
//! request.

use anyhow::Result;

use super::{Store, now, on_pool};

pub struct NewToken {
    pub id: String,
    pub connection_id: String,
    pub token_hash: String,
    pub prefix: String,
    pub environment: String,
    pub expires_at: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenLookup {
    pub token_id: String,
    pub connection_id: String,
    pub token_environment: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub config_version: i64,
}

impl Store {
    pub async fn insert_token(&self, t: &NewToken) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO connection_tokens (id, connection_id, token_hash, prefix, environment, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&t.id)
        .bind(&t.connection_id)
        .bind(&t.token_hash)
        .bind(&t.prefix)
        .bind(&t.environment)
        .bind(now())
        .bind(&t.expires_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The token with this hash and its connection's current `config_version`.
    pub async fn lookup_token(&self, token_hash: &str) -> Result<Option<TokenLookup>> {
        let row = on_pool!(self, |p| sqlx::query_as::<_, TokenLookup>(
            "SELECT t.id AS token_id, t.connection_id, t.environment AS token_environment, t.expires_at, t.revoked_at,
                    c.config_version
             FROM connection_tokens t JOIN connections c ON c.id = t.connection_id
             WHERE t.token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, schemars::JsonSchema)]
pub struct TokenRow {
    pub id: String,
    pub connection_id: String,
    pub prefix: String,
    pub environment: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl Store {
    pub async fn tokens_of(&self, connection_id: &str) -> Result<Vec<TokenRow>> {
        let rows = on_pool!(self, |p| sqlx::query_as::<_, TokenRow>(
            "SELECT id, connection_id, prefix, environment, created_at, last_used_at, expires_at, revoked_at
             FROM connection_tokens WHERE connection_id = $1 ORDER BY id"
        )
        .bind(connection_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    pub async fn token(&self, id: &str) -> Result<Option<TokenRow>> {
        let row = on_pool!(self, |p| sqlx::query_as::<_, TokenRow>(
            "SELECT id, connection_id, prefix, environment, created_at, last_used_at, expires_at, revoked_at
             FROM connection_tokens WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    /// Revokes a token now. Effective on the next request: every request reads the token row.
    pub async fn revoke_token(&self, id: &str) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query("UPDATE connection_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Ends a token's life at `expires_at` (rotation with a grace period), unless it ends sooner.
    pub async fn expire_token_at(&self, id: &str, expires_at: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE connection_tokens SET expires_at = $2 WHERE id = $1 AND (expires_at IS NULL OR expires_at > $2)"
        )
        .bind(id)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records use at most once a minute per token, so reads do not turn into writes.
    pub async fn touch_token(&self, id: &str) -> Result<()> {
        let ts = now();
        let minute_ago = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        on_pool!(self, |p| sqlx::query(
            "UPDATE connection_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)"
        )
        .bind(id)
        .bind(&ts)
        .bind(&minute_ago)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
