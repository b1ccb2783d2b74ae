//! Webhook deliveries: the dispatcher's leased claims, the outcome of each attempt (the delivery
//! log), endpoint auto-disable, and retention.

use std::collections::BTreeMap;

use anyhow::Result;

use super::outbox::{Conn, NewEvent, insert_event};
use super::{Store, new_id, on_pool};

/// Rows per multi-row statement (well below either database's parameter limit).
const CHUNK: usize = 200;

/// An attempt's id: a UUIDv7 whose time is the attempt's own (`at`), so the log's ids order by
/// attempt time and retention finds old attempts through the primary key (no index on `at` to
/// keep up on every write).
fn attempt_id(at: &str) -> String {
    match crate::clock::parse(at) {
        Some(t) => {
            let ts = uuid::Timestamp::from_unix(uuid::NoContext, t.timestamp().max(0) as u64, t.timestamp_subsec_nanos());
            format!("{ATTEMPT_PREFIX}_{}", uuid::Uuid::new_v7(ts).simple())
        }
        None => new_id(ATTEMPT_PREFIX),
    }
}

/// The id bound below which every attempt made before `cutoff` sorts: the prefix and the 48-bit
/// millisecond time that starts a UUIDv7's hex.
fn attempt_ids_before(cutoff: &str) -> String {
    let ms = crate::clock::parse(cutoff).map_or(0, |t| t.timestamp_millis().max(0));
    format!("{ATTEMPT_PREFIX}_{ms:012x}")
}

const ATTEMPT_PREFIX: &str = "what";

/// A delivery claimed by one dispatcher until `lease_until`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: String,
    pub event_id: String,
    pub endpoint_id: String,
    /// This attempt's number (1 for the first).
    pub attempts: i64,
    pub first_attempt_at: Option<String>,
}

/// What one attempt ended with.
pub struct AttemptOutcome {
    pub delivery_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub attempt: i64,
    pub at: String,
    pub response_status: Option<i64>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
    /// The delivery's next state.
    pub next: NextStep,
}

pub enum NextStep {
    Delivered,
    RetryAt(String),
    /// The retry window is spent: failed, kept for a manual retry.
    Failed,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AttemptRow {
    pub id: String,
    pub delivery_id: String,
    pub event_id: String,
    pub attempt: i64,
    pub at: String,
    pub response_status: Option<i64>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct DeliveryRow {
    pub id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub first_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
    pub created_at: String,
}

/// How many rows retention removed, per table.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub attempts: u64,
    pub deliveries: u64,
    pub events: u64,
    pub health_history: u64,
}

impl Store {
    /// Claims up to `limit` due deliveries of enabled endpoints until `lease_until`, counting the
    /// attempt. Claims are exclusive across replicas (`SKIP LOCKED` on PostgreSQL; SQLite has
    /// one writer), and an expired lease (a crashed dispatcher) is claimed again.
    pub async fn claim_deliveries(&self, now: &str, lease_until: &str, limit: i64) -> Result<Vec<ClaimedDelivery>> {
        let lock = if self.is_postgres() { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $2, attempts = attempts + 1
             WHERE id IN (
                 SELECT d.id FROM webhook_deliveries d
                 WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
                   AND d.endpoint_id IN (SELECT e.id FROM webhook_endpoints e WHERE e.enabled = TRUE)
                 ORDER BY d.next_attempt_at LIMIT $3 {lock})
               AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)
             RETURNING id, event_id, endpoint_id, attempts, first_attempt_at"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, ClaimedDelivery>(&sql).bind(now).bind(lease_until).bind(limit).fetch_all(p).await)?)
    }

    /// Records a batch of attempts in one transaction: the delivery log, each delivery's next
    /// state (lease released), and each endpoint's run of failures.
    pub async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<()> {
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            // Delivered ones (nearly all, usually) in one statement per chunk, stamped with the
            // batch's first attempt time; each attempt keeps its own time in the log.
            let delivered: Vec<&AttemptOutcome> = outcomes.iter().filter(|o| matches!(o.next, NextStep::Delivered)).collect();
            if let Some(at) = delivered.iter().map(|o| o.at.as_str()).min() {
                for chunk in delivered.chunks(CHUNK) {
                    let mut q = sqlx::QueryBuilder::new("UPDATE webhook_deliveries SET status = 'delivered', lease_until = NULL, first_attempt_at = COALESCE(first_attempt_at, ");
                    q.push_bind(at).push("), last_attempt_at = ").push_bind(at).push(", delivered_at = ").push_bind(at).push(" WHERE id IN (");
                    let mut ids = q.separated(", ");
                    for o in chunk {
                        ids.push_bind(o.delivery_id.as_str());
                    }
                    q.push(")").build().execute(&mut *tx).await?;
                }
            }
            for o in outcomes.iter().filter(|o| !matches!(o.next, NextStep::Delivered)) {
                let (status, next_at) = match &o.next {
                    NextStep::RetryAt(at) => ("pending", Some(at.as_str())),
                    _ => ("failed", None),
                };
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = $2, next_attempt_at = COALESCE($3, next_attempt_at), lease_until = NULL,
                        first_attempt_at = COALESCE(first_attempt_at, $4), last_attempt_at = $4
                     WHERE id = $1"
                )
                .bind(&o.delivery_id)
                .bind(status)
                .bind(next_at)
                .bind(&o.at)
                .execute(&mut *tx)
                .await?;
            }
            for chunk in outcomes.chunks(CHUNK) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, attempt, at, response_status, latency_ms, response_body, error) ",
                );
                q.push_values(chunk, |mut row, o| {
                    row.push_bind(attempt_id(&o.at))
                        .push_bind(o.delivery_id.as_str())
                        .push_bind(o.endpoint_id.as_str())
                        .push_bind(o.event_id.as_str())
                        .push_bind(o.attempt)
                        .push_bind(o.at.as_str())
                        .push_bind(o.response_status)
                        .push_bind(o.latency_ms)
                        .push_bind(o.response_body.as_deref())
                        .push_bind(o.error.as_deref());
                });
                q.build().execute(&mut *tx).await?;
            }
            // Each endpoint's run of failures: ended by a success in the batch, else started by
            // its first failure (a batch's attempts ran concurrently).
            let mut endpoints: BTreeMap<&str, (bool, &str)> = BTreeMap::new();
            for o in outcomes {
                let e = endpoints.entry(o.endpoint_id.as_str()).or_insert((false, o.at.as_str()));
                e.0 |= matches!(o.next, NextStep::Delivered);
                e.1 = e.1.min(o.at.as_str());
            }
            for (id, (delivered, first_at)) in endpoints {
                if delivered {
                    sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query("UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL")
                        .bind(id)
                        .bind(first_at)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Disables every enabled endpoint failing since before `cutoff`, each with its
    /// `system.error` event (built by `event_for(endpoint_id)`) in the same transaction; the
    /// compare-and-swap on `enabled` makes it once per endpoint. Returns the endpoints disabled.
    pub async fn disable_failing_endpoints(&self, cutoff: &str, reason: &str, now: &str, event_for: impl Fn(&str) -> NewEvent) -> Result<Vec<String>> {
        let event_for = &event_for;
        let disabled = on_pool!(self, |p| async move {
            let mut tx = p.begin().await?;
            let ids: Vec<(String,)> = sqlx::query_as(
                "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $2, updated_at = $3
                 WHERE enabled = TRUE AND failing_since IS NOT NULL AND failing_since <= $1 RETURNING id"
            )
            .bind(cutoff)
            .bind(reason)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for (id,) in &ids {
                insert_event(Conn::from(&mut *tx), &event_for(id), false).await?;
            }
            tx.commit().await?;
            Ok::<Vec<String>, sqlx::Error>(ids.into_iter().map(|(id,)| id).collect())
        }
        .await)?;
        Ok(disabled)
    }

    /// An endpoint's delivery log, newest first, before the attempt id `before`.
    pub async fn webhook_attempts(&self, endpoint_id: &str, event_id: Option<&str>, before: Option<&str>, limit: i64) -> Result<Vec<AttemptRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as::<_, AttemptRow>(
            "SELECT id, delivery_id, event_id, attempt, at, response_status, latency_ms, response_body, error FROM webhook_attempts
             WHERE endpoint_id = $1 AND ($2 IS NULL OR event_id = $2) AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        )
        .bind(endpoint_id)
        .bind(event_id)
        .bind(before)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// An endpoint's deliveries, newest event first, before the event id `before`.
    pub async fn webhook_deliveries(&self, endpoint_id: &str, status: Option<&str>, before: Option<&str>, limit: i64) -> Result<Vec<DeliveryRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as::<_, DeliveryRow>(
            "SELECT id, event_id, endpoint_id, status, attempts, next_attempt_at, first_attempt_at, last_attempt_at, delivered_at,
                created_at FROM webhook_deliveries
             WHERE endpoint_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR event_id < $3) ORDER BY event_id DESC LIMIT $4"
        )
        .bind(endpoint_id)
        .bind(status)
        .bind(before)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// Retention: delivery logs, delivered deliveries, events with nothing left to deliver and
    /// health history older than `cutoff`. Failed and pending deliveries (and their events) stay.
    pub async fn prune(&self, cutoff: &str) -> Result<Pruned> {
        let pruned = on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            let attempts = sqlx::query("DELETE FROM webhook_attempts WHERE id < $1").bind(attempt_ids_before(cutoff)).execute(&mut *tx).await?.rows_affected();
            let deliveries = sqlx::query("DELETE FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < $1")
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let events = sqlx::query(
                "DELETE FROM webhook_events WHERE created_at < $1 AND fanned_out = TRUE
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)"
            )
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<Pruned, sqlx::Error>(Pruned { attempts, deliveries, events, health_history: 0 })
        }
        .await)?;
        Ok(Pruned { health_history: self.prune_health_history(cutoff).await?, ..pruned })
    }
}
