//! The webhook outbox: events written in the same transaction as the change that causes them,
//! each queued in `webhook_fanout` with the dispatcher's lease on it until its fan-out (one
//! delivery per matching endpoint, written with its first outcome by `webhook_deliveries`) is
//! recorded.
//!
//! Other store files append events inside their own transactions with [`insert_event`], through
//! a [`Conn`] (the transaction's connection, of either dialect).

use anyhow::Result;

use super::{Store, new_id, on_pool};

/// A transaction's connection, of either dialect, so helpers can write inside another module's
/// transaction: `Conn::from(&mut *tx)` in an `on_pool!` branch.
pub(crate) enum Conn<'a> {
    Sqlite(&'a mut sqlx::SqliteConnection),
    Postgres(&'a mut sqlx::PgConnection),
}

impl<'a> From<&'a mut sqlx::SqliteConnection> for Conn<'a> {
    fn from(c: &'a mut sqlx::SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'a> From<&'a mut sqlx::PgConnection> for Conn<'a> {
    fn from(c: &'a mut sqlx::PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

impl Conn<'_> {
    /// The same connection for one more statement.
    pub(crate) fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// Runs the same statement on whichever connection a [`Conn`] holds.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::outbox::Conn::Sqlite($c) => $body,
            $crate::store::outbox::Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_conn;

/// An event of the outbox. `payload` is the exact body that is delivered and signed. Fields in
/// [`EVENT_COLUMNS`] order: the SQLite lease reads each row as a JSON array of them (serde
/// deserialises a struct from an array in field order).
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct EventRow {
    pub id: String,
    pub event_type: String,
    /// `None`: a system event, delivered to endpoints of every environment.
    pub environment: Option<String>,
    pub connection_id: Option<String>,
    pub end_customer_id: Option<String>,
    pub payload: String,
    pub created_at: String,
}

/// An event about to be written (the same fields as a stored one).
pub type NewEvent = EventRow;

const EVENT_COLUMNS: &str = "id, event_type, environment, connection_id, end_customer_id, payload, created_at";

/// Appends an event inside the caller's transaction, queued for the fan-out (`webhook_fanout`)
/// unless `fanned_out`: the caller created the deliveries itself (a test event for one endpoint).
pub(crate) async fn insert_event(mut conn: Conn<'_>, e: &NewEvent, fanned_out: bool) -> sqlx::Result<()> {
    on_conn!(conn.reborrow(), |c| sqlx::query(
        "INSERT INTO webhook_events (id, event_type, environment, connection_id, end_customer_id, payload, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(&e.id)
    .bind(&e.event_type)
    .bind(&e.environment)
    .bind(&e.connection_id)
    .bind(&e.end_customer_id)
    .bind(&e.payload)
    .bind(&e.created_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    if !fanned_out {
        on_conn!(conn, |c| sqlx::query("INSERT INTO webhook_fanout (event_id) VALUES ($1)").bind(&e.id).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Leases up to `limit` queued events (not leased to another dispatcher) to the caller until
/// `lease_until`, oldest first, inside the caller's transaction. The lease is on the event's row
/// in `webhook_fanout`, never on the event's own. Their deliveries are written with their first
/// outcome, and the events taken off the queue, by [`mark_fanned_out`]; a crash before that lets
/// the lease expire and the event is leased again (delivered at least once).
pub(crate) async fn lease_events(conn: Conn<'_>, now: &str, lease_until: &str, limit: i64) -> sqlx::Result<Vec<EventRow>> {
    const CANDIDATES: &str = "SELECT event_id FROM webhook_fanout WHERE lease_until IS NULL OR lease_until <= $1 ORDER BY event_id LIMIT $3";
    match conn {
        Conn::Postgres(c) => {
            let sql = format!(
                "UPDATE webhook_fanout f SET lease_until = $2 FROM webhook_events e
                 WHERE f.event_id IN ({CANDIDATES} FOR UPDATE SKIP LOCKED)
                   AND (f.lease_until IS NULL OR f.lease_until <= $1) AND e.id = f.event_id
                 RETURNING e.*"
            );
            sqlx::query_as::<_, EventRow>(&sql).bind(now).bind(lease_until).bind(limit).fetch_all(c).await
        }
        // sqlx hands each row of a result from SQLite's worker thread to the caller on its own
        // (a channel send, a wake-up, a copy of every value): 256 leased rows with their bodies
        // per round cost more than SQLite's work on them. So the batch is read as one row (a
        // JSON array) and then leased by the same selection: both run under the transaction's
        // write lock (`BEGIN IMMEDIATE`, see `Store::dispatch_round`), so nothing changes in
        // between, and without it the lease would fail (a stale snapshot) rather than differ.
        Conn::Sqlite(c) => {
            let select = format!(
                "SELECT json_group_array(json_array({EVENT_COLUMNS})) FROM (SELECT e.* FROM webhook_fanout f
                 JOIN webhook_events e ON e.id = f.event_id
                 WHERE f.lease_until IS NULL OR f.lease_until <= $1 ORDER BY f.event_id LIMIT $2)"
            );
            let (batch,): (String,) = sqlx::query_as(&select).bind(now).bind(limit).fetch_one(&mut *c).await?;
            let rows: Vec<EventRow> = serde_json::from_str(&batch).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            if rows.is_empty() {
                return Ok(vec![]);
            }
            let lease = format!("UPDATE webhook_fanout SET lease_until = $2 WHERE event_id IN ({CANDIDATES})");
            let leased = sqlx::query(&lease).bind(now).bind(lease_until).bind(limit).execute(&mut *c).await?.rows_affected();
            if leased != rows.len() as u64 {
                return Err(sqlx::Error::Protocol(format!("leased {leased} events, read {}", rows.len())));
            }
            Ok(rows)
        }
    }
}

/// Takes fanned-out events (their deliveries written) off the queue, their leases with them: in
/// statements of at most [`CHUNK`] ids, each of a [`padded_len`] size.
pub(crate) async fn mark_fanned_out(mut conn: Conn<'_>, ids: &[String]) -> sqlx::Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let sql = numbered(matches!(conn, Conn::Postgres(_)), format!("DELETE FROM webhook_fanout WHERE event_id IN ({})", repeat("?", padded_len(chunk.len()))));
        on_conn!(conn.reborrow(), |c| {
            let mut q = sqlx::query(&sql);
            for id in padded(chunk) {
                q = q.bind(id);
            }
            q.execute(c).await?;
        });
    }
    Ok(())
}

/// Creates (or, for a retry or replay, resets to pending) the delivery of `event_id` to
/// `endpoint_id`, due at `due`.
pub(crate) async fn upsert_delivery(conn: Conn<'_>, event_id: &str, endpoint_id: &str, due: &str) -> sqlx::Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at)
         VALUES ($1, $2, $3, 'pending', $4, $4)
         ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', next_attempt_at = excluded.next_attempt_at,
             lease_until = NULL, first_attempt_at = NULL"
    )
    .bind(new_id(super::webhook_deliveries::DELIVERY_PREFIX))
    .bind(event_id)
    .bind(endpoint_id)
    .bind(due)
    .execute(c)
    .await
    .map(|_| ()))
}

impl Store {
    /// Appends one event on its own (no other change goes with it).
    pub async fn insert_event(&self, e: &NewEvent) -> Result<()> {
        on_pool!(self, |p| async {
            let mut c = p.acquire().await?;
            insert_event(Conn::from(&mut *c), e, false).await
        }
        .await)?;
        Ok(())
    }

    /// Appends many events in one transaction (bulk producers: syncs, benchmarks).
    pub async fn insert_events(&self, events: &[NewEvent]) -> Result<()> {
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            for e in events {
                insert_event(Conn::from(&mut *tx), e, false).await?;
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    pub async fn event(&self, id: &str) -> Result<Option<EventRow>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM webhook_events WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as::<_, EventRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// Events created in `[since, until)`, oldest first, after the id `after` (replay pages).
    pub async fn events_between(&self, since: &str, until: &str, after: Option<&str>, limit: i64) -> Result<Vec<EventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM webhook_events WHERE created_at >= $1 AND created_at < $2 AND ($3 IS NULL OR id > $3)
             ORDER BY id LIMIT $4"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, EventRow>(&sql).bind(since).bind(until).bind(after).bind(limit).fetch_all(p).await)?)
    }

    /// The payloads of these events, by id.
    pub async fn event_payloads(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let sql = format!("SELECT id, payload FROM webhook_events WHERE id IN ({})", placeholders(1, padded_len(chunk.len())));
            rows.extend(on_pool!(self, |p| {
                let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                for id in padded(chunk) {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?);
        }
        Ok(rows)
    }

    /// Makes `event_id` due again for `endpoint_id` now (manual retry, replay): a fresh retry
    /// window, the same event id.
    pub async fn redeliver(&self, event_ids: &[String], endpoint_id: &str, due: &str) -> Result<()> {
        on_pool!(self, |p| async {
            let mut tx = p.begin().await?;
            for id in event_ids {
                upsert_delivery(Conn::from(&mut *tx), id, endpoint_id, due).await?;
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Newest events first, for the admin list.
    pub async fn list_events(&self, event_type: Option<&str>, before: Option<&str>, limit: i64) -> Result<Vec<EventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM webhook_events WHERE ($1 IS NULL OR event_type = $1) AND ($2 IS NULL OR id < $2)
             ORDER BY id DESC LIMIT $3"
        );
        Ok(on_pool!(self, |p| sqlx::query_as::<_, EventRow>(&sql).bind(event_type).bind(before).bind(limit).fetch_all(p).await)?)
    }
}

/// Rows (or ids) per multi-row statement: a whole default batch in one, at most 5 632 parameters
/// (well below either database's limit).
pub(crate) const CHUNK: usize = 512;

/// How many rows a multi-row statement for `n` rows (at most [`CHUNK`]) is written for: `n`
/// rounded up to a power of two, at least 16. Such statements then come in six sizes per kind,
/// each prepared once per connection and reused from sqlx's statement cache; the rows beyond the
/// real ones are bound as NULLs, which the statements skip (an `IN` list matches no NULL).
/// Written for exactly `n` rows, nearly every write's statements were new text, prepared
/// afresh: for a 250-row insert that cost SQLite about as much again as running it.
pub(crate) fn padded_len(n: usize) -> usize {
    debug_assert!(n <= CHUNK, "{n} rows in one statement");
    n.next_power_of_two().clamp(16, CHUNK)
}

/// The values of an `IN` list of [`padded_len`] ids: `chunk`'s, then NULLs.
pub(crate) fn padded<T: AsRef<str>>(chunk: &[T]) -> impl Iterator<Item = Option<&str>> {
    let nulls = padded_len(chunk.len()) - chunk.len();
    chunk.iter().map(|id| Some(id.as_ref())).chain(std::iter::repeat_n(None, nulls))
}

/// `$first, $first+1, …` for `n` values of an `IN` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `item` `n` times, comma-separated (rows of a multi-row `VALUES`, `?` marks of an `IN` list).
pub(crate) fn repeat(item: &str, n: usize) -> String {
    vec![item; n].join(", ")
}

/// A statement written with `?` marks, as the dialect wants it: kept on SQLite, `$1, $2, …` in
/// order on PostgreSQL. Statements with many parameters use anonymous marks on SQLite because
/// binding a numbered one looks its name up in a list as long as the statement's parameters
/// (sqlx asks each one's name), quadratic in rows × columns.
pub(crate) fn numbered(postgres: bool, sql: String) -> String {
    if !postgres {
        return sql;
    }
    let mut out = String::with_capacity(sql.len() + sql.len() / 4);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}
