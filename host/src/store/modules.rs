//! Installed connector modules, which version of each connector is active, and the activation
//! history rollback reads.
//!
//! Every change of what a connection runs (activation, rollback, deactivation, a pin) bumps the
//! `config_version` of the connections it affects in the same transaction, so each replica sees
//! it on the connection's next request.

use anyhow::Result;

use super::{Store, new_id, now, on_pool};

/// Inserts a history entry inside the caller's transaction (a macro: the statement runs on
/// either driver's transaction).
macro_rules! record_activation {
    ($tx:expr, $connector:expr, $digest:expr, $action:expr, $actor:expr, $ts:expr) => {
        sqlx::query("INSERT INTO module_activations (id, connector_id, digest, action, actor, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(new_id("act"))
            .bind($connector)
            .bind($digest)
            .bind($action)
            .bind($actor)
            .bind($ts)
            .execute(&mut *$tx)
            .await?
    };
}

/// The connections that follow the active version see the change on their next request.
macro_rules! bump_unpinned {
    ($tx:expr, $connector:expr, $ts:expr) => {
        sqlx::query("UPDATE connections SET config_version = config_version + 1, updated_at = $2 WHERE connector_id = $1 AND pinned_digest IS NULL")
            .bind($connector)
            .bind($ts)
            .execute(&mut *$tx)
            .await?
    };
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ModuleRow {
    pub digest: String,
    pub connector_id: String,
    pub version: String,
    pub wit_version: String,
    pub info_json: String,
    pub installed_at: String,
    /// The trusted key that signed the digest at install; `None` when unsigned.
    pub signed_by: Option<String>,
    /// Extra hosts approved at activation (JSON list); `None` until the version is activated.
    pub approved_hosts_json: Option<String>,
}

const COLUMNS: &str = "digest, connector_id, version, wit_version, info_json, installed_at, signed_by, approved_hosts_json";

/// A change of the active version, recorded in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationAction {
    Activate,
    Rollback,
}

impl ActivationAction {
    fn as_str(self) -> &'static str {
        match self {
            ActivationAction::Activate => "activate",
            ActivationAction::Rollback => "rollback",
        }
    }
}

/// Why a module could not be deleted.
#[derive(Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    Missing,
    Active,
    /// Pinned by this many connections.
    Pinned(i64),
}

impl Store {
    /// Stores a module unless the same bytes are already there. Returns false when a different
    /// module already has this connector id and version.
    pub async fn insert_module(&self, m: &ModuleRow, bytes: &[u8]) -> Result<bool> {
        if let Some(existing) = self.module_by_version(&m.connector_id, &m.version).await? {
            return Ok(existing.digest == m.digest);
        }
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO modules (digest, connector_id, version, wit_version, info_json, bytes, installed_at, signed_by,
                approved_hosts_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (digest) DO NOTHING"
        )
        .bind(&m.digest)
        .bind(&m.connector_id)
        .bind(&m.version)
        .bind(&m.wit_version)
        .bind(&m.info_json)
        .bind(bytes)
        .bind(&m.installed_at)
        .bind(&m.signed_by)
        .bind(&m.approved_hosts_json)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(true)
    }

    pub async fn module(&self, digest: &str) -> Result<Option<ModuleRow>> {
        let sql = format!("SELECT {COLUMNS} FROM modules WHERE digest = $1");
        let row = on_pool!(self, |p| sqlx::query_as::<_, ModuleRow>(&sql).bind(digest).fetch_optional(p).await)?;
        Ok(row)
    }

    pub async fn module_by_version(&self, connector_id: &str, version: &str) -> Result<Option<ModuleRow>> {
        let sql = format!("SELECT {COLUMNS} FROM modules WHERE connector_id = $1 AND version = $2");
        let row = on_pool!(self, |p| sqlx::query_as::<_, ModuleRow>(&sql).bind(connector_id).bind(version).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Every installed module (without its bytes), by connector and install time.
    pub async fn modules(&self) -> Result<Vec<ModuleRow>> {
        let sql = format!("SELECT {COLUMNS} FROM modules ORDER BY connector_id, installed_at, version");
        let rows = on_pool!(self, |p| sqlx::query_as::<_, ModuleRow>(&sql).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn module_bytes(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        let bytes: Option<(Vec<u8>,)> = on_pool!(self, |p| sqlx::query_as("SELECT bytes FROM modules WHERE digest = $1")
            .bind(digest)
            .fetch_optional(p)
            .await)?;
        Ok(bytes.map(|b| b.0))
    }

    /// Makes `digest` the active version of `connector_id`, records the approved hosts (when
    /// given) and the history entry, and bumps every unpinned connection of the connector: one
    /// transaction.
    pub async fn activate_module(
        &self,
        connector_id: &str,
        digest: &str,
        approved_hosts_json: Option<&str>,
        action: ActivationAction,
        actor: &str,
    ) -> Result<()> {
        let ts = now();
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            if let Some(hosts) = approved_hosts_json {
                sqlx::query("UPDATE modules SET approved_hosts_json = $2 WHERE digest = $1").bind(digest).bind(hosts).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO active_modules (connector_id, digest, activated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (connector_id) DO UPDATE SET digest = excluded.digest, activated_at = excluded.activated_at",
            )
            .bind(connector_id)
            .bind(digest)
            .bind(&ts)
            .execute(&mut *tx)
            .await?;
            record_activation!(tx, connector_id, Some(digest), action.as_str(), actor, &ts);
            bump_unpinned!(tx, connector_id, &ts);
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Leaves `connector_id` without an active version (pinned connections keep theirs).
    pub async fn deactivate_module(&self, connector_id: &str, actor: &str) -> Result<bool> {
        let ts = now();
        let n = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let n = sqlx::query("DELETE FROM active_modules WHERE connector_id = $1").bind(connector_id).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                record_activation!(tx, connector_id, None::<&str>, "deactivate", actor, &ts);
                bump_unpinned!(tx, connector_id, &ts);
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        }
        .await)?;
        Ok(n > 0)
    }

    /// `(connector_id, digest)` of every active module.
    pub async fn active_modules(&self) -> Result<Vec<(String, String)>> {
        let rows = on_pool!(self, |p| sqlx::query_as("SELECT connector_id, digest FROM active_modules ORDER BY connector_id")
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    pub async fn active_digest(&self, connector_id: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = on_pool!(self, |p| sqlx::query_as("SELECT digest FROM active_modules WHERE connector_id = $1")
            .bind(connector_id)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|r| r.0))
    }

    /// The version to roll back to: the most recently activated one, still installed, other
    /// than `current`.
    pub async fn rollback_target(&self, connector_id: &str, current: Option<&str>) -> Result<Option<String>> {
        let row: Option<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT a.digest FROM module_activations a JOIN modules m ON m.digest = a.digest
             WHERE a.connector_id = $1 AND ($2 IS NULL OR a.digest <> $2) ORDER BY a.at DESC, a.id DESC LIMIT 1"
        )
        .bind(connector_id)
        .bind(current)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|r| r.0))
    }

    /// Digests some connection is pinned to.
    pub async fn pinned_digests(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT DISTINCT pinned_digest FROM connections WHERE pinned_digest IS NOT NULL AND status <> 'disconnected'
             ORDER BY pinned_digest"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Pins a connection to a module (or unpins it with `None`).
    pub async fn pin_connection(&self, connection_id: &str, digest: Option<&str>) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE connections SET pinned_digest = $2, config_version = config_version + 1, updated_at = $3
             WHERE id = $1 AND status <> 'disconnected'"
        )
        .bind(connection_id)
        .bind(digest)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes a module nobody uses: not active, pinned by no connection.
    pub async fn delete_module(&self, digest: &str) -> Result<DeleteOutcome> {
        let outcome = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let exists: Option<(String,)> = sqlx::query_as("SELECT digest FROM modules WHERE digest = $1").bind(digest).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Ok::<DeleteOutcome, sqlx::Error>(DeleteOutcome::Missing);
            }
            let active: Option<(String,)> =
                sqlx::query_as("SELECT connector_id FROM active_modules WHERE digest = $1").bind(digest).fetch_optional(&mut *tx).await?;
            if active.is_some() {
                return Ok(DeleteOutcome::Active);
            }
            let (pins,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM connections WHERE pinned_digest = $1").bind(digest).fetch_one(&mut *tx).await?;
            if pins > 0 {
                return Ok(DeleteOutcome::Pinned(pins));
            }
            sqlx::query("DELETE FROM modules WHERE digest = $1").bind(digest).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(DeleteOutcome::Deleted)
        }
        .await)?;
        Ok(outcome)
    }
}
