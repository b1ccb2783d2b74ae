//! Durable, signed webhooks (Standard Webhooks).
//!
//! Lifecycle:
//! - **init once**: [`Webhooks::new`] with a [`WebhookConfig`] (timeouts, retry schedule, target
//!   rules, retention, clock) and the vault that seals endpoint secrets; held by `AppState`;
//! - **per change**: the code that changes something appends its event to the outbox in the same
//!   transaction ([`events`] builds them, `store::outbox` writes them), so an event exists exactly
//!   when its change does;
//! - **background**: [`dispatcher::run`] (started by `millwright serve`/`demo` through
//!   `crate::background`) leases new events and fans each out to the matching endpoints (the
//!   delivery rows written once, with their first outcome), claims due retries with leases
//!   (`UPDATE … RETURNING`, `SKIP LOCKED` on PostgreSQL), signs and posts them (10 s
//!   timeout, 2xx = delivered), retries with exponential backoff within the retry window (same
//!   `webhook-id`), logs every attempt and disables an endpoint that failed for the whole window
//!   (raising `system.error`). A crash loses nothing: an unfinished attempt's lease (on the
//!   event, or on the delivery) expires and it is leased again.
//!
//! Endpoints are managed under `/v1/admin/webhook-endpoints` ([`admin`], [`log`]).

pub mod admin;
pub mod dispatcher;
pub mod docs;
pub mod events;
pub mod log;
pub mod sender;
pub mod signing;
pub mod target;

use std::time::Duration;

use anyhow::Result;
use tokio::sync::Notify;

use self::signing::Signer;
use crate::clock::Clock;
use crate::store::{NextStep, WebhookEndpointRow, previous_secret_aad};
use crate::vault::{MasterKey, Sealed, Vault};

/// Exponential backoff: `initial`, doubling, at most `max_interval` apart, for `window` after the
/// first attempt; then the delivery is failed (and kept).
#[derive(Clone, Debug)]
pub struct RetrySchedule {
    pub initial: Duration,
    pub max_interval: Duration,
    pub window: Duration,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule { initial: Duration::from_secs(30), max_interval: Duration::from_secs(3600), window: Duration::from_secs(24 * 3600) }
    }
}

impl RetrySchedule {
    /// The wait after failed attempt number `attempt` (1-based).
    pub fn delay(&self, attempt: i64) -> Duration {
        let doublings = (attempt - 1).clamp(0, 30) as u32;
        self.initial.saturating_mul(2u32.saturating_pow(doublings)).min(self.max_interval)
    }

    /// What follows a failed attempt: a retry, or failed once the window since the first
    /// attempt is spent.
    pub fn after_failure(&self, clock: &Clock, attempt: i64, first_attempt_at: Option<&str>) -> NextStep {
        let now = clock.now();
        let first = first_attempt_at.and_then(crate::clock::parse).unwrap_or(now);
        let next = now + chrono::Duration::from_std(self.delay(attempt)).unwrap_or(chrono::Duration::days(1));
        let deadline = first + chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::days(1));
        if next > deadline { NextStep::Failed } else { NextStep::RetryAt(crate::clock::text(next)) }
    }
}

#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Endpoints may target private, link-local and loopback addresses.
    pub allow_private: bool,
    /// Per attempt, connect to last byte.
    pub timeout: Duration,
    pub retry: RetrySchedule,
    /// How long a claimed delivery stays this dispatcher's (longer than `timeout`).
    pub lease: Duration,
    /// How often an idle dispatcher looks for work.
    pub poll_interval: Duration,
    /// The dispatcher's unit of work: its writes record outcomes and lease events in batches of
    /// at least this size (fewer when nothing else is left, and a round's first lease only as
    /// many as go out at once), and it keeps four batches queued ahead of the posts.
    pub batch_size: usize,
    pub concurrency: usize,
    /// Delivery logs, delivered outbox rows and health history are kept this long.
    pub retention: Duration,
    pub prune_interval: Duration,
    /// How long a rotated-out secret keeps signing, unless the rotation says otherwise.
    pub secret_overlap: Duration,
    pub clock: Clock,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            allow_private: false,
            timeout: Duration::from_secs(10),
            retry: RetrySchedule::default(),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            batch_size: 256,
            concurrency: 64,
            retention: Duration::from_secs(30 * 24 * 3600),
            prune_interval: Duration::from_secs(3600),
            secret_overlap: Duration::from_secs(24 * 3600),
            clock: Clock::system(),
        }
    }
}

pub struct Webhooks {
    pub config: WebhookConfig,
    vault: Vault,
    wake: Notify,
}

impl Webhooks {
    pub fn new(config: WebhookConfig, master_key: &MasterKey) -> Webhooks {
        Webhooks { config, vault: Vault::new(master_key), wake: Notify::new() }
    }

    /// Tells the dispatcher there is work now (a test event, a retry, a replay).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Seals a secret's key bytes for an endpoint (`previous`: the rotated-out one).
    pub fn seal_secret(&self, endpoint_id: &str, key: &[u8], previous: bool) -> Result<Sealed> {
        let aad = if previous { previous_secret_aad(endpoint_id) } else { endpoint_id.to_string() };
        self.vault.seal(&aad, key)
    }

    /// The keys that sign for an endpoint: the current secret, and the previous one with the end
    /// of its overlap.
    pub fn signing_keys(&self, e: &WebhookEndpointRow) -> Result<SigningKeys> {
        let current = Signer::new(&self.current_key(e)?);
        let previous = match (&e.previous_secret, &e.previous_secret_key, &e.previous_expires_at) {
            (Some(secret), Some(key), Some(until)) => Some((
                Signer::new(&self.vault.open(&previous_secret_aad(&e.id), &Sealed { ciphertext: secret.clone(), wrapped_key: key.clone() })?),
                until.clone(),
            )),
            _ => None,
        };
        Ok(SigningKeys { current, previous })
    }

    /// The current secret's key bytes (to move it to `previous` on rotation).
    pub fn current_key(&self, e: &WebhookEndpointRow) -> Result<Vec<u8>> {
        self.vault.open(&e.id, &Sealed { ciphertext: e.secret.clone(), wrapped_key: e.secret_key.clone() })
    }
}

/// An endpoint's opened secrets, ready to sign.
pub struct SigningKeys {
    current: Signer,
    /// The rotated-out key and the end of its overlap.
    previous: Option<(Signer, String)>,
}

impl SigningKeys {
    /// The signers at `now` (stored-text time): the current secret, and the rotated-out one
    /// until its overlap ends.
    pub fn at(&self, now: &str) -> Vec<&Signer> {
        let mut signers = vec![&self.current];
        if let Some((previous, until)) = &self.previous
            && until.as_str() > now
        {
            signers.push(previous);
        }
        signers
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RetrySchedule;
    use crate::clock::{Clock, text};
    use crate::store::NextStep;

    #[test]
    fn backoff_doubles_from_the_initial_wait_and_stops_at_the_window() {
        let s = RetrySchedule::default();
        let waits: Vec<u64> = (1..=9).map(|a| s.delay(a).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600], "capped at the longest interval");
        let start = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let first = text(start);
        let at = |secs: i64| Clock::from_fn(move || start + chrono::Duration::seconds(secs));
        assert!(matches!(s.after_failure(&at(0), 1, Some(&first)), NextStep::RetryAt(t) if t == text(start + chrono::Duration::seconds(30))));
        assert!(matches!(s.after_failure(&at(23 * 3600), 20, Some(&first)), NextStep::RetryAt(_)));
        assert!(matches!(s.after_failure(&at(24 * 3600 - 10), 20, Some(&first)), NextStep::Failed), "no retry past the window");
        let quick = RetrySchedule { initial: Duration::from_millis(100), max_interval: Duration::from_millis(400), window: Duration::from_secs(1) };
        assert_eq!(quick.delay(5), Duration::from_millis(400));
    }
}
