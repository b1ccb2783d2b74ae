//! The webhook dispatcher's own SQLite connection: the round's transaction run synchronously,
//! on the thread that calls it, through rusqlite.
//!
//! Why not sqlx here: sqlx runs each SQLite connection on a worker thread of its own, so every
//! statement is a message to that thread and its answer a message back, each a futex wake-up.
//! A round's write is about ten statements; while the posts keep both CPUs busy, every one of
//! those hand-offs waited for a time slice, and writes that cost SQLite 1–3 ms took 10–50 ms.
//! The posts ran out of leased work meanwhile and the CPUs idled (10–19 % of a dispatch run).
//! Rows were no better: a lease read as rows was a message per row, so it was read as one JSON
//! array, escaped by SQLite and unescaped by serde. On this connection the dispatcher's write
//! thread runs SQLite itself: no hand-off, rows read in place, statements prepared once.
//!
//! Lifecycle: opened by [`super::Store::dispatch_connection`] on the pool's database file
//! (never for an in-memory database, which exists once per connection), kept by the
//! dispatcher between rounds, dropped after a failed write. It runs without foreign-key checks
//! (see `Store::dispatch_connection`). The statements are SQLite's dialect of those in
//! `webhook_deliveries.rs` and `outbox.rs`, one row at a time (a prepared statement per row
//! costs SQLite less than parsing a many-row `VALUES` list); the pool path keeps the many-row
//! forms for PostgreSQL and in-memory databases, and both are checked by the store conformance
//! suite.

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior, named_params, params};

use super::outbox::EventRow;
use super::webhook_deliveries::{AttemptOutcome, Claimed, ClaimedDelivery, NextStep, Round, UPDATE_RETRIED_UNDELIVERED, attempt_id, claim_due_sql, failure_runs, failure_sql, next_state};

/// The dispatcher's kept SQLite connection (see the module docs).
pub(crate) struct DispatchSqlite {
    /// In a mutex only so the dispatcher holding it is `Sync` (rusqlite's connection is not);
    /// every use has it by `&mut`, so the mutex is never locked.
    conn: Mutex<Connection>,
    /// [`claim_due_sql`] for SQLite, built once.
    claim_due: String,
}

impl DispatchSqlite {
    /// Opens the database file the pool uses (created and migrated by the pool already).
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<DispatchSqlite> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| {
            format!(
                "cannot open SQLite database `{}` for the webhook dispatcher",
                path.display()
            )
        })?;
        conn.busy_timeout(busy_timeout)?;
        // The pool's settings (the journal mode is the file's own: WAL), less foreign keys.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(DispatchSqlite { conn: Mutex::new(conn), claim_due: claim_due_sql("") })
    }

    /// [`super::Store::dispatch_round`] on this connection: the same writes and leases, in one
    /// `BEGIN IMMEDIATE` transaction (the write lock from the start, so the lease reads and
    /// marks the same rows with no other writer between).
    pub(crate) fn round(&mut self, r: &Round<'_>) -> Result<Claimed> {
        let DispatchSqlite { conn, claim_due } = self;
        let tx = conn.get_mut().unwrap_or_else(PoisonError::into_inner).transaction_with_behavior(TransactionBehavior::Immediate)?;
        record(&tx, r)?;
        let claimed = if r.claim > 0 { lease(&tx, r, claim_due)? } else { Claimed::default() };
        tx.commit()?;
        Ok(claimed)
    }

    /// The payloads of the events `ids` that still exist.
    pub(crate) fn event_payloads(&mut self, ids: &[String]) -> Result<Vec<(String, String)>> {
        let conn = self.conn.get_mut().unwrap_or_else(PoisonError::into_inner);
        let mut select = conn.prepare_cached("SELECT payload FROM webhook_events WHERE id = ?1")?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(payload) = rusqlite::OptionalExtension::optional(
                select.query_row(params![id], |row| row.get::<_, String>(0)),
            )? {
                rows.push((id.clone(), payload));
            }
        }
        Ok(rows)
    }
}

/// The round's outcomes: new deliveries, retried ones, their attempts, the endpoints' failure
/// runs, and the events fanned out. Statements shared with the pool path keep their `$n`
/// placeholders and are bound by those names (to SQLite `$1` is a name, numbered where it first
/// appears, so they cannot be bound by position).
fn record(tx: &Transaction<'_>, r: &Round<'_>) -> rusqlite::Result<()> {
    for o in r.fresh {
        let (status, next) = next_state(&o.next);
        let written = tx.prepare_cached(INSERT_FRESH)?.execute(params![
            o.delivery_id,
            o.event_id,
            o.endpoint_id,
            status,
            o.attempt,
            next,
            o.at,
            o.response_status,
            o.latency_ms,
            o.response_body,
            o.error
        ])?;
        if written == 0 {
            // The pair exists (a replay, another dispatcher after this one's lease expired):
            // this attempt is logged to that delivery.
            log_attempt(tx, INSERT_JOINED_ATTEMPT, o)?;
        }
    }
    for o in r.retried {
        match &o.next {
            NextStep::Delivered => tx
                .prepare_cached(UPDATE_RETRIED_DELIVERED)?
                .execute(params![o.at, o.endpoint_id, o.delivery_id])?,
            next => {
                let (status, next_at) = next_state(next);
                tx.prepare_cached(UPDATE_RETRIED_UNDELIVERED)?.execute(
                    named_params! { "$1": o.delivery_id, "$2": status, "$3": next_at, "$4": o.at, "$5": o.endpoint_id },
                )?
            }
        };
        log_attempt(tx, INSERT_ATTEMPT, o)?;
    }
    for (endpoint, (delivered, first_at)) in failure_runs(r.fresh.iter().chain(r.retried)) {
        let mut failing = tx.prepare_cached(failure_sql(delivered))?;
        if delivered {
            failing.execute(named_params! { "$1": endpoint })?;
        } else {
            failing.execute(named_params! { "$1": endpoint, "$2": first_at })?;
        }
    }
    for id in r.fanned {
        tx.prepare_cached("DELETE FROM webhook_fanout WHERE event_id = ?1")?.execute(params![id])?;
    }
    Ok(())
}

/// Up to `r.claim` events to fan out and as many due deliveries, leased until `r.lease_until`.
fn lease(tx: &Transaction<'_>, r: &Round<'_>, claim_due: &str) -> rusqlite::Result<Claimed> {
    let events: Vec<EventRow> = tx
        .prepare_cached(LEASE_EVENTS)?
        .query_map(params![r.now, r.claim], |row| {
            Ok(EventRow {
                id: row.get(0)?,
                event_type: row.get(1)?,
                environment: row.get(2)?,
                connection_id: row.get(3)?,
                end_customer_id: row.get(4)?,
                payload: row.get(5)?,
                created_at: row.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for e in &events {
        tx.prepare_cached("UPDATE webhook_fanout SET lease_until = ?2 WHERE event_id = ?1")?
            .execute(params![e.id, r.lease_until])?;
    }
    let due = tx
        .prepare_cached(claim_due)?
        .query_map(named_params! { "$1": r.now, "$2": r.lease_until, "$3": r.claim }, |row| {
            Ok(ClaimedDelivery {
                id: row.get(0)?,
                event_id: row.get(1)?,
                endpoint_id: row.get(2)?,
                attempts: row.get(3)?,
                first_attempt_at: row.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Claimed { events, due })
}

/// One row of `webhook_attempts` for `o`, by `sql` (either form binds the same ten values).
fn log_attempt(tx: &Transaction<'_>, sql: &str, o: &AttemptOutcome) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params![
        attempt_id(&o.at),
        o.delivery_id,
        o.endpoint_id,
        o.event_id,
        o.attempt,
        o.at,
        o.response_status,
        o.latency_ms,
        o.response_body,
        o.error
    ])
}

/// One new delivery in its first outcome's state (as `insert_fresh`), if its endpoint still
/// exists and its pair does not.
const INSERT_FRESH: &str = "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, attempts, next_attempt_at, first_attempt_at,
         last_attempt_at, delivered_at, created_at, logged_at, logged_status, logged_latency_ms, logged_body, logged_error)
     SELECT ?1, ?2, ?3, ?4, ?5, COALESCE(?6, ?7), ?7, ?7, CASE WHEN ?4 = 'delivered' THEN ?7 END, ?7, ?7, ?8, ?9, ?10, ?11
     WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?3)
     ON CONFLICT (event_id, endpoint_id) DO NOTHING";

const INSERT_JOINED_ATTEMPT: &str = "INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, attempt, at, response_status, latency_ms, response_body, error)
     SELECT ?1, d.id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM webhook_deliveries d WHERE d.event_id = ?4 AND d.endpoint_id = ?3 AND d.id <> ?2";

const INSERT_ATTEMPT: &str = "INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, attempt, at, response_status, latency_ms, response_body, error)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

const UPDATE_RETRIED_DELIVERED: &str = "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, lease_until = NULL,
         first_attempt_at = COALESCE(first_attempt_at, ?1), last_attempt_at = ?1, delivered_at = ?1
     WHERE endpoint_id = ?2 AND id = ?3";

const LEASE_EVENTS: &str = "SELECT e.id, e.event_type, e.environment, e.connection_id, e.end_customer_id, e.payload, e.created_at
     FROM webhook_fanout f JOIN webhook_events e ON e.id = f.event_id
     WHERE f.lease_until IS NULL OR f.lease_until <= ?1 ORDER BY f.event_id LIMIT ?2";
