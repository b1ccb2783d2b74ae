//! The dispatcher: fan-out of new events to matching endpoints (the new deliveries leased to it
//! and sent at once), plus leased batches of due retries, signed and posted concurrently, their
//! outcomes written in one transaction.

use std::collections::HashMap;
use std::sync::Arc;

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
use crate::store::{AttemptOutcome, ClaimedDelivery, EventRow, NextStep, WebhookEndpointRow};

/// `system.error` code of an endpoint disabled for failing through its whole retry window.
pub const ENDPOINT_DISABLED: &str = "webhook_endpoint_disabled";

/// An enabled endpoint as the dispatcher uses it.
struct Endpoint {
    row: WebhookEndpointRow,
    keys: SigningKeys,
}

pub struct Dispatcher {
    app: AppState,
    sender: Sender,
    /// Enabled endpoints by id, re-read every round; secrets re-opened only when changed.
    endpoints: HashMap<String, Arc<Endpoint>>,
    /// The earliest `failing_since` among them (`None`: none is failing), so a round looks for
    /// endpoints to disable only when one may be due.
    failing_since: Option<String>,
    /// The last batch's outcomes, written while the next batch is being sent (its deliveries stay
    /// leased until then, so nobody claims them; after a crash the leases expire).
    unrecorded: Vec<AttemptOutcome>,
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
        Dispatcher { app, sender, endpoints: HashMap::new(), failing_since: None, unrecorded: Vec::new() }
    }

    /// One round: a batch of new events fanned out, and their deliveries with a batch of due
    /// ones sent. Returns the work done (events fanned out plus attempts made); 0 means idle.
    pub async fn round(&mut self) -> Result<usize> {
        self.refresh_endpoints().await?;
        let (fanned, fresh) = self.fan_out().await?;
        let attempted = self.deliver(fresh).await?;
        // Every round, not only after a failure: the window can end after the last attempt.
        self.disable_failing().await?;
        Ok(fanned + attempted)
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
                    _ => Arc::new(Endpoint { keys: self.app.webhooks.signing_keys(&row)?, row }),
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

    /// Creates the deliveries of new events for the endpoints that match them, leased to this
    /// dispatcher. Returns the events fanned out and the new deliveries with their bodies.
    async fn fan_out(&self) -> Result<(usize, Vec<(ClaimedDelivery, Option<Bytes>)>)> {
        let config = &self.app.webhooks.config;
        let events = self.app.store.unfanned_events(config.batch_size.max(1) as i64).await?;
        if events.is_empty() {
            return Ok((0, vec![]));
        }
        let mut pairs = Vec::new();
        for event in &events {
            for endpoint in self.endpoints.values().filter(|e| matches(&e.row, event)) {
                pairs.push((event.id.clone(), endpoint.row.id.clone()));
            }
        }
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        let leased = self.app.store.fan_out(&ids, &pairs, &config.clock.now_text(), &config.clock.after(config.lease)).await?;
        let payloads: HashMap<String, Bytes> = events.into_iter().map(|e| (e.id, Bytes::from(e.payload))).collect();
        let fresh = leased
            .into_iter()
            .map(|d| {
                let body = payloads.get(&d.event_id).cloned();
                (d, body)
            })
            .collect();
        Ok((ids.len(), fresh))
    }

    /// Posts the fresh deliveries and a batch of claimed due ones concurrently while the
    /// previous batch's attempts are written. Returns the attempts sent and recorded.
    async fn deliver(&mut self, fresh: Vec<(ClaimedDelivery, Option<Bytes>)>) -> Result<usize> {
        let config = &self.app.webhooks.config;
        let clock = &config.clock;
        let claimed = self.app.store.claim_deliveries(&clock.now_text(), &clock.after(config.lease), config.batch_size.max(1) as i64).await?;
        let previous = std::mem::take(&mut self.unrecorded);
        let recorded = previous.len();
        let store = self.app.store.clone();
        let record = async move { if previous.is_empty() { Ok(()) } else { store.record_attempts(&previous).await } };
        let (written, outcomes) = tokio::join!(record, self.send(fresh, claimed));
        written?;
        let sent = outcomes.len();
        self.unrecorded = outcomes;
        Ok(sent + recorded)
    }

    /// Writes the outcomes not recorded yet.
    pub async fn flush(&mut self) -> Result<()> {
        let previous = std::mem::take(&mut self.unrecorded);
        if !previous.is_empty() {
            self.app.store.record_attempts(&previous).await?;
        }
        Ok(())
    }

    /// Sends the fresh deliveries (bodies at hand) and the claimed ones (bodies read now).
    async fn send(&self, fresh: Vec<(ClaimedDelivery, Option<Bytes>)>, claimed: Vec<ClaimedDelivery>) -> Vec<AttemptOutcome> {
        let mut work = fresh;
        if !claimed.is_empty() {
            let ids: Vec<String> = claimed.iter().map(|d| d.event_id.clone()).collect();
            match self.app.store.event_payloads(&ids).await {
                Ok(rows) => {
                    let payloads: HashMap<String, Bytes> = rows.into_iter().map(|(id, p)| (id, Bytes::from(p))).collect();
                    work.extend(claimed.into_iter().map(|d| {
                        let body = payloads.get(&d.event_id).cloned();
                        (d, body)
                    }));
                }
                // Their leases expire and they are claimed again.
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "cannot read event payloads"),
            }
        }
        futures::stream::iter(work)
            .map(|(d, body)| self.attempt(d, body))
            .buffer_unordered(self.app.webhooks.config.concurrency.max(1))
            .collect()
            .await
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
fn matches(endpoint: &WebhookEndpointRow, event: &EventRow) -> bool {
    if let Some(env) = &event.environment
        && *env != endpoint.environment
    {
        return false;
    }
    if endpoint.event_types().is_some_and(|types| !types.iter().any(|t| *t == event.event_type)) {
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
        matches(endpoint, event)
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
