//! The dispatcher: fan-out of leased events to matching endpoints (each delivery's row written
//! once, with its first outcome), plus leased batches of due retries, signed and posted
//! concurrently without pause; one write at a time records the outcomes gathered meanwhile and
//! leases the next batch.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde_json::json;
use tokio::sync::watch;

use super::events::system_error;
use super::sender::{Answer, Sender};
use super::signing::signature_header;
use super::{SigningKeys, Webhooks};
use crate::app::AppState;
use crate::store::{AttemptOutcome, ClaimedDelivery, DispatchConnection, EventRow, NextStep, Round, WebhookEndpointRow, delivery_id};

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
    /// Outcomes a failed write could not record: written by the next round's first write (their
    /// events and deliveries stay leased until then, so nobody else sends them; after a crash
    /// the leases expire).
    unrecorded: Outcomes,
    /// The connection the writes run on, kept between them (see
    /// [`crate::store::Store::dispatch_connection`]); dropped after a failed write.
    connection: Option<DispatchConnection>,
}

/// Outcomes not recorded yet, as the store records them.
#[derive(Default)]
struct Outcomes {
    /// First attempts of deliveries fanned out from leased events (their rows not written yet).
    fresh: Vec<AttemptOutcome>,
    /// Attempts of claimed deliveries.
    retried: Vec<AttemptOutcome>,
    /// Leased events whose every delivery has its outcome among `fresh` (or recorded before).
    fanned: Vec<String>,
}

impl Outcomes {
    fn attempts(&self) -> usize {
        self.fresh.len() + self.retried.len()
    }

    fn is_empty(&self) -> bool {
        self.fresh.is_empty() && self.retried.is_empty() && self.fanned.is_empty()
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

/// What one write leased: events to fan out, and due retries with their events' bodies; and what
/// it recorded.
struct Leased {
    events: Vec<EventRow>,
    due: Vec<Work>,
    recorded: Outcomes,
}

/// What a round has leased and not recorded yet. A lease that returns it again (its own lease
/// expired while it waited behind slow posts) only extends the old one: it is not queued twice.
#[derive(Default)]
struct Held {
    /// Events, and how many of their deliveries have no outcome yet (0: all have; the next write
    /// records the fan-out).
    events: HashMap<String, usize>,
    /// Claimed retries, by delivery id.
    retries: HashSet<String>,
}

impl Held {
    /// Forgets what a write recorded.
    fn release(&mut self, recorded: &Outcomes) {
        for id in &recorded.fanned {
            self.events.remove(id);
        }
        for o in &recorded.retried {
            self.retries.remove(&o.delivery_id);
        }
    }
}

/// A write's result: the next work, or the error and the outcomes it did not record; and the
/// connection to keep.
type Written = (Result<Leased, (anyhow::Error, Outcomes)>, Option<DispatchConnection>);

/// How many batches of deliveries the queue holds ahead of the posts (see `Dispatcher::round`).
const QUEUE_DEPTH: usize = 4;

/// How long a round keeps leasing new work before it finishes what it holds and returns (so
/// endpoint changes are re-read and a stop is seen while a large backlog drains).
const ROUND_BUDGET: Duration = Duration::from_secs(1);

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
        Dispatcher { app, sender, endpoints: HashMap::new(), failing_since: None, unrecorded: Outcomes::default(), connection: None }
    }

    /// One round: leased events fanned out and due retries sent, `concurrency` posts in flight
    /// at all times, while one write at a time records every outcome gathered since the last
    /// write and leases more while fewer than [`QUEUE_DEPTH`] batches are queued (a busy machine
    /// slows the writer, and the posts must not run dry). There is no barrier
    /// between batches: the next batch's first posts start as soon as its lease returns, and
    /// each write takes all outcomes that arrived during the previous one (the single writer is
    /// the narrow part, so it never waits for a batch's slowest post). A round ends, everything
    /// sent and recorded, when a lease finds nothing or after [`ROUND_BUDGET`].
    /// Returns the work done (events leased, attempts made); 0 means idle.
    pub async fn round(&mut self) -> Result<usize> {
        self.refresh_endpoints().await?;
        let config = self.app.webhooks.config.clone();
        let (limit, concurrency) = (config.batch_size.max(1), config.concurrency.max(1));
        let started = tokio::time::Instant::now();
        let mut gathered = std::mem::take(&mut self.unrecorded);
        let mut connection = self.connection.take();
        let mut queue: VecDeque<Work> = VecDeque::new();
        let mut held = Held::default();
        let mut in_flight = FuturesUnordered::new();
        let mut writing: Option<tokio::task::JoinHandle<Written>> = None;
        let (mut leasing, mut found_nothing, mut failure) = (true, false, None);
        let mut done = 0;
        loop {
            while in_flight.len() < concurrency
                && let Some(w) = queue.pop_front()
            {
                in_flight.push(self.attempt(w));
            }
            if writing.is_none() && failure.is_none() {
                // Outcomes wait for a lease or a batch's worth (each transaction costs about the
                // same at any size up to a batch), unless nothing else is left to do; after a
                // lease that found nothing, the next one goes with the next such write.
                let idle = queue.is_empty() && in_flight.is_empty();
                let record = gathered.attempts() >= limit || (idle && !gathered.is_empty());
                // The queue is kept QUEUE_DEPTH batches deep: a write slowed by a busy CPU (the
                // writer shares it with the posts) must return before the posts drain the queue.
                let depth = QUEUE_DEPTH * limit;
                let lease = leasing && queue.len() < depth && (!found_nothing || record);
                if lease || record {
                    // What the queue lacks of its depth and what the posts will take meanwhile
                    // (about what they took during the last write), at least a batch, and at most
                    // four times what is queued and in flight: a round's leases grow from a batch
                    // (its first, with nothing in flight) to the depth, each returning before the
                    // posts it feeds run dry (a lease's time grows with its size). The first is a
                    // whole batch, not one concurrency's worth: with nothing in flight its write
                    // has the CPUs to itself, and the next lease, which shares them with the
                    // posts, took longer than 64 posts and left them idle.
                    let claim = match (lease, idle) {
                        (false, _) => 0,
                        (true, true) => limit as i64,
                        (true, false) => {
                            let ceiling = (4 * (queue.len() + in_flight.len())).clamp(limit, depth);
                            (gathered.attempts() + depth.saturating_sub(queue.len())).clamp(limit, ceiling) as i64
                        }
                    };
                    writing = Some(self.write(connection.take(), std::mem::take(&mut gathered), claim, config.lease + config.timeout));
                }
            }
            if writing.is_none() && in_flight.is_empty() && queue.is_empty() {
                break;
            }
            tokio::select! {
                Some((fresh, outcome)) = in_flight.next(), if !in_flight.is_empty() => {
                    done += 1;
                    if fresh {
                        if let Some(left) = held.events.get_mut(&outcome.event_id) {
                            *left -= 1;
                            if *left == 0 {
                                gathered.fanned.push(outcome.event_id.clone());
                            }
                        }
                        gathered.fresh.push(outcome);
                    } else {
                        gathered.retried.push(outcome);
                    }
                }
                result = async { writing.as_mut().expect("polled only while writing").await }, if writing.is_some() => {
                    writing = None;
                    // A panicked write loses its outcomes, not their deliveries: the leases
                    // expire and the events and deliveries are sent again (at least once).
                    let written;
                    (written, connection) = result.unwrap_or_else(|e| (Err((anyhow::anyhow!("the round's write failed: {e}"), Outcomes::default())), None));
                    match written {
                        Ok(leased) => {
                            found_nothing = leased.events.is_empty() && leased.due.is_empty();
                            done += leased.events.len();
                            held.release(&leased.recorded);
                            self.fan_out(leased, &mut queue, &mut held, &mut gathered.fanned);
                            leasing &= started.elapsed() < ROUND_BUDGET;
                        }
                        Err((e, kept)) => {
                            gathered.append(kept);
                            failure = Some(e);
                        }
                    }
                }
            }
        }
        drop(in_flight);
        // Only after a failed write: what it and later attempts did not record.
        self.unrecorded = gathered;
        // Kept for the next round, unless idle: then the pool has it back until there is work.
        self.connection = if done == 0 { None } else { connection };
        if let Some(e) = failure {
            return Err(e);
        }
        // Every round, not only after a failure: the window can end after the last attempt.
        self.disable_failing().await?;
        Ok(done)
    }

    /// Starts one write on a thread of its own (a blocking-pool thread): on SQLite that thread
    /// runs SQLite itself (`store/dispatch_sqlite.rs`), and on PostgreSQL it drives the
    /// statements so each follows the last as soon as the answer comes, instead of waiting its
    /// turn behind the connections' tasks at every statement. It records `outcomes`, then
    /// leases up to `claim` events and as many due deliveries for `lease`, and reads the
    /// bodies of those deliveries' events. If it fails, the outcomes come back with the error.
    fn write(&self, connection: Option<DispatchConnection>, outcomes: Outcomes, claim: i64, lease: Duration) -> tokio::task::JoinHandle<Written> {
        let store = self.app.store.clone();
        let clock = self.app.webhooks.config.clock.clone();
        let write = async move {
            let mut connection = match connection {
                Some(c) => c,
                None => match store.dispatch_connection().await {
                    Ok(c) => c,
                    Err(e) => return (Err((e, outcomes)), None),
                },
            };
            let (now, lease_until) = (clock.now_text(), clock.after(lease));
            let round = Round { fresh: &outcomes.fresh, retried: &outcomes.retried, fanned: &outcomes.fanned, claim, now: &now, lease_until: &lease_until };
            let claimed = match store.dispatch_round_on(&mut connection, &round).await {
                Ok(claimed) => claimed,
                Err(e) => return (Err((e, outcomes)), None),
            };
            let ids: Vec<String> = claimed.due.iter().map(|d| d.event_id.clone()).collect();
            let due = match store.event_payloads_on(&mut connection, &ids).await {
                Ok(rows) => {
                    let payloads: HashMap<String, Bytes> = rows.into_iter().map(|(id, p)| (id, Bytes::from(p))).collect();
                    claimed.due.into_iter().map(|delivery| {
                        let body = payloads.get(&delivery.event_id).cloned();
                        Work { delivery, body, fresh: false }
                    }).collect()
                }
                // Not sent: their leases expire and they are claimed again.
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot read event payloads");
                    Vec::new()
                }
            };
            (Ok(Leased { events: claimed.events, due, recorded: outcomes }), Some(connection))
        };
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || runtime.block_on(write))
    }

    /// Queues the deliveries of leased events to the endpoints that match them, each with a new
    /// id and its body (written as rows only with their outcome), and the due retries, skipping
    /// what the round holds already; an event matching no endpoint is fanned out at once.
    fn fan_out(&self, leased: Leased, queue: &mut VecDeque<Work>, held: &mut Held, fanned: &mut Vec<String>) {
        for event in leased.events {
            if held.events.contains_key(&event.id) {
                continue;
            }
            let targets: Vec<&Arc<Endpoint>> = self.endpoints.values().filter(|e| matches(&e.row, e.types.as_deref(), &event)).collect();
            let EventRow { id, payload, .. } = event;
            if targets.is_empty() {
                held.events.insert(id.clone(), 0);
                fanned.push(id);
                continue;
            }
            let body = Bytes::from(payload);
            for endpoint in &targets {
                // Named after its first attempt's time when that attempt starts (see `post`).
                let delivery = ClaimedDelivery { id: String::new(), event_id: id.clone(), endpoint_id: endpoint.row.id.clone(), attempts: 1, first_attempt_at: None };
                queue.push_back(Work { delivery, body: Some(body.clone()), fresh: true });
            }
            held.events.insert(id, targets.len());
        }
        for work in leased.due {
            if held.retries.insert(work.delivery.id.clone()) {
                queue.push_back(work);
            }
        }
    }

    /// Writes the outcomes a failed write left (a round leaves nothing else unrecorded).
    pub async fn flush(&mut self) -> Result<()> {
        let outcomes = std::mem::take(&mut self.unrecorded);
        if outcomes.is_empty() {
            return Ok(());
        }
        let connection = self.connection.take();
        match self.write(connection, outcomes, 0, Duration::ZERO).await {
            Ok((Ok(_), _)) => Ok(()),
            Ok((Err((e, kept)), _)) => {
                self.unrecorded = kept;
                Err(e)
            }
            Err(e) => Err(anyhow::anyhow!("the last write failed: {e}")),
        }
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

    /// One post; returns whether the delivery was fresh, and its outcome. A fresh delivery is
    /// named after its first attempt's time (`store::delivery_id`): its row keeps that attempt
    /// as its log entry, which the log lists under the same UUID.
    async fn attempt(&self, work: Work) -> (bool, AttemptOutcome) {
        let Work { mut delivery, body, fresh } = work;
        let at = self.app.webhooks.config.clock.now();
        if fresh {
            delivery.id = delivery_id(at);
        }
        (fresh, self.post(delivery, body, at).await)
    }

    async fn post(&self, d: ClaimedDelivery, payload: Option<Bytes>, at: chrono::DateTime<chrono::Utc>) -> AttemptOutcome {
        let config = &self.app.webhooks.config;
        let clock = &config.clock;
        let ClaimedDelivery { id, event_id, endpoint_id, attempts, first_attempt_at } = d;
        let mut outcome = AttemptOutcome {
            delivery_id: id,
            endpoint_id,
            event_id,
            attempt: attempts,
            at: crate::clock::text(at),
            response_status: None,
            latency_ms: 0,
            response_body: None,
            error: None,
            next: NextStep::Delivered,
        };
        let (Some(endpoint), Some(body)) = (self.endpoints.get(&outcome.endpoint_id), payload) else {
            // The endpoint was disabled or deleted after the claim, or the event pruned: try later.
            outcome.error = Some("the endpoint or the event is gone".into());
            outcome.next = NextStep::RetryAt(clock.after(config.retry.initial));
            return outcome;
        };
        let timestamp = at.timestamp();
        let signature = signature_header(&endpoint.keys.at(&outcome.at), &outcome.event_id, timestamp, &body);
        // A header that cannot be sent fails the attempt as a refused request would.
        let answer = match signed_headers(&outcome.event_id, timestamp, signature) {
            Ok(headers) => self.sender.post(&endpoint.row.url, headers, body).await,
            Err(e) => Answer { status: None, body: None, error: Some(format!("invalid request: {e}")), latency: Duration::ZERO },
        };
        outcome.response_status = answer.status.map(i64::from);
        outcome.latency_ms = answer.latency.as_millis() as i64;
        outcome.next = if answer.delivered() {
            NextStep::Delivered
        } else {
            config.retry.after_failure(clock, attempts, first_attempt_at.as_deref())
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

/// A delivery's headers, per the Standard Webhooks specification. The constant ones are static
/// (no parsing or copying per post); the id, timestamp and signature are ASCII by construction.
fn signed_headers(event_id: &str, timestamp: i64, signature: String) -> Result<HeaderMap, http::header::InvalidHeaderValue> {
    const AGENT: &str = concat!("Millwright-Webhooks/", env!("CARGO_PKG_VERSION"));
    let mut headers = HeaderMap::with_capacity(5);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(AGENT));
    headers.insert(HeaderName::from_static("webhook-id"), HeaderValue::from_str(event_id)?);
    headers.insert(HeaderName::from_static("webhook-timestamp"), HeaderValue::from(timestamp));
    // The signature's own buffer becomes the header's (checked, not copied).
    headers.insert(HeaderName::from_static("webhook-signature"), HeaderValue::from_maybe_shared(Bytes::from(signature))?);
    Ok(headers)
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
