//! Per-connection field mappings: the version history of each (connection, entity) override set,
//! mapping plugins by digest, and which plugin is attached where.
//!
//! Every change inserts a version and bumps the connection's `config_version` in one
//! transaction, so every replica rebuilds the connection's mappings on its next request.

use anyhow::Result;

use super::{Store, new_id, now, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MappingVersionRow {
    pub id: String,
    pub connection_id: String,
    pub entity: String,
    pub version: i64,
    pub action: String,
    pub restored_from: Option<i64>,
    pub rules_json: String,
    pub previous_json: String,
    pub actor: String,
    pub created_at: String,
}

const VERSION_COLUMNS: &str =
    "id, connection_id, entity, version, action, restored_from, rules_json, previous_json, actor, created_at";

/// A change to a connection's override set for one entity.
pub struct NewMappingVersion<'a> {
    pub connection_id: &'a str,
    pub entity: &'a str,
    pub action: &'a str,
    pub restored_from: Option<i64>,
    /// The whole override set after the change (`[]`: the connector's defaults).
    pub rules_json: &'a str,
    pub actor: &'a str,
}

/// A mapping plugin attached to a connection and entity.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachedMapper {
    pub entity: String,
    pub digest: String,
    pub attached_at: String,
}

impl Store {
    /// The current override set of every entity of a connection that has one: `(entity, rules)`.
    pub async fn current_field_mappings(&self, connection_id: &str) -> Result<Vec<MappingVersionRow>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM field_mapping_versions v WHERE connection_id = $1 AND version =
             (SELECT MAX(version) FROM field_mapping_versions w WHERE w.connection_id = v.connection_id AND w.entity = v.entity)
             ORDER BY entity"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, MappingVersionRow>(&sql).bind(connection_id).fetch_all(p).await)?)
    }

    /// One version, or the newest when `version` is `None`.
    pub async fn field_mapping_version(&self, connection_id: &str, entity: &str, version: Option<i64>) -> Result<Option<MappingVersionRow>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM field_mapping_versions WHERE connection_id = $1 AND entity = $2
             AND ($3 IS NULL OR version = $3) ORDER BY version DESC LIMIT 1"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, MappingVersionRow>(&sql)
            .bind(connection_id)
            .bind(entity)
            .bind(version)
            .fetch_optional(p)
            .await)?)
    }

    /// The history, newest first; `before` is the last version of the previous page.
    pub async fn field_mapping_history(&self, connection_id: &str, entity: &str, before: Option<i64>, limit: i64) -> Result<Vec<MappingVersionRow>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM field_mapping_versions WHERE connection_id = $1 AND entity = $2
             AND ($3 IS NULL OR version < $3) ORDER BY version DESC LIMIT $4"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, MappingVersionRow>(&sql)
            .bind(connection_id)
            .bind(entity)
            .bind(before)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Appends a version (the next number, the previous set as `previous_json`) and bumps the
    /// connection's `config_version`, in one transaction. Two concurrent saves cannot take the
    /// same number (unique key): the loser retries on top of the winner.
    pub async fn save_field_mapping(&self, change: &NewMappingVersion<'_>) -> Result<MappingVersionRow> {
        let insert = format!(
            "INSERT INTO field_mapping_versions ({VERSION_COLUMNS})
             SELECT $1, $2, $3, COALESCE(MAX(version), 0) + 1, $4, $5, $6,
                    COALESCE((SELECT rules_json FROM field_mapping_versions
                              WHERE connection_id = $2 AND entity = $3 ORDER BY version DESC LIMIT 1), '[]'),
                    $7, $8
             FROM field_mapping_versions WHERE connection_id = $2 AND entity = $3
             RETURNING {VERSION_COLUMNS}"
        );
        let mut attempt = 0;
        loop {
            let ts = now();
            let result = on_pool!(self, |p| async {
                let mut tx = p.begin().await?;
                let row = sqlx::query_as::<_, MappingVersionRow>(&insert)
                    .bind(new_id("fmv"))
                    .bind(change.connection_id)
                    .bind(change.entity)
                    .bind(change.action)
                    .bind(change.restored_from)
                    .bind(change.rules_json)
                    .bind(change.actor)
                    .bind(&ts)
                    .fetch_one(&mut *tx)
                    .await?;
                bump_config_version(&mut tx, change.connection_id, &ts).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(row)
            }
            .await);
            match result {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempt < 10 => attempt += 1,
                other => return Ok(other?),
            }
        }
    }

    /// Stores a mapping plugin's bytes unless already there.
    pub async fn insert_mapper_module(&self, digest: &str, bytes: &[u8]) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO mapper_modules (digest, bytes, size_bytes, installed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (digest) DO NOTHING"
        )
        .bind(digest)
        .bind(bytes)
        .bind(bytes.len() as i64)
        .bind(now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn mapper_module_bytes(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> =
            on_pool!(self, |p| sqlx::query_as("SELECT bytes FROM mapper_modules WHERE digest = $1").bind(digest).fetch_optional(p).await)?;
        Ok(row.map(|r| r.0))
    }

    /// Attaches (or replaces) the plugin of a connection's entity, or detaches it (`None`), and
    /// bumps `config_version`. Returns whether anything was attached before.
    pub async fn set_connection_mapper(&self, connection_id: &str, entity: &str, digest: Option<&str>, actor: &str) -> Result<bool> {
        let ts = now();
        let had = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let removed = sqlx::query("DELETE FROM connection_mappers WHERE connection_id = $1 AND entity = $2")
                .bind(connection_id)
                .bind(entity)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if let Some(digest) = digest {
                sqlx::query("INSERT INTO connection_mappers (connection_id, entity, digest, actor, attached_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(connection_id)
                    .bind(entity)
                    .bind(digest)
                    .bind(actor)
                    .bind(&ts)
                    .execute(&mut *tx)
                    .await?;
            }
            bump_config_version(&mut tx, connection_id, &ts).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(removed > 0)
        }
        .await)?;
        Ok(had)
    }

    pub async fn connection_mappers(&self, connection_id: &str) -> Result<Vec<AttachedMapper>> {
        Ok(on_pool!(self, |p| sqlx::query_as::<_, AttachedMapper>(
            "SELECT entity, digest, attached_at FROM connection_mappers WHERE connection_id = $1 ORDER BY entity"
        )
        .bind(connection_id)
        .fetch_all(p)
        .await)?)
    }

    /// Digests of every attached plugin (loaded at start-up, so requests never compile).
    pub async fn attached_mapper_digests(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            on_pool!(self, |p| sqlx::query_as("SELECT DISTINCT digest FROM connection_mappers ORDER BY digest").fetch_all(p).await)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// Makes a configuration change visible to every replica on its next request.
async fn bump_config_version<'c, DB>(tx: &mut sqlx::Transaction<'c, DB>, connection_id: &str, ts: &str) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'t> &'t mut <DB as sqlx::Database>::Connection: sqlx::Executor<'t, Database = DB>,
{
    sqlx::query("UPDATE connections SET config_version = config_version + 1, updated_at = $2 WHERE id = $1")
        .bind(connection_id)
        .bind(ts)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
