//! Webhook deliveries: the dispatcher's leased claims, the outcome of each attempt (the delivery
//! log), endpoint auto-disable, and retention.

use std::collections::BTreeMap;

use anyhow::Result;

use super::outbox::{CHUNK, Conn, EventRow, NewEvent, insert_event, lease_events, mark_fanned_out, numbered, on_conn, padded, padded_len, repeat};
use super::dispatch_sqlite::DispatchSqlite;
use super::{Store, new_id, on_pool};

/// A UUIDv7 whose time is `t`: attempt ids and the ids of fanned-out deliveries, so the log's
/// ids order by attempt time and retention finds old attempts through the primary key (no index
/// on `at` to keep up on every write).
fn uuid_at(t: chrono::DateTime<chrono::Utc>) -> uuid::Uuid {
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, t.timestamp().max(0) as u64, t.timestamp_subsec_nanos()))
}

/// An attempt's id in `webhook_attempts`, of its time `at`.
pub(super) fn attempt_id(at: &str) -> String {
    match crate::clock::parse(at) {
        Some(t) => format!("{ATTEMPT_PREFIX}_{}", uuid_at(t).simple()),
        None => new_id(ATTEMPT_PREFIX),
    }
}

/// The id of a delivery fanned out by the dispatcher, named after its first attempt's time `at`:
/// that attempt's log entry, kept on the delivery's row, is listed as `what_` + the same UUID
/// (see `Store::webhook_attempts`).
pub fn delivery_id(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{DELIVERY_PREFIX}_{}", uuid_at(at).simple())
}

/// The id bound below which every attempt (of this prefix) made before `cutoff` sorts: the
/// prefix and the 48-bit millisecond time that starts a UUIDv7's hex.
fn ids_before(prefix: &str, cutoff: &str) -> String {
    let ms = crate::clock::parse(cutoff).map_or(0, |t| t.timestamp_millis().max(0));
    format!("{prefix}_{ms:012x}")
}

const ATTEMPT_PREFIX: &str = "what";
pub(crate) const DELIVERY_PREFIX: &str = "whdl";
const _: () = assert!(ATTEMPT_PREFIX.len() == DELIVERY_PREFIX.len(), "the log swaps one prefix for the other");

/// A delivery claimed by one dispatcher until `lease_until`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: String,
    pub event_id: String,
    pub endpoint_id: String,
    /// This attempt's number (1 for the first): the attempts recorded so far, plus one.
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

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, schemars::JsonSchema)]
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

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, schemars::JsonSchema)]
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

/// What one dispatcher round writes, and claims for the next round, in one transaction.
pub struct Round<'a> {
    /// First attempts of new deliveries, fanned out from leased events: each delivery row is
    /// written now, once, in the state its outcome leaves it in, with that attempt as its log
    /// entry. Their ids are [`delivery_id`] of the attempt's time, so the log orders them.
    pub fresh: &'a [AttemptOutcome],
    /// Attempts of claimed (existing) deliveries.
    pub retried: &'a [AttemptOutcome],
    /// Leased events whose fan-out is complete (their deliveries among `fresh`, or none matched).
    pub fanned: &'a [String],
    /// Then up to this many events and as many due deliveries are leased until `lease_until`
    /// (0: nothing is claimed).
    pub claim: i64,
    pub now: &'a str,
    pub lease_until: &'a str,
}

/// A connection the dispatcher keeps (see [`Store::dispatch_connection`]). `None` when the pool
/// has a single connection (an in-memory database), which nobody may keep: each write borrows it.
pub struct DispatchConnection(Option<KeptConnection>);

enum KeptConnection {
    /// The dispatcher's own connection to the database file, outside the pool (it runs without
    /// foreign-key checks), driven by the calling thread (see `dispatch_sqlite.rs`).
    Sqlite(DispatchSqlite),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// The round's transaction on `conn`. On SQLite the write lock is taken from the start: the
/// lease reads its batch, then leases the same selection (see `outbox::lease_events`), with no
/// other writer in between.
async fn round_transaction(conn: Conn<'_>, r: &Round<'_>) -> Result<Claimed> {
    let claimed = match conn {
        Conn::Sqlite(c) => {
            let mut tx = sqlx::Connection::begin_with(c, "BEGIN IMMEDIATE").await?;
            let claimed = write_round(Conn::from(&mut *tx), r).await?;
            tx.commit().await?;
            claimed
        }
        Conn::Postgres(c) => {
            let mut tx = sqlx::Connection::begin(c).await?;
            let claimed = write_round(Conn::from(&mut *tx), r).await?;
            tx.commit().await?;
            claimed
        }
    };
    Ok(claimed)
}

/// The work a round claimed.
#[derive(Debug, Default)]
pub struct Claimed {
    /// Events to fan out, leased.
    pub events: Vec<EventRow>,
    /// Due retries, leased, their attempt counted.
    pub due: Vec<ClaimedDelivery>,
}

impl Claimed {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.due.is_empty()
    }
}

impl Store {
    /// Claims up to `limit` due deliveries of enabled endpoints until `lease_until`, each with the
    /// number of the attempt to make (counted once its outcome is recorded). Claims are
    /// exclusive across replicas (`SKIP LOCKED` on PostgreSQL; SQLite has one writer), and an
    /// expired lease (a crashed dispatcher) is claimed again.
    pub async fn claim_deliveries(&self, now: &str, lease_until: &str, limit: i64) -> Result<Vec<ClaimedDelivery>> {
        Ok(on_pool!(self, |p| async {
            let mut c = p.acquire().await?;
            claim_due(Conn::from(&mut *c), now, lease_until, limit).await
        }
        .await)?)
    }

    /// Records a batch of attempts of claimed deliveries in one transaction: the delivery log,
    /// each delivery's next state (lease released), and each endpoint's run of failures.
    pub async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<()> {
        self.dispatch_round(&Round { fresh: &[], retried: outcomes, fanned: &[], claim: 0, now: "", lease_until: "" }).await?;
        Ok(())
    }

    /// A dispatcher round's one transaction: the outcomes of its last batch (new delivery rows,
    /// retried ones' next state, the delivery log, the endpoints' runs of failures, the events
    /// marked fanned out), then the next batch leased.
    pub async fn dispatch_round(&self, r: &Round<'_>) -> Result<Claimed> {
        on_pool!(self, |p| round_transaction(Conn::from(&mut *p.acquire().await?), r).await)
    }

    /// [`Store::dispatch_round`] on the dispatcher's own connection. On SQLite it runs on the
    /// calling thread, blocking it: call it from a blocking thread (the dispatcher's write is one).
    pub async fn dispatch_round_on(&self, conn: &mut DispatchConnection, r: &Round<'_>) -> Result<Claimed> {
        match &mut conn.0 {
            Some(KeptConnection::Sqlite(c)) => c.round(r),
            Some(KeptConnection::Postgres(c)) => round_transaction(Conn::from(&mut **c), r).await,
            None => self.dispatch_round(r).await,
        }
    }

    /// [`Store::event_payloads`] on the dispatcher's own connection (blocking, as
    /// [`Store::dispatch_round_on`]).
    pub async fn event_payloads_on(&self, conn: &mut DispatchConnection, ids: &[String]) -> Result<Vec<(String, String)>> {
        match &mut conn.0 {
            Some(KeptConnection::Sqlite(c)) => c.event_payloads(ids),
            _ => self.event_payloads(ids).await,
        }
    }

    /// A connection for the dispatcher to keep for its writes. SQLite keeps a page cache per
    /// connection and drops it when another connection has written since, and the pool lends
    /// its idle connections in turn: each round's write, on whichever connection came next,
    /// read again every page it touched (the B-tree edges the inserts append to).
    ///
    /// On SQLite it is a connection of its own to the pool's file (see `dispatch_sqlite.rs` for
    /// why not one of sqlx's), and it checks no foreign keys (two index lookups per delivery
    /// written, a tenth of SQLite's work on it): the round's writes keep them by construction.
    /// A new delivery's endpoint is tested by the insert itself, and its event is still queued
    /// in `webhook_fanout` in the same transaction, which retention requires gone before it
    /// deletes an event; every other statement of the round updates or deletes rows, or inserts
    /// log rows (`webhook_attempts`), which reference nothing.
    pub async fn dispatch_connection(&self) -> Result<DispatchConnection> {
        if on_pool!(self, |p| p.options().get_max_connections()) < 2 {
            return Ok(DispatchConnection(None));
        }
        Ok(DispatchConnection(Some(match &self.pool {
            super::Pool::Sqlite(p) => KeptConnection::Sqlite(DispatchSqlite::open(p.connect_options().get_filename(), super::SQLITE_BUSY_TIMEOUT)?),
            super::Pool::Postgres(p) => KeptConnection::Postgres(p.acquire().await?),
        })))
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

    /// An endpoint's delivery log, newest first, before the attempt id `before`: the rows of
    /// `webhook_attempts` and the first attempts kept on fanned-out deliveries' rows, each side
    /// read newest first through its `(endpoint_id, id)` index up to the page's size, then merged.
    pub async fn webhook_attempts(&self, endpoint_id: &str, event_id: Option<&str>, before: Option<&str>, limit: i64) -> Result<Vec<AttemptRow>> {
        let sql = format!(
            "SELECT id, delivery_id, event_id, attempt, at, response_status, latency_ms, response_body, error FROM (
                 SELECT * FROM (SELECT id, delivery_id, event_id, attempt, at, response_status, latency_ms, response_body, error
                     FROM webhook_attempts
                     WHERE endpoint_id = $1 AND ($2 IS NULL OR event_id = $2) AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4) AS attempts
                 UNION ALL
                 SELECT * FROM (SELECT '{ATTEMPT_PREFIX}_' || substr(d.id, {uuid}) AS id, d.id AS delivery_id, d.event_id, 1 AS attempt,
                         d.logged_at AS at, d.logged_status AS response_status, d.logged_latency_ms AS latency_ms,
                         d.logged_body AS response_body, d.logged_error AS error
                     FROM webhook_deliveries d
                     WHERE d.endpoint_id = $1 AND d.logged_at IS NOT NULL AND ($2 IS NULL OR d.event_id = $2)
                       AND ($3 IS NULL OR d.id < '{DELIVERY_PREFIX}_' || substr($3, {uuid})) ORDER BY d.id DESC LIMIT $4) AS on_rows
             ) AS log ORDER BY id DESC LIMIT $4",
            // Where the UUID starts (SQL counts from 1): both prefixes are as long.
            uuid = DELIVERY_PREFIX.len() + 2
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, AttemptRow>(&sql).bind(endpoint_id).bind(event_id).bind(before).bind(limit).fetch_all(p).await)?)
    }

    /// An endpoint's deliveries, newest first (ids are UUIDv7 of their creation or of their first
    /// attempt), before the delivery id `before`.
    pub async fn webhook_deliveries(&self, endpoint_id: &str, status: Option<&str>, before: Option<&str>, limit: i64) -> Result<Vec<DeliveryRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as::<_, DeliveryRow>(
            "SELECT id, event_id, endpoint_id, status, attempts, next_attempt_at, first_attempt_at, last_attempt_at, delivered_at,
                created_at FROM webhook_deliveries
             WHERE endpoint_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
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
            let retried = sqlx::query("DELETE FROM webhook_attempts WHERE id < $1").bind(ids_before(ATTEMPT_PREFIX, cutoff)).execute(&mut *tx).await?.rows_affected();
            // First attempts kept on deliveries' rows leave the log at the same cutoff: such a
            // delivery's id carries its first attempt's time, as attempt ids do (each endpoint's
            // ids read through the key `(endpoint_id, id)`).
            let first = sqlx::query(
                "UPDATE webhook_deliveries SET logged_at = NULL, logged_status = NULL, logged_latency_ms = NULL, logged_body = NULL,
                     logged_error = NULL
                 WHERE endpoint_id IN (SELECT id FROM webhook_endpoints) AND id < $1 AND logged_at IS NOT NULL"
            )
            .bind(ids_before(DELIVERY_PREFIX, cutoff))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let deliveries = sqlx::query("DELETE FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < $1")
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let events = sqlx::query(
                "DELETE FROM webhook_events WHERE created_at < $1
                   AND NOT EXISTS (SELECT 1 FROM webhook_fanout f WHERE f.event_id = webhook_events.id)
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)"
            )
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<Pruned, sqlx::Error>(Pruned { attempts: retried + first, deliveries, events, health_history: 0 })
        }
        .await)?;
        Ok(Pruned { health_history: self.prune_health_history(cutoff).await?, ..pruned })
    }
}

async fn write_round(mut c: Conn<'_>, r: &Round<'_>) -> sqlx::Result<Claimed> {
    for chunk in r.fresh.chunks(CHUNK) {
        if insert_fresh(c.reborrow(), chunk).await? < chunk.len() as u64 {
            insert_attempts(c.reborrow(), chunk, true).await?;
        }
    }
    update_retried(c.reborrow(), r.retried).await?;
    for chunk in r.retried.chunks(CHUNK) {
        insert_attempts(c.reborrow(), chunk, false).await?;
    }
    note_failures(c.reborrow(), r.fresh.iter().chain(r.retried)).await?;
    mark_fanned_out(c.reborrow(), r.fanned).await?;
    if r.claim <= 0 {
        return Ok(Claimed::default());
    }
    let events = lease_events(c.reborrow(), r.now, r.lease_until, r.claim).await?;
    let due = claim_due(c.reborrow(), r.now, r.lease_until, r.claim).await?;
    Ok(Claimed { events, due })
}

/// See [`Store::claim_deliveries`].
async fn claim_due(conn: Conn<'_>, now: &str, lease_until: &str, limit: i64) -> sqlx::Result<Vec<ClaimedDelivery>> {
    let sql = claim_due_sql(if matches!(conn, Conn::Postgres(_)) { "FOR UPDATE SKIP LOCKED" } else { "" });
    on_conn!(conn, |c| sqlx::query_as::<_, ClaimedDelivery>(&sql).bind(now).bind(lease_until).bind(limit).fetch_all(c).await)
}

/// [`claim_due`]'s statement, `lock` the row lock of its selection.
pub(super) fn claim_due_sql(lock: &str) -> String {
    // `status = 'pending'` spelled as the partial index `webhook_deliveries_due` is; the endpoint
    // test a correlated EXISTS, so SQLite walks that index (an `endpoint_id IN (…)` made it walk
    // every delivery of each endpoint, delivered ones too, every round).
    // The attempt is counted when its outcome is recorded (`update_retried`), not here: a claim
    // made again after its lease expired (a crashed or stalled dispatcher) would count twice.
    format!(
        "UPDATE webhook_deliveries SET lease_until = $2
         WHERE (endpoint_id, id) IN (
             SELECT d.endpoint_id, d.id FROM webhook_deliveries d
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
               AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled = TRUE)
             ORDER BY d.next_attempt_at LIMIT $3 {lock})
           AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)
         RETURNING id, event_id, endpoint_id, attempts + 1 AS attempts, first_attempt_at"
    )
}

/// The rows of new deliveries, in their outcome's state, each with the id its outcome names and
/// that first attempt as its log entry; a pair that exists already (a replay, another
/// dispatcher after this one's lease expired) is left alone, and so is an endpoint deleted
/// meanwhile. Returns the rows written.
async fn insert_fresh(conn: Conn<'_>, chunk: &[AttemptOutcome]) -> sqlx::Result<u64> {
    // Per row: id, event, endpoint, status, attempt, next attempt (none: the attempt's time),
    // the attempt's time, status, latency, body, error.
    let sql = numbered(
        matches!(conn, Conn::Postgres(_)),
        format!(
            "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, attempts, next_attempt_at, first_attempt_at,
                 last_attempt_at, delivered_at, created_at, logged_at, logged_status, logged_latency_ms, logged_body, logged_error)
             SELECT column1, column2, column3, column4, column5, COALESCE(column6, column7), column7, column7,
                 CASE WHEN column4 = 'delivered' THEN column7 END, column7, column7, column8, column9, column10, column11
             FROM (VALUES {}) AS v WHERE column3 IN (SELECT id FROM webhook_endpoints)
             ON CONFLICT (event_id, endpoint_id) DO NOTHING",
            repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", padded_len(chunk.len()))
        ),
    );
    on_conn!(conn, |c| {
        let mut q = sqlx::query(&sql);
        for o in chunk {
            let (status, next) = next_state(&o.next);
            q = q.bind(o.delivery_id.as_str()).bind(o.event_id.as_str()).bind(o.endpoint_id.as_str()).bind(status).bind(o.attempt).bind(next);
            q = q.bind(o.at.as_str()).bind(o.response_status).bind(o.latency_ms).bind(o.response_body.as_deref()).bind(o.error.as_deref());
        }
        // Padding: no endpoint, so not inserted.
        for _ in chunk.len()..padded_len(chunk.len()) {
            q = q.bind(None::<&str>).bind(None::<&str>).bind(None::<&str>).bind(None::<&str>).bind(None::<i64>).bind(None::<&str>);
            q = q.bind(None::<&str>).bind(None::<i64>).bind(None::<i64>).bind(None::<&str>).bind(None::<&str>);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })
}

/// The next state of claimed deliveries after their attempts, leases released. A delivery is
/// found by its endpoint and id (the key `(endpoint_id, id)`; see migration `0013`).
async fn update_retried(mut conn: Conn<'_>, outcomes: &[AttemptOutcome]) -> sqlx::Result<()> {
    // Delivered ones in one statement per endpoint and chunk, stamped with the batch's first
    // attempt time; each attempt keeps its own time in the log.
    let delivered = outcomes.iter().filter(|o| matches!(o.next, NextStep::Delivered));
    let at = delivered.clone().map(|o| o.at.as_str()).min().unwrap_or_default();
    let mut by_endpoint: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for o in delivered {
        by_endpoint.entry(o.endpoint_id.as_str()).or_default().push(o.delivery_id.as_str());
    }
    for (endpoint, ids) in &by_endpoint {
        for chunk in ids.chunks(CHUNK) {
            let sql = numbered(
                matches!(conn, Conn::Postgres(_)),
                format!(
                    "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, lease_until = NULL, first_attempt_at = COALESCE(first_attempt_at, ?),
                         last_attempt_at = ?, delivered_at = ? WHERE endpoint_id = ? AND id IN ({})",
                    repeat("?", padded_len(chunk.len()))
                ),
            );
            on_conn!(conn.reborrow(), |c| {
                let mut q = sqlx::query(&sql).bind(at).bind(at).bind(at).bind(*endpoint);
                for id in padded(chunk) {
                    q = q.bind(id);
                }
                q.execute(c).await?;
            });
        }
    }
    for o in outcomes.iter().filter(|o| !matches!(o.next, NextStep::Delivered)) {
        let (status, next_at) = next_state(&o.next);
        on_conn!(conn.reborrow(), |c| sqlx::query(UPDATE_RETRIED_UNDELIVERED)
        .bind(&o.delivery_id)
        .bind(status)
        .bind(next_at)
        .bind(&o.at)
        .bind(&o.endpoint_id)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// A claimed delivery's next state after an attempt that did not deliver it, its lease released:
/// `$1` id, `$2` status, `$3` next attempt's time (none: kept), `$4` the attempt's time, `$5` endpoint.
pub(super) const UPDATE_RETRIED_UNDELIVERED: &str = "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, next_attempt_at = COALESCE($3, next_attempt_at),
         lease_until = NULL, first_attempt_at = COALESCE(first_attempt_at, $4), last_attempt_at = $4
     WHERE id = $1 AND endpoint_id = $5";

/// Rows of `webhook_attempts`: the attempts of claimed deliveries; or (`joined`) the first
/// attempts of new deliveries whose pair was written by someone else, logged to that delivery
/// (those written with their own id keep their entry on their row).
async fn insert_attempts(conn: Conn<'_>, chunk: &[AttemptOutcome], joined: bool) -> sqlx::Result<()> {
    const COLUMNS: &str = "id, delivery_id, endpoint_id, event_id, attempt, at, response_status, latency_ms, response_body, error";
    let rows = repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", padded_len(chunk.len()));
    // Padding rows (all NULL) join no delivery and have no id.
    let sql = if joined {
        format!(
            "INSERT INTO webhook_attempts ({COLUMNS})
             SELECT v.column1, d.id, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10
             FROM (VALUES {rows}) AS v JOIN webhook_deliveries d ON d.event_id = v.column4 AND d.endpoint_id = v.column3
             WHERE d.id <> v.column2"
        )
    } else {
        format!("INSERT INTO webhook_attempts ({COLUMNS}) SELECT * FROM (VALUES {rows}) AS v WHERE v.column1 IS NOT NULL")
    };
    let sql = numbered(matches!(conn, Conn::Postgres(_)), sql);
    on_conn!(conn, |c| {
        let mut q = sqlx::query(&sql);
        for o in chunk {
            q = q
                .bind(attempt_id(&o.at))
                .bind(o.delivery_id.as_str())
                .bind(o.endpoint_id.as_str())
                .bind(o.event_id.as_str())
                .bind(o.attempt)
                .bind(o.at.as_str())
                .bind(o.response_status)
                .bind(o.latency_ms)
                .bind(o.response_body.as_deref())
                .bind(o.error.as_deref());
        }
        for _ in chunk.len()..padded_len(chunk.len()) {
            q = q.bind(None::<&str>).bind(None::<&str>).bind(None::<&str>).bind(None::<&str>).bind(None::<i64>);
            q = q.bind(None::<&str>).bind(None::<i64>).bind(None::<i64>).bind(None::<&str>).bind(None::<&str>);
        }
        q.execute(c).await.map(|_| ())
    })
}

/// Each endpoint's run of failures: ended by a success among the attempts, else started by its
/// first failure (a batch's attempts ran concurrently).
async fn note_failures<'o>(mut conn: Conn<'_>, outcomes: impl Iterator<Item = &'o AttemptOutcome>) -> sqlx::Result<()> {
    for (id, (delivered, first_at)) in failure_runs(outcomes) {
        if delivered {
            on_conn!(conn.reborrow(), |c| sqlx::query(failure_sql(true))
                .bind(id)
                .execute(c)
                .await
                .map(|_| ()))?;
        } else {
            on_conn!(conn.reborrow(), |c| sqlx::query(failure_sql(false))
                .bind(id)
                .bind(first_at)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
    }
    Ok(())
}

/// A delivery's status after an attempt, and its next attempt's time when it is to be retried.
pub(super) fn next_state(next: &NextStep) -> (&'static str, Option<&str>) {
    match next {
        NextStep::Delivered => ("delivered", None),
        NextStep::RetryAt(at) => ("pending", Some(at.as_str())),
        NextStep::Failed => ("failed", None),
    }
}

/// Per endpoint among `outcomes`: whether any attempt delivered, and the first attempt's time.
pub(super) fn failure_runs<'o>(outcomes: impl Iterator<Item = &'o AttemptOutcome>) -> BTreeMap<&'o str, (bool, &'o str)> {
    let mut endpoints: BTreeMap<&str, (bool, &str)> = BTreeMap::new();
    for o in outcomes {
        let e = endpoints.entry(o.endpoint_id.as_str()).or_insert((false, o.at.as_str()));
        e.0 |= matches!(o.next, NextStep::Delivered);
        e.1 = e.1.min(o.at.as_str());
    }
    endpoints
}

/// An endpoint's run of failures ended (`delivered`: binds `$1` its id), else started (`$1` its
/// id, `$2` the first failure's time) unless one is running.
pub(super) fn failure_sql(delivered: bool) -> &'static str {
    if delivered {
        "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL"
    } else {
        "UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL"
    }
}
