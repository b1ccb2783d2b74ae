//! The monitor loop: every tick it flushes passive evidence, gives new connections a schedule,
//! and runs the checks that are due (claimed with leases, so replicas share the work).

use std::time::Duration;

use anyhow::Result;
use futures::future::join_all;
use tokio::sync::watch;

use super::outcome::{Outcome, Reason};
use super::state::{Current, Decision, Evidence, decide, is_monitored};
use crate::app::AppState;
use crate::clock;
use crate::store::{CheckRun, ClaimedCheck, ConnectionRow, HealthRow, HealthUpdate};
use crate::webhooks::events::{ConnectionRef, status_change};

/// Runs until `stop` turns true.
pub async fn run(app: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = tick(&app).await {
            tracing::warn!(error = %format!("{e:#}"), "health monitor tick failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(app.health.config.tick) => {}
            _ = app.health.wake.notified() => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// One round: passive evidence first (a rejected credential acts before any check), then the
/// due checks, a batch at a time.
pub async fn tick(app: &AppState) -> Result<()> {
    flush_passive(app).await?;
    let config = &app.health.config;
    app.store.ensure_health_rows(&config.clock.now_text()).await?;
    loop {
        let claimed = app
            .store
            .claim_health_checks(&config.clock.now_text(), &config.clock.after(config.lease), config.max_concurrent_checks.max(1) as i64)
            .await?;
        if claimed.is_empty() {
            return Ok(());
        }
        for result in join_all(claimed.iter().map(|c| check(app, c))).await {
            if let Err(e) = result {
                tracing::warn!(error = %format!("{e:#}"), "health check failed to run");
            }
        }
    }
}

async fn flush_passive(app: &AppState) -> Result<()> {
    for (connection_id, evidence) in app.health.passive.drain(app.health.config.clock.now()) {
        if let Some(row) = app.store.connection(&connection_id).await?
            && is_monitored(&row.status)
        {
            apply(app, &row, &evidence, None).await?;
        }
    }
    Ok(())
}

/// Checks one connection through the connector's `check`.
async fn check(app: &AppState, claimed: &ClaimedCheck) -> Result<()> {
    let Some(row) = app.store.connection(&claimed.connection_id).await? else { return Ok(()) };
    if !is_monitored(&row.status) {
        return Ok(());
    }
    let interval = claimed.check_interval_seconds.map(|s| Duration::from_secs(s.max(1) as u64));
    let next_check_at = app.health.next_check_at(interval);
    let outcome = match app.connections.live(&row.id, row.config_version).await {
        Ok(live) => Outcome::of(&app.runtime.check(&live.module.module, &live.binding).await),
        // The connection cannot be bound (its connector is not loaded): nothing about the system.
        Err(e) => {
            tracing::warn!(connection_id = %row.id, error = %e.detail, "cannot check connection");
            Outcome::Ignored
        }
    };
    if outcome == Outcome::Healthy {
        app.health.passive.reset(&row.id);
    }
    let mut evidence = Evidence::default();
    evidence.add(&outcome, app.health.config.clock.now());
    let ok = matches!(outcome, Outcome::Healthy | Outcome::RateLimited(_));
    apply(app, &row, &evidence, Some(CheckRun { ok, next_check_at })).await
}

/// Runs the state machine on new evidence and stores the result (a status change with its
/// event). Passive evidence that changes nothing is not written.
async fn apply(app: &AppState, row: &ConnectionRow, evidence: &Evidence, check: Option<CheckRun>) -> Result<()> {
    let clock = &app.health.config.clock;
    let now = clock.now();
    let health = app.store.connection_health(&row.id).await?.unwrap_or_default();
    let current = Current {
        status: row.status.clone(),
        consecutive_failures: health.consecutive_failures,
        failing_since: health.failing_since.as_deref().and_then(clock::parse),
        reason: health.reason.clone(),
    };
    let decision = decide(&current, evidence, &app.health.config.thresholds, now);
    if check.is_none() && !worth_writing(&current, &decision, &health, now) {
        return Ok(());
    }
    let at = clock::text(now);
    let update = transition(row, &decision.status, decision.reason.clone(), decision.error.clone(), &at, &decision);
    let update = HealthUpdate { check, healthy_at: decision.healthy.then(|| at.clone()), ..update };
    if !app.store.apply_health(&update).await? {
        tracing::debug!(connection_id = %row.id, "status changed meanwhile; the evidence is dropped");
    }
    Ok(())
}

/// A status change (or none) from `row`'s status to `to`, with the event when it changes.
pub(crate) fn transition(row: &ConnectionRow, to: &str, reason: Option<String>, error: Option<String>, at: &str, d: &Decision) -> HealthUpdate {
    let event = (row.status != to).then(|| {
        let c = ConnectionRef { id: &row.id, end_customer_id: row.end_customer_id.as_deref(), connector_id: &row.connector_id, environment: &row.environment };
        status_change(&c, &row.status, to, reason.as_deref(), error.as_deref(), at)
    });
    HealthUpdate {
        connection_id: row.id.clone(),
        from_status: row.status.clone(),
        to_status: to.to_string(),
        consecutive_failures: d.consecutive_failures,
        failing_since: d.failing_since.map(clock::text),
        reason,
        last_error: error,
        check: None,
        healthy_at: None,
        at: at.to_string(),
        remember_before_disable: false,
        event,
    }
}

/// Passive evidence is written when it changes something, or to refresh `last_healthy_at` at most
/// once a minute.
fn worth_writing(current: &Current, d: &Decision, health: &HealthRow, now: chrono::DateTime<chrono::Utc>) -> bool {
    let same = d.status == current.status
        && d.consecutive_failures == current.consecutive_failures
        && d.failing_since == current.failing_since
        && d.reason == current.reason
        && d.error.is_none();
    if !same {
        return true;
    }
    let stale = health.last_healthy_at.as_deref().and_then(clock::parse).is_none_or(|t| now - t > chrono::Duration::seconds(60));
    d.healthy && stale
}

/// The decision for an operator's action: everything kept but the status and reason.
pub(crate) fn keep(health: &HealthRow) -> Decision {
    Decision {
        status: String::new(),
        consecutive_failures: health.consecutive_failures,
        failing_since: health.failing_since.as_deref().and_then(clock::parse),
        reason: None,
        error: None,
        healthy: false,
    }
}

/// The reason a status change by the operator records.
pub(crate) fn operator_reason(to: &str) -> Reason {
    if to == "disabled" { Reason::DisabledByOperator } else { Reason::EnabledByOperator }
}
