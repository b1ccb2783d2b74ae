//! Persistence: one `Store` of domain methods over SQLite (the embedded default) or PostgreSQL.
//!
//! Runtime `query`/`query_as` (no `Any` driver, no compile-time macros): each statement is
//! written once with `$n` placeholders, which both drivers accept, and run on whichever pool is
//! configured through [`on_pool!`]. Migrations live in `migrations/sqlite` and
//! `migrations/postgres`. Timestamps are RFC 3339 text on both, so ordering and comparison are
//! the same everywhere.

mod admin;
mod connections;
mod dispatch_sqlite;
mod end_customers;
mod field_mappings;
mod health;
mod link_sessions;
mod metrics;
mod modules;
mod oauth;
pub(crate) mod outbox;
mod registry_config;
mod tokens;
mod webhook_deliveries;
mod webhook_endpoints;

pub use admin::{AdminTokenRow, AuditEntry};
pub use connections::{ConnectionFilter, ConnectionRow, NewConnection};
pub use end_customers::EndCustomerRow;
pub use field_mappings::{AttachedMapper, MappingVersionRow, NewMappingVersion};
pub use link_sessions::{CompleteOutcome, LinkCompletion, LinkSessionRow, NewLinkSession, ReplaceCredentials};
pub use health::{CheckRun, ClaimedCheck, HealthHistoryRow, HealthRow, HealthUpdate};
pub use modules::{ActivationAction, DeleteOutcome, ModuleRow};
pub use oauth::{OAuthAppRow, OAuthAuthorizationRow};
pub use outbox::{EventRow, NewEvent};
pub use webhook_deliveries::{AttemptOutcome, AttemptRow, Claimed, ClaimedDelivery, DeliveryRow, DispatchConnection, NextStep, Pruned, Round, delivery_id};
pub use webhook_endpoints::{EndpointChange, NewWebhookEndpoint, RotatedSecret, WebhookEndpointRow, previous_secret_aad};
pub use registry_config::TrustedKeyRow;
pub use tokens::{NewToken, TokenLookup, TokenRow};

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same statement on whichever pool the store has.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// How long a SQLite connection waits for another's write lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`: `postgres://…`, or a
    /// SQLite URL (`sqlite://path`, `sqlite::memory:`) or plain file path.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .context("cannot connect to PostgreSQL")?;
            sqlx::migrate!("migrations/postgres").run(&pool).await.context("PostgreSQL migrations failed")?;
            return Ok(Store { pool: Pool::Postgres(pool) });
        }
        let url = if url.starts_with("sqlite:") { url.to_string() } else { format!("sqlite://{url}") };
        let options = SqliteConnectOptions::from_str(&url)
            .with_context(|| format!("invalid SQLite database URL `{url}`"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true);
        let in_memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep exactly one.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory { None } else { Some(Duration::from_secs(600)) })
            // A SQLite connection is a file handle in this process: it does not go stale, and
            // the ping sqlx sends before lending it is a round trip through the connection's
            // worker thread on every query (the webhook dispatcher's rounds and every API
            // request's token lookup paid it).
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database `{url}`"))?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await.context("SQLite migrations failed")?;
        Ok(Store { pool: Pool::Sqlite(pool) })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Closes every pooled connection (and waits for that).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// A cheap round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }
}

/// Now, as the RFC 3339 text every table stores.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A new host object id: a prefix and a UUIDv7 (time-ordered), e.g. `conn_0190…`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}
