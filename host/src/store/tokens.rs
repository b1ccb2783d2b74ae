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
