//! Connection health: a monitor that checks connections through the connector's `check` on a
//! schedule, passive classification of every upstream call made for API requests, the status
//! state machine and its history.
//!
//! Lifecycle:
//! - **init once**: [`Health::new`] with a [`HealthConfig`] (intervals, thresholds, clock), held
//!   by `AppState`;
//! - **per API call**: handlers call [`Health::observe`] with the connector call's result: an
//!   in-memory record, nothing on the request path's latency;
//! - **background**: [`monitor::run`] (started by `millwright serve`/`demo` through
//!   `crate::background`) flushes passive evidence every tick, claims due checks with leases
//!   (`UPDATE … RETURNING`, `SKIP LOCKED` on PostgreSQL) and applies the state machine
//!   ([`state::decide`]). A status change is a compare-and-swap on `connections.status` that
//!   bumps `config_version` (every replica sees it on its next request), with its history row and
//!   its webhook event (`connection.reauth_required` or `connection.status_changed`) in the same
//!   transaction, so each transition emits exactly one event.
//!
//! The host's OAuth code (token refresh, issue 3) signals a failed refresh with
//! `app.health.report(connection_id, Outcome::token_refresh_failed(detail))` (or
//! [`Outcome::invalid_grant`]); the connection becomes `reauth_required` with that reason
//! within one monitor tick.

pub mod monitor;
pub mod outcome;
pub mod passive;
pub mod routes;
pub mod state;

use std::time::Duration;

use tokio::sync::Notify;

pub use self::outcome::{Outcome, Reason};
use self::passive::PassiveRecorder;
pub use self::state::Thresholds;
use crate::api::error::ApiError;
use crate::clock::Clock;
use crate::runtime::CallError;

#[derive(Clone, Debug)]
pub struct HealthConfig {
    /// Between two checks of a connection (default 5 minutes; per connection via the admin API).
    pub check_interval: Duration,
    /// Each interval is stretched or shrunk by up to this fraction, so checks spread out.
    pub jitter: f64,
    /// How often the monitor flushes passive evidence and looks for due checks.
    pub tick: Duration,
    /// How long a claimed check stays this replica's.
    pub lease: Duration,
    /// Checks run at once.
    pub max_concurrent_checks: usize,
    pub thresholds: Thresholds,
    pub clock: Clock,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            check_interval: Duration::from_secs(300),
            jitter: 0.1,
            tick: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            max_concurrent_checks: 4,
            thresholds: Thresholds::default(),
            clock: Clock::system(),
        }
    }
}

pub struct Health {
    pub config: HealthConfig,
    passive: PassiveRecorder,
    wake: Notify,
}

impl Health {
    pub fn new(config: HealthConfig) -> Health {
        Health { passive: PassiveRecorder::new(config.thresholds.error_window), config, wake: Notify::new() }
    }

    /// Passive health: classifies a connector call made for an API request.
    pub fn observe<T>(&self, connection_id: &str, result: &Result<T, CallError>) {
        self.report(connection_id, Outcome::of(result));
    }

    /// [`Health::observe`], then the result as the API's error.
    pub fn observed<T>(&self, connection_id: &str, result: Result<T, CallError>) -> Result<T, ApiError> {
        self.observe(connection_id, &result);
        result.map_err(|e| ApiError::from_call(e, connection_id))
    }

    /// Records an outcome observed outside a connector call (the host's OAuth refresh).
    pub fn report(&self, connection_id: &str, outcome: Outcome) {
        if self.passive.record(connection_id, &outcome, self.config.clock.now()) {
            self.wake.notify_one();
        }
    }

    /// The next check of a connection, `interval` from now, jittered.
    pub fn next_check_at(&self, interval: Option<Duration>) -> String {
        let base = interval.unwrap_or(self.config.check_interval).as_secs_f64();
        let jitter = self.config.jitter.clamp(0.0, 0.5);
        let factor = if jitter > 0.0 { 1.0 + rand::random_range(-jitter..=jitter) } else { 1.0 };
        self.config.clock.after(Duration::from_secs_f64(base * factor))
    }
}
