//! Connection health: the monitor's leased schedule, the state machine's stored inputs, status
//! changes (with their webhook event, in one transaction) and the history.

use anyhow::Result;

use super::outbox::{Conn, NewEvent, insert_event, on_conn};
use super::{Store, new_id, on_pool};

#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct HealthRow {
    pub connection_id: String,
    pub check_interval_seconds: Option<i64>,
    pub next_check_at: String,
    pub consecutive_failures: i64,
    pub failing_since: Option<String>,
    pub reason: Option<String>,
    pub last_error: Option<String>,
    pub last_checked_at: Option<String>,
    pub last_check_ok: Option<bool>,
    pub last_healthy_at: Option<String>,
    pub status_changed_at: Option<String>,
    pub status_before_disable: Option<String>,
    pub last_synced_at: Option<String>,
}

/// A check the monitor claimed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedCheck {
    pub connection_id: String,
    pub check_interval_seconds: Option<i64>,
}

/// The state machine's decision for one connection, applied in one transaction.
#[derive(Clone, Debug)]
pub struct HealthUpdate {
    pub connection_id: String,
    /// The status the decision was made from (compare-and-swap).
    pub from_status: String,
    pub to_status: String,
    pub consecutive_failures: i64,
    pub failing_since: Option<String>,
    pub reason: Option<String>,
    /// `None` keeps the last error.
    pub last_error: Option<String>,
    /// Set when a check ran (and releases its lease).
    pub check: Option<CheckRun>,
    pub healthy_at: Option<String>,
    pub at: String,
    /// Keep `from_status` to return to when the operator enables the connection again.
    pub remember_before_disable: bool,
    /// The status change's event (only when the status changes).
    pub event: Option<NewEvent>,
}

#[derive(Clone, Debug)]
pub struct CheckRun {
    pub ok: bool,
    pub next_check_at: String,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, schemars::JsonSchema)]
pub struct HealthHistoryRow {
    pub id: String,
    pub at: String,
    pub kind: String,
    pub ok: Option<bool>,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub reason: Option<String>,
    pub error: Option<String>,
}

const HEALTH_COLUMNS: &str = "connection_id, check_interval_seconds, next_check_at, consecutive_failures, failing_since, reason,
    last_error, last_checked_at, last_check_ok, last_healthy_at, status_changed_at, status_before_disable, last_synced_at";

/// Statuses the monitor checks; `reauth_required` is not (repeated logins can lock the
/// customer's account), nor `disabled`.
const CHECKED: &str = "('active', 'degraded', 'offline')";

impl Store {
    /// Gives every checked connection without a health row one, due at `now`.
    pub async fn ensure_health_rows(&self, now: &str) -> Result<u64> {
        let sql = format!(
            "INSERT INTO connection_health (connection_id, next_check_at)
             SELECT c.id, $1 FROM connections c
             WHERE c.status IN {CHECKED} AND NOT EXISTS (SELECT 1 FROM connection_health h WHERE h.connection_id = c.id)
             ON CONFLICT (connection_id) DO NOTHING"
        );
        Ok(on_pool!(self, |p| sqlx::query(&sql).bind(now).execute(p).await.map(|r| r.rows_affected()))?)
    }

    /// Claims up to `limit` due checks until `lease_until` (exclusive across replicas).
    pub async fn claim_health_checks(&self, now: &str, lease_until: &str, limit: i64) -> Result<Vec<ClaimedCheck>> {
        let lock = if self.is_postgres() { "FOR UPDATE OF h SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE connection_health SET lease_until = $2
             WHERE connection_id IN (
                 SELECT h.connection_id FROM connection_health h JOIN connections c ON c.id = h.connection_id
                 WHERE c.status IN {CHECKED} AND h.next_check_at <= $1 AND (h.lease_until IS NULL OR h.lease_until <= $1)
                 ORDER BY h.next_check_at LIMIT $3 {lock})
               AND (lease_until IS NULL OR lease_until <= $1)
             RETURNING connection_id, check_interval_seconds"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, ClaimedCheck>(&sql).bind(now).bind(lease_until).bind(limit).fetch_all(p).await)?)
    }

    pub async fn connection_health(&self, connection_id: &str) -> Result<Option<HealthRow>> {
        let sql = format!("SELECT {HEALTH_COLUMNS} FROM connection_health WHERE connection_id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, HealthRow>(&sql).bind(connection_id).fetch_optional(p).await)?)
    }

    /// Applies a decision. A status change is a compare-and-swap on `connections.status` that
    /// bumps `config_version` (every replica sees it on its next request), with its history row
    /// and event in the same transaction; `false` when the status moved meanwhile (nothing is
    /// written then).
    pub async fn apply_health(&self, u: &HealthUpdate) -> Result<bool> {
        let applied = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let changes = u.from_status != u.to_status;
            if changes {
                let n = sqlx::query(
                    "UPDATE connections SET status = $3, config_version = config_version + 1, updated_at = $4 WHERE id = $1 AND status = $2"
                )
                .bind(&u.connection_id)
                .bind(&u.from_status)
                .bind(&u.to_status)
                .bind(&u.at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n != 1 {
                    tx.rollback().await?;
                    return Ok::<bool, sqlx::Error>(false);
                }
            }
            upsert_health(Conn::from(&mut *tx), u, changes).await?;
            if let Some(check) = &u.check {
                let error = if check.ok { None } else { u.last_error.as_deref() };
                let row = History { kind: "check", ok: Some(check.ok), reason: u.reason.as_deref(), error, ..History::at(&u.at) };
                insert_history(Conn::from(&mut *tx), &u.connection_id, &row).await?;
            }
            if changes {
                let row = History {
                    kind: "status_change",
                    old_status: Some(&u.from_status),
                    new_status: Some(&u.to_status),
                    reason: u.reason.as_deref(),
                    error: u.last_error.as_deref(),
                    ..History::at(&u.at)
                };
                insert_history(Conn::from(&mut *tx), &u.connection_id, &row).await?;
                if let Some(event) = &u.event {
                    insert_event(Conn::from(&mut *tx), event, false).await?;
                }
            }
            tx.commit().await?;
            Ok(true)
        }
        .await)?;
        Ok(applied)
    }

    /// Sets a connection's own check interval (`None`: the host's default), due again at `next_check_at`.
    pub async fn set_check_interval(&self, connection_id: &str, seconds: Option<i64>, next_check_at: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO connection_health (connection_id, check_interval_seconds, next_check_at) VALUES ($1, $2, $3)
             ON CONFLICT (connection_id) DO UPDATE SET check_interval_seconds = excluded.check_interval_seconds,
                 next_check_at = excluded.next_check_at"
        )
        .bind(connection_id)
        .bind(seconds)
        .bind(next_check_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// A connection's history, newest first, before the entry `before`.
    pub async fn health_history(&self, connection_id: &str, before: Option<&str>, limit: i64) -> Result<Vec<HealthHistoryRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as::<_, HealthHistoryRow>(
            "SELECT id, at, kind, ok, old_status, new_status, reason, error FROM connection_health_history
             WHERE connection_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        )
        .bind(connection_id)
        .bind(before)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    pub(crate) async fn prune_health_history(&self, cutoff: &str) -> Result<u64> {
        Ok(on_pool!(self, |p| sqlx::query("DELETE FROM connection_health_history WHERE at < $1")
            .bind(cutoff)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?)
    }
}

/// A reconnect (new credentials, checked live) inside the caller's transaction, after the
/// connection was set `active`: the health run starts afresh and, when the status moved from
/// `previous_status`, the change is recorded with its event.
pub(crate) async fn record_reconnect(mut conn: Conn<'_>, connection_id: &str, previous_status: &str, at: &str) -> sqlx::Result<()> {
    let row: (Option<String>, String, String) = on_conn!(conn.reborrow(), |c| sqlx::query_as(
        "SELECT end_customer_id, connector_id, environment FROM connections WHERE id = $1"
    )
    .bind(connection_id)
    .fetch_one(c)
    .await)?;
    let changed = previous_status != "active";
    let update = HealthUpdate {
        connection_id: connection_id.to_string(),
        from_status: previous_status.to_string(),
        to_status: "active".into(),
        consecutive_failures: 0,
        failing_since: None,
        reason: Some(crate::health::Reason::Reconnected.as_str().into()),
        last_error: None,
        check: None,
        healthy_at: Some(at.to_string()),
        at: at.to_string(),
        remember_before_disable: false,
        event: None,
    };
    upsert_health(conn.reborrow(), &update, changed).await?;
    if changed {
        let reason = Some(crate::health::Reason::Reconnected.as_str());
        let history = History { kind: "status_change", old_status: Some(previous_status), new_status: Some("active"), reason, ..History::at(at) };
        insert_history(conn.reborrow(), connection_id, &history).await?;
        let c = crate::webhooks::events::ConnectionRef { id: connection_id, end_customer_id: row.0.as_deref(), connector_id: &row.1, environment: &row.2 };
        insert_event(conn, &crate::webhooks::events::status_change(&c, previous_status, "active", reason, None, at), false).await?;
    }
    Ok(())
}

async fn upsert_health(conn: Conn<'_>, u: &HealthUpdate, status_changed: bool) -> sqlx::Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO connection_health (connection_id, next_check_at, consecutive_failures, failing_since, reason, last_error,
            last_checked_at, last_check_ok, last_healthy_at, status_changed_at, status_before_disable)
         VALUES ($1, COALESCE($2, $10), $3, $4, $5, $6, $7, $8, $9, $11, $12)
         ON CONFLICT (connection_id) DO UPDATE SET
            next_check_at = COALESCE($2, connection_health.next_check_at),
            lease_until = CASE WHEN $2 IS NULL THEN connection_health.lease_until ELSE NULL END,
            consecutive_failures = $3, failing_since = $4, reason = $5,
            last_error = COALESCE($6, connection_health.last_error),
            last_checked_at = COALESCE($7, connection_health.last_checked_at),
            last_check_ok = COALESCE($8, connection_health.last_check_ok),
            last_healthy_at = COALESCE($9, connection_health.last_healthy_at),
            status_changed_at = COALESCE($11, connection_health.status_changed_at),
            status_before_disable = COALESCE($12, connection_health.status_before_disable)"
    )
    .bind(&u.connection_id)
    .bind(u.check.as_ref().map(|c| c.next_check_at.as_str()))
    .bind(u.consecutive_failures)
    .bind(&u.failing_since)
    .bind(&u.reason)
    .bind(&u.last_error)
    .bind(u.check.as_ref().map(|_| u.at.as_str()))
    .bind(u.check.as_ref().map(|c| c.ok))
    .bind(&u.healthy_at)
    .bind(&u.at)
    .bind(status_changed.then_some(u.at.as_str()))
    .bind(u.remember_before_disable.then_some(u.from_status.as_str()))
    .execute(c)
    .await
    .map(|_| ()))
}

/// One history row.
struct History<'a> {
    at: &'a str,
    kind: &'a str,
    ok: Option<bool>,
    old_status: Option<&'a str>,
    new_status: Option<&'a str>,
    reason: Option<&'a str>,
    error: Option<&'a str>,
}

impl<'a> History<'a> {
    fn at(at: &'a str) -> Self {
        History { at, kind: "check", ok: None, old_status: None, new_status: None, reason: None, error: None }
    }
}

async fn insert_history(conn: Conn<'_>, connection_id: &str, h: &History<'_>) -> sqlx::Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO connection_health_history (id, connection_id, at, kind, ok, old_status, new_status, reason, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(new_id("hlth"))
    .bind(connection_id)
    .bind(h.at)
    .bind(h.kind)
    .bind(h.ok)
    .bind(h.old_status)
    .bind(h.new_status)
    .bind(h.reason)
    .bind(h.error)
    .execute(c)
    .await
    .map(|_| ()))
}
