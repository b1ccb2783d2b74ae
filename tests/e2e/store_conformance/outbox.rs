//! Store conformance of the webhook outbox and connection health, on SQLite and PostgreSQL:
//! events written with their change, exclusive leases on events and deliveries (an expired lease
//! is claimed again), each delivery written once with its first outcome (a second sender's
//! attempt joins it), the delivery log, auto-disable once, redelivery, retention, health
//! claims, compare-and-swap status changes with one event, reconnects.

use millwright::store::{AttemptOutcome, CheckRun, Claimed, ClaimedDelivery, DispatchConnection, HealthUpdate, NewWebhookEndpoint, NextStep, ReplaceCredentials, Round, Store};

use super::connection;
use crate::databases::fresh_postgres;

const T0: &str = "2030-01-01T00:00:00.000000Z";
const T1: &str = "2030-01-01T00:00:01.000000Z";
const T2: &str = "2030-01-01T00:00:02.000000Z";
const T9: &str = "2030-01-01T00:00:09.000000Z";

fn endpoint(id: &str) -> NewWebhookEndpoint {
    NewWebhookEndpoint {
        id: id.into(),
        url: "https://hooks.example.com/in".into(),
        environment: "test".into(),
        description: None,
        event_types_json: None,
        end_customer_id: None,
        connection_id: None,
        secret: vec![7; 40],
        secret_key: vec![8; 60],
    }
}

fn attempt(delivery: &millwright::store::ClaimedDelivery, at: &str, status: i64, next: NextStep) -> AttemptOutcome {
    AttemptOutcome {
        delivery_id: delivery.id.clone(),
        endpoint_id: delivery.endpoint_id.clone(),
        event_id: delivery.event_id.clone(),
        attempt: delivery.attempts,
        at: at.into(),
        response_status: Some(status),
        latency_ms: 3,
        response_body: Some("ok".into()),
        error: None,
        next,
    }
}

/// A round that writes nothing and leases up to 10 events and due deliveries.
fn lease<'a>(now: &'a str, lease_until: &'a str) -> Round<'a> {
    Round { fresh: &[], retried: &[], fanned: &[], claim: 10, now, lease_until }
}

/// A delivery the dispatcher fans out, named after its first attempt's time `at`.
fn fresh(at: &str, event_id: &str) -> ClaimedDelivery {
    let id = millwright::store::delivery_id(millwright::clock::parse(at).unwrap());
    ClaimedDelivery { id, event_id: event_id.into(), endpoint_id: "whep_a".into(), attempts: 1, first_attempt_at: None }
}

/// How a check runs the dispatcher's rounds: through the pool, or on the dispatcher's own
/// connection (on SQLite a connection of its own, outside sqlx).
enum Rounds {
    Pool,
    Kept(DispatchConnection),
}

impl Rounds {
    async fn run(&mut self, store: &Store, round: &Round<'_>) -> Claimed {
        match self {
            Rounds::Pool => store.dispatch_round(round).await.unwrap(),
            Rounds::Kept(c) => store.dispatch_round_on(c, round).await.unwrap(),
        }
    }

    /// Records attempts of claimed deliveries (as `Store::record_attempts`).
    async fn record(&mut self, store: &Store, retried: &[AttemptOutcome]) {
        self.run(store, &Round { fresh: &[], retried, fanned: &[], claim: 0, now: "", lease_until: "" }).await;
    }
}

async fn outbox_through_the_pool(store: &Store) {
    outbox_round_trip(store, &mut Rounds::Pool).await;
}

async fn outbox_on_the_dispatchers_connection(store: &Store) {
    outbox_round_trip(store, &mut Rounds::Kept(store.dispatch_connection().await.unwrap())).await;
}

async fn outbox_round_trip(store: &Store, rounds: &mut Rounds) {
    store.ensure_end_customer("acme", None).await.unwrap();
    store.insert_connection(&connection("conn_w", "acme", "maintainx")).await.unwrap();
    store.insert_webhook_endpoint(&endpoint("whep_a"), T0).await.unwrap();
    let events = rounds.run(store, &lease(T0, T2)).await.events;
    assert_eq!(events.len(), 1, "connection.created is written with the connection");
    assert_eq!((events[0].event_type.as_str(), events[0].connection_id.as_deref()), ("connection.created", Some("conn_w")));
    let event = events[0].id.clone();
    assert!(rounds.run(store, &lease(T1, T2)).await.is_empty(), "a leased event is nobody else's");
    let again = rounds.run(store, &lease(T2, T9)).await;
    assert_eq!(again.events.len(), 1, "an expired lease (a crashed dispatcher) is leased again");

    // The first attempt's outcome writes the delivery row and marks the event, in one round.
    let first = attempt(&fresh(T2, &event), T2, 500, NextStep::RetryAt(T9.into()));
    let fanned = [event.clone()];
    let round = Round { fresh: std::slice::from_ref(&first), retried: &[], fanned: &fanned, claim: 10, now: T2, lease_until: T9 };
    assert!(rounds.run(store, &round).await.is_empty(), "fanned out, and not due before its retry time");
    assert_eq!(store.webhook_endpoint("whep_a").await.unwrap().unwrap().failing_since.as_deref(), Some(T2));
    // A second dispatcher that sent it too (after the first one's lease expired) adds its
    // attempt to the same delivery.
    let second = attempt(&fresh(T2, &event), T2, 500, NextStep::RetryAt(T9.into()));
    let round = Round { fresh: std::slice::from_ref(&second), retried: &[], fanned: &fanned, claim: 0, now: T2, lease_until: T9 };
    rounds.run(store, &round).await;
    let pending = store.webhook_deliveries("whep_a", Some("pending"), None, 10).await.unwrap();
    assert_eq!(pending.iter().map(|d| (d.id.as_str(), d.attempts)).collect::<Vec<_>>(), [(first.delivery_id.as_str(), 1)]);
    let log = store.webhook_attempts("whep_a", None, None, 10).await.unwrap();
    assert!(log.len() == 2 && log.iter().all(|a| a.delivery_id == first.delivery_id), "{log:?}");
    // The first attempt is the delivery row's own log entry, listed under the delivery's UUID.
    assert!(log.iter().any(|a| a.id == first.delivery_id.replacen("whdl_", "what_", 1) && a.at == T2 && a.response_body.as_deref() == Some("ok")), "{log:?}");

    let disabled = store
        .disable_failing_endpoints(T9, "failing", T9, |id| millwright::webhooks::events::system_error("x", id, serde_json::json!({}), T9))
        .await
        .unwrap();
    assert_eq!(disabled, ["whep_a"]);
    assert!(store.disable_failing_endpoints(T9, "failing", T9, |_| unreachable!()).await.unwrap().is_empty(), "once");
    assert!(store.claim_deliveries(T9, "2030-01-01T00:01:00.000000Z", 10).await.unwrap().is_empty(), "disabled endpoints get nothing");
    let alarm = rounds.run(store, &lease(T9, "2030-01-01T00:01:00.000000Z")).await.events;
    assert_eq!((alarm.len(), alarm[0].event_type.as_str(), alarm[0].environment.as_deref()), (1, "system.error", None));
    let none = Round { fanned: &[alarm[0].id.clone()], claim: 0, ..lease(T9, T9) };
    rounds.run(store, &none).await;

    let change = millwright::store::EndpointChange { enabled: Some(true), ..Default::default() };
    assert!(store.update_webhook_endpoint("whep_a", &change, T9).await.unwrap());
    let back = store.webhook_endpoint("whep_a").await.unwrap().unwrap();
    assert!(back.enabled && back.failing_since.is_none() && back.disabled_reason.is_none());
    let due = store.claim_deliveries(T9, "2030-01-01T00:01:00.000000Z", 10).await.unwrap();
    assert_eq!((due.len(), due[0].id.as_str(), due[0].attempts), (1, first.delivery_id.as_str(), 2), "the retry, its attempt counted");
    assert!(store.claim_deliveries(T9, "2030-01-01T00:01:00.000000Z", 10).await.unwrap().is_empty(), "a leased delivery is nobody else's");
    // Its lease expires before the outcome is recorded (a stalled dispatcher): claimed again, it
    // is still the second attempt, and recording it counts one.
    let again = store.claim_deliveries("2030-01-01T00:01:00.000000Z", "2030-01-01T00:02:00.000000Z", 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2), "a claim made again counts no attempt");
    rounds.record(store, &[attempt(&due[0], T9, 200, NextStep::Delivered)]).await;
    let log = store.webhook_attempts("whep_a", None, None, 10).await.unwrap();
    assert_eq!(log.iter().map(|a| (a.attempt, a.response_status)).collect::<Vec<_>>(), [(2, Some(200)), (1, Some(500)), (1, Some(500))]);
    // Paged one at a time, the log reads both tables in the same order.
    let (mut paged, mut before) = (vec![], None);
    while let Some(a) = store.webhook_attempts("whep_a", None, before.as_deref(), 1).await.unwrap().pop() {
        before = Some(a.id.clone());
        paged.push(a.id);
    }
    assert_eq!(paged, log.iter().map(|a| a.id.clone()).collect::<Vec<_>>());
    assert_eq!(store.webhook_attempts("whep_a", Some(&event), None, 10).await.unwrap().len(), 3, "one event's attempts");
    assert!(store.webhook_attempts("whep_a", Some("evt_other"), None, 10).await.unwrap().is_empty());
    let delivered = store.webhook_deliveries("whep_a", Some("delivered"), None, 10).await.unwrap();
    assert_eq!(delivered.iter().map(|d| d.attempts).collect::<Vec<_>>(), [2], "two attempts recorded, two counted");

    store.redeliver(&[due[0].event_id.clone()], "whep_a", T9).await.unwrap();
    assert_eq!(store.webhook_deliveries("whep_a", Some("pending"), None, 10).await.unwrap().len(), 1, "a manual retry");
    let redo = store.claim_deliveries(T9, "2030-01-01T00:01:00.000000Z", 10).await.unwrap();
    rounds.record(store, &[attempt(&redo[0], T9, 204, NextStep::Delivered)]).await;

    let pruned = store.prune("2031-01-01T00:00:00.000000Z").await.unwrap();
    assert_eq!((pruned.attempts, pruned.deliveries, pruned.events), (4, 1, 2), "{pruned:?}");
    assert!(store.event(&due[0].event_id).await.unwrap().is_none());
    assert!(store.delete_webhook_endpoint("whep_a").await.unwrap());
}

async fn health_round_trip(store: &Store) {
    store.ensure_end_customer("acme", None).await.unwrap();
    store.insert_connection(&connection("conn_h", "acme", "maintainx")).await.unwrap();
    store.insert_connection(&connection("conn_i", "acme", "maintainx")).await.unwrap();
    assert_eq!(store.ensure_health_rows(T0).await.unwrap(), 2);
    assert_eq!(store.ensure_health_rows(T0).await.unwrap(), 0);
    let claimed = store.claim_health_checks(T0, T2, 1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let second = store.claim_health_checks(T0, T2, 5).await.unwrap();
    assert_eq!(second.len(), 1, "leased checks are not claimed twice");
    assert_ne!(claimed[0].connection_id, second[0].connection_id);

    let before = store.connection("conn_h").await.unwrap().unwrap();
    let c = millwright::webhooks::events::ConnectionRef { id: "conn_h", end_customer_id: Some("acme"), connector_id: "maintainx", environment: "test" };
    let update = HealthUpdate {
        connection_id: "conn_h".into(),
        from_status: "active".into(),
        to_status: "reauth_required".into(),
        consecutive_failures: 0,
        failing_since: None,
        reason: Some("credentials_invalid".into()),
        last_error: Some("401".into()),
        check: Some(CheckRun { ok: false, next_check_at: T9.into() }),
        healthy_at: None,
        at: T1.into(),
        remember_before_disable: false,
        event: Some(millwright::webhooks::events::status_change(&c, "active", "reauth_required", Some("credentials_invalid"), None, T1)),
    };
    assert!(store.apply_health(&update).await.unwrap());
    assert!(!store.apply_health(&update).await.unwrap(), "compare-and-swap: the second writer loses");
    let after = store.connection("conn_h").await.unwrap().unwrap();
    assert_eq!(after.status, "reauth_required");
    assert_eq!(after.config_version, before.config_version + 1, "every replica sees it on its next request");
    let reauth: Vec<_> = store.list_events(Some("connection.reauth_required"), None, 10).await.unwrap();
    assert_eq!(reauth.len(), 1, "one event");
    let health = store.connection_health("conn_h").await.unwrap().unwrap();
    assert_eq!((health.reason.as_deref(), health.last_check_ok, health.last_checked_at.as_deref()), (Some("credentials_invalid"), Some(false), Some(T1)));
    let history = store.health_history("conn_h", None, 10).await.unwrap();
    assert_eq!(history.iter().map(|h| h.kind.as_str()).collect::<Vec<_>>(), ["status_change", "check"]);
    assert!(store.claim_health_checks(T9, "2030-01-01T00:01:00.000000Z", 5).await.unwrap().iter().all(|c| c.connection_id != "conn_h"), "reauth_required is not checked");

    let replace = ReplaceCredentials {
        connection_id: "conn_h".into(),
        expected_credentials_version: after.credentials_version,
        base_url: after.base_url.clone(),
        settings_json: "{}".into(),
        credentials: vec![9],
        wrapped_key: vec![9],
        account_name: None,
    };
    assert!(store.replace_connection_credentials(&replace).await.unwrap());
    assert_eq!(store.connection("conn_h").await.unwrap().unwrap().status, "active");
    assert_eq!(store.connection_health("conn_h").await.unwrap().unwrap().reason.as_deref(), Some("reconnected"));
    let changed = store.list_events(Some("connection.status_changed"), None, 10).await.unwrap();
    assert_eq!(changed.len(), 1, "the reconnect's status change, with the credentials");

    store.set_check_interval("conn_i", Some(60), T9).await.unwrap();
    assert_eq!(store.connection_health("conn_i").await.unwrap().unwrap().check_interval_seconds, Some(60));
    assert!(store.disconnect_connection("conn_i").await.unwrap());
    assert_eq!(store.list_events(Some("connection.deleted"), None, 10).await.unwrap().len(), 1);
    assert_eq!(store.prune("2031-01-01T00:00:00.000000Z").await.unwrap().health_history, 3);
}

async fn master_key_rotation_rewraps_webhook_secrets(store: &Store) {
    store.insert_webhook_endpoint(&endpoint("whep_k"), T0).await.unwrap();
    store.rewrap_all_keys(|_, wrapped| Ok(wrapped.iter().map(|b| b ^ 1).collect())).await.unwrap();
    assert_eq!(store.webhook_endpoint("whep_k").await.unwrap().unwrap().secret_key, vec![9; 60]);
}

#[tokio::test]
async fn outbox() {
    on_both!(outbox_through_the_pool);
}

/// The same checks with the dispatcher's kept connection, which on SQLite runs its own SQL.
#[tokio::test]
async fn outbox_on_the_dispatcher_connection() {
    on_both!(outbox_on_the_dispatchers_connection);
}

#[tokio::test]
async fn health() {
    on_both!(health_round_trip);
}

#[tokio::test]
async fn webhook_secrets_follow_the_master_key() {
    on_both!(master_key_rotation_rewraps_webhook_secrets);
}

/// A SQLite database migrated up to, not including, `migration` (a number's prefix, "0012"):
/// its directory (kept while the test runs), URL and pool.
async fn sqlite_before(migration: &str) -> (tempfile::TempDir, String, sqlx::SqlitePool) {
    use std::str::FromStr;
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("migrations");
    std::fs::create_dir(&before).unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_str().unwrap() < migration {
            std::fs::copy(&path, before.join(path.file_name().unwrap())).unwrap();
        }
    }
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url).unwrap().create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(before.as_path()).await.unwrap().run(&pool).await.unwrap();
    (dir, url, pool)
}

/// A SQLite database written before the fan-out queue (migration 0012): the upgrade queues its
/// events still to fan out, keeping their leases, and not those fanned out already.
#[tokio::test]
async fn events_waiting_before_the_fanout_queue_are_queued_by_the_upgrade() {
    let (_dir, url, pool) = sqlite_before("0012").await;
    for (id, fanned_out, lease_until) in [("evt_a", false, None), ("evt_b", true, None), ("evt_c", false, Some(T9))] {
        sqlx::query("INSERT INTO webhook_events (id, event_type, payload, created_at, fanned_out, lease_until) VALUES ($1, 'webhook.test', '{}', $2, $3, $4)")
            .bind(id)
            .bind(T0)
            .bind(fanned_out)
            .bind(lease_until)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let store = Store::connect(&url).await.unwrap();
    let leased = |now, until| {
        let store = store.clone();
        async move { store.dispatch_round(&lease(now, until)).await.unwrap().events.into_iter().map(|e| e.id).collect::<Vec<_>>() }
    };
    assert_eq!(leased(T1, T2).await, ["evt_a"], "evt_c is still leased, evt_b was fanned out");
    assert_eq!(leased(T9, "2030-01-01T00:01:00.000000Z").await, ["evt_a", "evt_c"], "both leases have expired");
}

/// A SQLite database written before deliveries were keyed by their pair (migration 0013): the
/// upgrade keeps every delivery and its log, and a pending one is claimed and recorded as before.
#[tokio::test]
async fn deliveries_written_before_the_pair_key_survive_the_upgrade() {
    let (_dir, url, pool) = sqlite_before("0013").await;
    sqlx::query("INSERT INTO webhook_endpoints (id, url, environment, secret, secret_key, created_at, updated_at) VALUES ('whep_a', 'https://hooks.example.com/in', 'test', x'07', x'08', $1, $1)")
        .bind(T0)
        .execute(&pool)
        .await
        .unwrap();
    let delivered = fresh(T0, "evt_a");
    for (id, event) in [(delivered.id.as_str(), "evt_a"), ("whdl_pending", "evt_b")] {
        sqlx::query("INSERT INTO webhook_events (id, event_type, payload, created_at) VALUES ($1, 'webhook.test', '{}', $2)").bind(event).bind(T0).execute(&pool).await.unwrap();
        let (status, logged) = if event == "evt_a" { ("delivered", Some(T0)) } else { ("pending", None) };
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, attempts, next_attempt_at, created_at, logged_at, logged_status, logged_latency_ms)
             VALUES ($1, $2, 'whep_a', $3, $4, $5, $5, $6, 204, 3)",
        )
        .bind(id)
        .bind(event)
        .bind(status)
        .bind(i64::from(logged.is_some()))
        .bind(T0)
        .bind(logged)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let store = Store::connect(&url).await.unwrap();
    let ids = |rows: Vec<millwright::store::DeliveryRow>| rows.into_iter().map(|d| (d.id, d.status)).collect::<Vec<_>>();
    assert_eq!(ids(store.webhook_deliveries("whep_a", None, None, 10).await.unwrap()), [("whdl_pending".to_string(), "pending".to_string()), (delivered.id.clone(), "delivered".to_string())]);
    let log = store.webhook_attempts("whep_a", None, None, 10).await.unwrap();
    assert_eq!(log.iter().map(|a| (a.delivery_id.as_str(), a.response_status)).collect::<Vec<_>>(), [(delivered.id.as_str(), Some(204))]);
    let due = store.dispatch_round(&lease(T1, T2)).await.unwrap().due;
    assert_eq!(due.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["whdl_pending"]);
    store.record_attempts(&[attempt(&due[0], T1, 204, NextStep::Delivered)]).await.unwrap();
    let after = ids(store.webhook_deliveries("whep_a", Some("delivered"), None, 10).await.unwrap());
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(store.webhook_attempts("whep_a", None, None, 10).await.unwrap().len(), 2);
}
