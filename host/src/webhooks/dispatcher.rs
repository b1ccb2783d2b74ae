//! The dispatcher: fan-out of leased events to matching endpoints (each delivery's row written
//! once, with its first outcome), plus leased batches of due retries, signed and posted
//! concurrently; one transaction per round writes the last batch's outcomes and leases the next.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::json;
use tokio::sync::watch;

use super::events::system_error;
use super::sender::Sender;
use super::signing::signature_header;
use super::{SigningKeys, Webhooks};
use crate::app::AppState;
use crate::store::{AttemptOutcome, Claimed, ClaimedDelivery, EventRow, NextStep, Round, WebhookEndpointRow, new_id};

/// `system.error` code of an endpoint disabled for failing through its whole retry window.
pub const ENDPOINT_DISABLED: &str = "webhook_endpoint_disabled";

/// An enabled endpoint as the dispatcher uses it.
struct Endpoint {
    row: WebhookEndpointRow,
    keys: SigningKeys,
    /// `row.event_types()`, parsed once (the fan-out tests it for every event).
    types: Option<Vec<String>>,
}

pub struct Dispatcher {
    app: AppState,
    sender: Sender,
    /// Enabled endpoints by id, re-read every round; secrets re-opened only when changed.
    endpoints: HashMap<String, Arc<Endpoint>>,
    /// The earliest `failing_since` among them (`None`: none is failing), so a round looks for
    /// endpoints to disable only when one may be due.
    failing_since: Option<String>,
    /// The last batch's outcomes, written in the next round's transaction while the next batch
    /// is being sent (its events and deliveries stay leased until then, so nobody else sends
    /// them; after a crash the leases expire).
    unrecorded: Outcomes,
    /// The next batch, leased in that same transaction.
    ahead: Claimed,
}

/// A batch's outcomes, as the store records them.
#[derive(Default)]
struct Outcomes {
    /// First attempts of deliveries fanned out from leased events (their rows not written yet).
    fresh: Vec<AttemptOutcome>,
    /// Attempts of claimed deliveries.
    retried: Vec<AttemptOutcome>,
    /// The leased events fanned out.
    fanned: Vec<String>,
}

impl Outcomes {
    fn attempts(&self) -> usize {
        self.fresh.len() + self.retried.len()
    }

    fn append(&mut self, other: Outcomes) {
        self.fresh.extend(other.fresh);
        self.retried.extend(other.retried);
        self.fanned.extend(other.fanned);
    }
}

/// One delivery to attempt: `fresh` when fanned out now (no row yet), else claimed.
struct Work {
    delivery: ClaimedDelivery,
    body: Option<Bytes>,
    fresh: bool,
}

/// Runs until `stop` turns true.
pub async fn run(app: AppState, mut stop: watch::Receiver<bool>) {
    let mut dispatcher = Dispatcher::new(app.clone());
    loop {
        let busy = match dispatcher.round().await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "webhook dispatch round failed");
                false
            }
        };
        if *stop.borrow() {
            break;
        }
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(app.webhooks.config.poll_interval) => {}
                _ = app.webhooks.wake.notified() => {}
                _ = stop.changed() => break,
            }
        }
    }
    if let Err(e) = dispatcher.flush().await {
        tracing::warn!(error = %format!("{e:#}"), "could not record the last webhook attempts; their deliveries will be retried");
    }
}

impl Dispatcher {
    pub fn new(app: AppState) -> Dispatcher {
        let config = &app.webhooks.config;
        let sender = Sender::new(config.allow_private, config.timeout, config.concurrency);
        Dispatcher { app, sender, endpoints: HashMap::new(), failing_since: None, unrecorded: Outcomes::default(), ahead: Claimed::default() }
    }

    /// One round: a batch of leased events fanned out and sent with a batch of due retries,
    /// while one transaction writes the previous batch's outcomes and leases the next batch.
    /// Returns the work done (events fanned out, attempts made and recorded); 0 means idle.
    pub async fn round(&mut self) -> Result<usize> {
        self.refresh_endpoints().await?;
        let config = self.app.webhooks.config.clone();
        let limit = config.batch_size.max(1) as i64;
        let mut done = 0;
        let mut batch = std::mem::take(&mut self.ahead);
        if batch.is_empty() {
            // Nothing leased ahead (the first round, or idle): write what is left, lease now.
            done += self.unrecorded.attempts();
            let written = self.write_and_claim(limit, config.lease).await;
            batch = self.settle(written)?;
        }
        if !batch.is_empty() {
            done += batch.events.len() + self.unrecorded.attempts();
            let (fanned, work) = self.fan_out(batch.events);
            // The next batch waits for this one's sending before its own: its lease covers both.
            // The transaction runs on a thread of its own (a blocking-pool thread driving it), so
            // each statement follows the last as soon as SQLite's worker answers: as a task it
            // would wait its turn behind the connections' tasks at every statement.
            let write = self.write_and_claim(limit, config.lease + config.timeout);
            let runtime = tokio::runtime::Handle::current();
            let next = tokio::task::spawn_blocking(move || runtime.block_on(write));
            let (next, mut outcomes) = tokio::join!(next, self.send(work, batch.due));
            // A panicked write loses its outcomes, not their deliveries: the leases expire and
            // the events and deliveries are sent again (at least once).
            let next = next.unwrap_or_else(|e| Err((anyhow::anyhow!("the round's write failed: {e}"), Outcomes::default())));
            done += outcomes.attempts();
            outcomes.fanned = fanned;
            self.unrecorded.append(outcomes);
            self.ahead = self.settle(next)?;
        }
        // Every round, not only after a failure: the window can end after the last attempt.
        self.disable_failing().await?;
        Ok(done)
    }

    /// The round's transaction: the unrecorded outcomes written, then up to `limit` events and
    /// due deliveries leased for `lease`. Run it with [`Dispatcher::settle`]: if it fails, the
    /// outcomes stay for the next round (their leases keep anyone else from sending them).
    fn write_and_claim(&mut self, limit: i64, lease: Duration) -> impl Future<Output = Result<Claimed, (anyhow::Error, Outcomes)>> + use<> {
        let previous = std::mem::take(&mut self.unrecorded);
        let store = self.app.store.clone();
        let clock = self.app.webhooks.config.clock.clone();
        async move {
            let (now, lease_until) = (clock.now_text(), clock.after(lease));
            let round = Round { fresh: &previous.fresh, retried: &previous.retried, fanned: &previous.fanned, claim: limit, now: &now, lease_until: &lease_until };
            match store.dispatch_round(&round).await {
                Ok(claimed) => Ok(claimed),
                Err(e) => Err((e, previous)),
            }
        }
    }

    fn settle(&mut self, written: Result<Claimed, (anyhow::Error, Outcomes)>) -> Result<Claimed> {
        written.map_err(|(e, kept)| {
            self.unrecorded.append(kept);
            e
        })
    }

    async fn refresh_endpoints(&mut self) -> Result<()> {
        let mut fresh = HashMap::new();
        let mut failing_since: Option<String> = None;
        let mut after: Option<String> = None;
        loop {
            let page = self.app.store.webhook_endpoints(true, after.as_deref(), 500).await?;
            let full = page.len() == 500;
            after = page.last().map(|e| e.id.clone());
            for row in page {
                if let Some(since) = &row.failing_since
                    && failing_since.as_ref().is_none_or(|f| since < f)
                {
                    failing_since = Some(since.clone());
                }
                let endpoint = match self.endpoints.get(&row.id) {
                    Some(known) if known.row.updated_at == row.updated_at => known.clone(),
                    _ => Arc::new(Endpoint { keys: self.app.webhooks.signing_keys(&row)?, types: row.event_types(), row }),
                };
                fresh.insert(endpoint.row.id.clone(), endpoint);
            }
            if !full {
                break;
            }
        }
        self.endpoints = fresh;
        self.failing_since = failing_since;
        Ok(())
    }

    /// The deliveries of leased events to the endpoints that match them, each with a new id and
    /// its body (written as rows only with their outcome). Returns the events and the work.
    fn fan_out(&self, events: Vec<EventRow>) -> (Vec<String>, Vec<Work>) {
        let mut ids = Vec::with_capacity(events.len());
        let mut work = Vec::with_capacity(events.len());
        for event in events {
            let targets: Vec<&Arc<Endpoint>> = self.endpoints.values().filter(|e| matches(&e.row, e.types.as_deref(), &event)).collect();
            let EventRow { id, payload, .. } = event;
            let body = Bytes::from(payload);
            for endpoint in targets {
                let delivery = ClaimedDelivery { id: new_id("whdl"), event_id: id.clone(), endpoint_id: endpoint.row.id.clone(), attempts: 1, first_attempt_at: None };
                work.push(Work { delivery, body: Some(body.clone()), fresh: true });
            }
            ids.push(id);
        }
        (ids, work)
    }

    /// Writes the outcomes not recorded yet, and gives back what was leased ahead (so the next
    /// dispatcher need not wait for those leases to expire).
    pub async fn flush(&mut self) -> Result<()> {
        let written = self.write_and_claim(0, Duration::ZERO).await;
        self.settle(written)?;
        let ahead = std::mem::take(&mut self.ahead);
        if !ahead.is_empty() {
            self.app.store.release(&ahead).await?;
        }
        Ok(())
    }

    /// Sends the fresh deliveries (bodies at hand) and the claimed ones (bodies read now).
    async fn send(&self, mut work: Vec<Work>, claimed: Vec<ClaimedDelivery>) -> Outcomes {
        if !claimed.is_empty() {
            let ids: Vec<String> = claimed.iter().map(|d| d.event_id.clone()).collect();
            match self.app.store.event_payloads(&ids).await {
                Ok(rows) => {
                    let payloads: HashMap<String, Bytes> = rows.into_iter().map(|(id, p)| (id, Bytes::from(p))).collect();
                    work.extend(claimed.into_iter().map(|d| {
                        let body = payloads.get(&d.event_id).cloned();
                        Work { delivery: d, body, fresh: false }
                    }));
                }
                // Their leases expire and they are claimed again.
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "cannot read event payloads"),
            }
        }
        let attempts: Vec<(bool, AttemptOutcome)> = futures::stream::iter(work)
            .map(|w| async move { (w.fresh, self.attempt(w.delivery, w.body).await) })
            .buffer_unordered(self.app.webhooks.config.concurrency.max(1))
            .collect()
            .await;
        let mut outcomes = Outcomes::default();
        for (fresh, outcome) in attempts {
            if fresh { outcomes.fresh.push(outcome) } else { outcomes.retried.push(outcome) }
        }
        outcomes
    }

    async fn attempt(&self, d: ClaimedDelivery, payload: Option<Bytes>) -> AttemptOutcome {
        let config = &self.app.webhooks.config;
        let clock = &config.clock;
        let at = clock.now();
        let mut outcome = AttemptOutcome {
            delivery_id: d.id.clone(),
            endpoint_id: d.endpoint_id.clone(),
            event_id: d.event_id.clone(),
            attempt: d.attempts,
            at: crate::clock::text(at),
            response_status: None,
            latency_ms: 0,
            response_body: None,
            error: None,
            next: NextStep::Delivered,
        };
        let (Some(endpoint), Some(body)) = (self.endpoints.get(&d.endpoint_id), payload) else {
            // The endpoint was disabled or deleted after the claim, or the event pruned: try later.
            outcome.error = Some("the endpoint or the event is gone".into());
            outcome.next = NextStep::RetryAt(clock.after(config.retry.initial));
            return outcome;
        };
        let timestamp = at.timestamp();
        let signature = signature_header(&endpoint.keys.at(&outcome.at), &d.event_id, timestamp, &body);
        let headers = [
            ("content-type", "application/json".to_string()),
            ("user-agent", concat!("Millwright-Webhooks/", env!("CARGO_PKG_VERSION")).to_string()),
            ("webhook-id", d.event_id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        let answer = self.sender.post(&endpoint.row.url, &headers, body).await;
        outcome.response_status = answer.status.map(i64::from);
        outcome.latency_ms = answer.latency.as_millis() as i64;
        outcome.next = if answer.delivered() {
            NextStep::Delivered
        } else {
            config.retry.after_failure(clock, d.attempts, d.first_attempt_at.as_deref())
        };
        outcome.response_body = answer.body;
        outcome.error = answer.error;
        outcome
    }

    /// Disables endpoints that failed continuously for the whole retry window, each raising one
    /// `system.error`.
    async fn disable_failing(&self) -> Result<()> {
        let config = &self.app.webhooks.config;
        let now = config.clock.now_text();
        let cutoff = config.clock.before(config.retry.window);
        if self.failing_since.as_ref().is_none_or(|since| *since > cutoff) {
            return Ok(());
        }
        let reason = "failed continuously for the whole retry window";
        let disabled = self
            .app
            .store
            .disable_failing_endpoints(&cutoff, reason, &now, |id| {
                let url = self.endpoints.get(id).map(|e| e.row.url.clone());
                let message = format!("webhook endpoint {id} was disabled: every delivery {reason}");
                system_error(ENDPOINT_DISABLED, &message, json!({ "endpoint_id": id, "url": url }), &now)
            })
            .await?;
        for id in disabled {
            tracing::warn!(endpoint_id = %id, "webhook endpoint disabled after failing for the whole retry window");
        }
        Ok(())
    }
}

/// Whether an endpoint receives an event: its environment (system events go to every
/// environment), its event types, and its end-customer and connection filters (which system
/// events, about no connection, pass).
fn matches(endpoint: &WebhookEndpointRow, types: Option<&[String]>, event: &EventRow) -> bool {
    if let Some(env) = &event.environment
        && *env != endpoint.environment
    {
        return false;
    }
    if types.is_some_and(|types| !types.iter().any(|t| *t == event.event_type)) {
        return false;
    }
    if event.environment.is_none() {
        return true;
    }
    let customer_ok = endpoint.end_customer_id.as_ref().is_none_or(|c| event.end_customer_id.as_ref() == Some(c));
    let connection_ok = endpoint.connection_id.as_ref().is_none_or(|c| event.connection_id.as_ref() == Some(c));
    customer_ok && connection_ok
}

impl Webhooks {
    /// Whether `endpoint` receives `event` (replays use the same rule as the fan-out).
    pub fn receives(endpoint: &WebhookEndpointRow, event: &EventRow) -> bool {
        matches(endpoint, endpoint.event_types().as_deref(), event)
    }
}

/// Retention: prunes old delivery logs, delivered outbox rows and health history every
/// `prune_interval`, until `stop`.
pub async fn retention(app: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let config = &app.webhooks.config;
        match app.store.prune(&config.clock.before(config.retention)).await {
            Ok(p) => tracing::debug!(?p, "retention pruned"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "retention pruning failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(config.prune_interval) => {}
            _ = stop.changed() => return,
        }
    }
}
