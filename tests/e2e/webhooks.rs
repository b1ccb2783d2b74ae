//! Webhook endpoints and deliveries over loopback HTTP, every delivery verified by an independent
//! Standard Webhooks implementation: the secret shown once, test events, rotation with an overlap
//! in which both secrets sign, retries with the same `webhook-id` and the delivery log, manual
//! retry and replay, auto-disable with `system.error`, and the target rules.

use std::sync::atomic::Ordering;
use std::time::Duration;

use millwright::background::Background;
use millwright::webhooks::{RetrySchedule, WebhookConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Host, Options, expect_problem, send};
use crate::health::{endpoint, fast_webhooks};
use crate::webhook_receiver::{Receiver, eventually};

const WAIT: Duration = Duration::from_secs(30);

async fn host_with(webhooks: WebhookConfig) -> Host {
    Host::with(Options { webhooks, ..Default::default() }).await
}

async fn test_event(host: &Host, endpoint_id: &str) -> String {
    let (status, body) = send(host.admin(Method::POST, &format!("/v1/admin/webhook-endpoints/{endpoint_id}/test"))).await;
    assert_eq!(status, 202, "{body}");
    body["event_id"].as_str().unwrap().to_string()
}

async fn wait_for(receiver: &Receiver, event_id: &str, times: usize) {
    eventually(&format!("{times} deliveries of {event_id}"), WAIT, || async {
        (receiver.received().iter().filter(|r| r.webhook_id == event_id).count() >= times).then_some(())
    })
    .await
}

#[tokio::test]
async fn deliveries_are_signed_and_rotation_overlaps() {
    let host = host_with(fast_webhooks()).await;
    let receiver = Receiver::start().await;
    let (id, secret) = endpoint(&host, &receiver.url, json!({})).await;
    receiver.trust(&secret);
    let (_, shown) = send(host.admin(Method::GET, &format!("/v1/admin/webhook-endpoints/{id}"))).await;
    assert!(!shown.to_string().contains(&secret[6..]), "the secret is shown once only: {shown}");
    let background = Background::start(&host.app);

    let first = test_event(&host, &id).await;
    wait_for(&receiver, &first, 1).await;
    let got = receiver.received().into_iter().find(|r| r.webhook_id == first).unwrap();
    assert_eq!(got.event_type, "webhook.test");
    assert_eq!(got.body["data"]["endpoint_id"], id.as_str());
    assert!(got.body["timestamp"].as_str().unwrap().ends_with('Z'));

    let (status, rotated) = send(host.admin(Method::POST, &format!("/v1/admin/webhook-endpoints/{id}/rotate-secret")).json(&json!({"overlap_seconds": 3600}))).await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    receiver.trust(&new_secret);
    let second = test_event(&host, &id).await;
    wait_for(&receiver, &second, 1).await;
    let got = receiver.received().into_iter().find(|r| r.webhook_id == second).unwrap();
    assert_eq!(got.verified_by, [0, 1], "during the overlap both secrets sign");

    // An overlap of zero: only the new secret signs.
    let (_, rotated) = send(host.admin(Method::POST, &format!("/v1/admin/webhook-endpoints/{id}/rotate-secret")).json(&json!({"overlap_seconds": 0}))).await;
    receiver.trust(rotated["secret"].as_str().unwrap());
    let third = test_event(&host, &id).await;
    wait_for(&receiver, &third, 1).await;
    assert_eq!(receiver.received().into_iter().find(|r| r.webhook_id == third).unwrap().verified_by, [2]);
    assert_eq!(receiver.state.unverified.load(Ordering::SeqCst), 0);

    // connection.created reaches endpoints of the connection's environment, written with the connection.
    let (connection, _) = host.connect("maintainx", &host.sandbox.maintainx_base_url(), &[("api_key", crate::harness::MX_KEY)], &[]).await;
    eventually("connection.created", WAIT, || async {
        receiver.received().into_iter().find(|r| r.event_type == "connection.created" && r.body["data"]["connection_id"] == connection.as_str())
    })
    .await;
    assert_eq!(send(host.admin(Method::DELETE, &format!("/v1/admin/connections/{connection}"))).await.0, 204);
    eventually("connection.deleted", WAIT, || async {
        receiver.received().into_iter().find(|r| r.event_type == "connection.deleted" && r.body["data"]["connection_id"] == connection.as_str())
    })
    .await;
    background.stop().await;
}

#[tokio::test]
async fn failures_are_retried_with_the_same_id_logged_retried_and_replayed() {
    let host = host_with(fast_webhooks()).await;
    let receiver = Receiver::start().await;
    let (id, secret) = endpoint(&host, &receiver.url, json!({})).await;
    receiver.trust(&secret);
    receiver.answer(500);
    let background = Background::start(&host.app);
    let event = test_event(&host, &id).await;
    let log_url = format!("/v1/admin/webhook-endpoints/{id}/attempts?event_id={event}");
    eventually("three failed attempts", WAIT, || async { (send(host.admin(Method::GET, &log_url)).await.1["data"].as_array().unwrap().len() >= 3).then_some(()) }).await;
    receiver.answer(200);
    wait_for(&receiver, &event, 1).await;

    let (status, log) = send(host.admin(Method::GET, &log_url)).await;
    assert_eq!(status, 200, "{log}");
    let attempts = log["data"].as_array().unwrap();
    assert!(attempts.len() >= 4, "{log}");
    assert_eq!(attempts[0]["response_status"], 200, "newest first: {log}");
    assert!(attempts[1..].iter().all(|a| a["response_status"] == 500 && a["latency_ms"].is_i64() && a["at"].is_string()));
    let numbers: Vec<i64> = attempts.iter().map(|a| a["attempt"].as_i64().unwrap()).rev().collect();
    assert_eq!(numbers, (1..=attempts.len() as i64).collect::<Vec<_>>());
    let (_, deliveries) = send(host.admin(Method::GET, &format!("/v1/admin/webhook-endpoints/{id}/deliveries?status=delivered"))).await;
    assert!(deliveries["data"].as_array().unwrap().iter().any(|d| d["event_id"] == event.as_str()), "{deliveries}");

    // Manual retry and replay deliver the same event id again.
    let (status, _) = send(host.admin(Method::POST, &format!("/v1/admin/webhook-endpoints/{id}/deliveries/{event}/retry"))).await;
    assert_eq!(status, 202);
    wait_for(&receiver, &event, 2).await;
    let (status, replayed) = send(
        host.admin(Method::POST, &format!("/v1/admin/webhook-endpoints/{id}/replay"))
            .json(&json!({"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, 202, "{replayed}");
    assert!(replayed["events"].as_u64().unwrap() >= 1);
    wait_for(&receiver, &event, 3).await;
    expect_problem(
        host.admin(Method::POST, &format!("/v1/admin/webhook-endpoints/{id}/replay")).json(&json!({"since": "yesterday", "until": "2100-01-01T00:00:00Z"})),
        422,
        "validation_failed",
    )
    .await;
    expect_problem(host.admin(Method::POST, &format!("/v1/admin/webhook-endpoints/{id}/deliveries/evt_nope/retry")), 404, "not_found").await;
    background.stop().await;
}

#[tokio::test]
async fn an_endpoint_failing_for_the_whole_window_is_disabled_and_raises_system_error() {
    let retry = RetrySchedule { initial: Duration::from_millis(100), max_interval: Duration::from_millis(200), window: Duration::from_secs(1) };
    let host = host_with(WebhookConfig { retry, ..fast_webhooks() }).await;
    let watcher = Receiver::start().await;
    let (_, watcher_secret) = endpoint(&host, &watcher.url, json!({ "event_types": ["system.error"] })).await;
    watcher.trust(&watcher_secret);
    let dead = Receiver::start().await;
    let dead_url = dead.url.clone();
    dead.stop().await;
    let (dead_id, _) = endpoint(&host, &dead_url, json!({})).await;
    let background = Background::start(&host.app);
    let event = test_event(&host, &dead_id).await;

    let alarm = eventually("system.error", WAIT, || async { watcher.received().into_iter().find(|r| r.event_type == "system.error") }).await;
    assert_eq!(alarm.body["data"]["code"], "webhook_endpoint_disabled");
    assert_eq!(alarm.body["data"]["endpoint_id"], dead_id.as_str());
    let (_, shown) = send(host.admin(Method::GET, &format!("/v1/admin/webhook-endpoints/{dead_id}"))).await;
    assert_eq!(shown["enabled"], false, "{shown}");
    assert!(shown["disabled_reason"].as_str().unwrap().contains("retry window"));
    let (_, failed) = send(host.admin(Method::GET, &format!("/v1/admin/webhook-endpoints/{dead_id}/deliveries?status=failed"))).await;
    // Newest delivery first: the harness's connection.created may have been fanned out after the
    // test event's delivery was created.
    assert!(failed["data"].as_array().unwrap().iter().any(|d| d["event_id"] == event.as_str()), "the delivery is failed and kept: {failed}");
    let (_, log) = send(host.admin(Method::GET, &format!("/v1/admin/webhook-endpoints/{dead_id}/attempts"))).await;
    assert!(log["data"][0]["error"].is_string() && log["data"][0]["response_status"].is_null(), "{log}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let alarms = watcher.received().into_iter().filter(|r| r.event_type == "system.error").count();
    assert_eq!(alarms, 1, "disabled once, one system.error");
    background.stop().await;
}

#[tokio::test]
async fn endpoints_follow_the_target_rules_and_validate_their_fields() {
    let host = host_with(WebhookConfig { allow_private: false, ..WebhookConfig::default() }).await;
    let create = |body: Value| host.admin(Method::POST, "/v1/admin/webhook-endpoints").json(&body);
    for url in ["http://127.0.0.1:9/hooks", "http://10.0.0.8/hooks", "http://169.254.169.254/latest", "http://localhost/hooks"] {
        let problem = expect_problem(create(json!({"url": url})), 422, "validation_failed").await;
        assert_eq!(problem["field"], "url");
        assert!(problem["detail"].as_str().unwrap().contains("MILLWRIGHT_WEBHOOKS_ALLOW_PRIVATE"), "{problem}");
    }
    let problem = expect_problem(create(json!({"url": "http://hooks.example.com/in", "environment": "live"})), 422, "validation_failed").await;
    assert!(problem["detail"].as_str().unwrap().contains("https"), "{problem}");
    expect_problem(create(json!({"url": "https://hooks.example.com/in", "event_types": ["work_order.created"]})), 422, "validation_failed").await;
    expect_problem(create(json!({"url": "https://hooks.example.com/in", "colour": "blue"})), 422, "validation_failed").await;
    let (status, created) = send(create(json!({"url": "https://hooks.example.com/in", "environment": "live", "event_types": ["connection.reauth_required"]}))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["endpoint"]["id"].as_str().unwrap();
    assert!(id.starts_with("whep_"));
    let (status, updated) = send(host.admin(Method::PATCH, &format!("/v1/admin/webhook-endpoints/{id}")).json(&json!({"description": "ops", "event_types": null}))).await;
    assert_eq!((status, updated["description"].clone(), updated["event_types"].clone()), (200, json!("ops"), Value::Null), "{updated}");
    expect_problem(host.admin(Method::PATCH, &format!("/v1/admin/webhook-endpoints/{id}")).json(&json!({"url": "http://hooks.example.com/"})), 422, "validation_failed").await;
    let (_, listed) = send(host.admin(Method::GET, "/v1/admin/webhook-endpoints")).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains("whsec_"), "no secret in lists");
    assert_eq!(send(host.admin(Method::DELETE, &format!("/v1/admin/webhook-endpoints/{id}"))).await.0, 204);
    expect_problem(host.admin(Method::GET, &format!("/v1/admin/webhook-endpoints/{id}")), 404, "not_found").await;
}

/// Many events through small batches and few posts in flight, so the dispatcher's pipeline
/// leases, sends and records across many overlapping writes: every delivery arrives once and is
/// recorded once (one delivered row, one attempt), and every event is marked fanned out only with
/// all its deliveries (an event left leased but unmarked would be sent again when its lease ends).
#[tokio::test]
async fn a_stream_of_events_is_delivered_and_recorded_once_through_small_batches() {
    stream_of_events(None).await;
}

/// The same on PostgreSQL (`FOR UPDATE SKIP LOCKED` leases, the dispatcher's kept connection).
#[tokio::test]
async fn a_stream_of_events_is_delivered_and_recorded_once_on_postgres() {
    let pg = crate::databases::fresh_postgres().await;
    stream_of_events(Some(pg.url.clone())).await;
}

async fn stream_of_events(database_url: Option<String>) {
    use millwright::webhooks::events::{CONNECTION_CREATED, CONNECTION_STATUS_CHANGED, ConnectionRef, connection_event};
    let webhooks = WebhookConfig { batch_size: 7, concurrency: 3, lease: Duration::from_millis(700), timeout: Duration::from_millis(500), ..fast_webhooks() };
    let host = Host::with(Options { webhooks, database_url, ..Default::default() }).await;
    let (every, changes) = (Receiver::start().await, Receiver::start().await);
    let (every_id, secret) = endpoint(&host, &every.url, json!({})).await;
    every.trust(&secret);
    let (changes_id, secret) = endpoint(&host, &changes.url, json!({"event_types": [CONNECTION_STATUS_CHANGED]})).await;
    changes.trust(&secret);
    let now = millwright::store::now();
    let conn = ConnectionRef { id: "conn_stream", end_customer_id: Some("acme"), connector_id: "maintainx", environment: "test" };
    let events: Vec<_> = (0..90)
        .map(|i| {
            let event_type = if i % 3 == 0 { CONNECTION_CREATED } else { CONNECTION_STATUS_CHANGED };
            connection_event(event_type, &conn, json!({ "n": i }), &now)
        })
        .collect();
    host.app.store.insert_events(&events).await.unwrap();
    let background = Background::start(&host.app);
    let ours = |receiver: &Receiver| -> Vec<String> {
        receiver.received().into_iter().map(|r| r.webhook_id).filter(|id| events.iter().any(|e| e.id == *id)).collect()
    };
    eventually("every delivery", WAIT, || async { (ours(&every).len() >= 90 && ours(&changes).len() >= 60).then_some(()) }).await;
    // Past every lease: nothing is sent again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    background.stop().await;
    for (receiver, id, expected) in [(&every, &every_id, 90), (&changes, &changes_id, 60)] {
        let mut got = ours(receiver);
        got.sort();
        got.dedup();
        assert_eq!((got.len(), ours(receiver).len()), (expected, expected), "each delivery sent once");
        // Every delivery the endpoint got (the harness's own connection.created too) is recorded once.
        let received = receiver.received().len();
        let rows = host.app.store.webhook_deliveries(id, None, None, 1000).await.unwrap();
        assert_eq!(rows.len(), received);
        assert!(rows.iter().all(|d| d.status == "delivered" && d.attempts == 1), "{rows:?}");
        let attempts = host.app.store.webhook_attempts(id, None, None, 1000).await.unwrap();
        assert_eq!(attempts.len(), received, "one attempt logged per delivery");
    }
    assert_eq!(every.state.unverified.load(Ordering::SeqCst) + changes.state.unverified.load(Ordering::SeqCst), 0);
    host.app.store.close().await;
}

/// Posts slower than the leases: with one post at a time, most of the queued events' leases
/// expire before their turn, so the dispatcher's next leases return them again. Each is sent
/// and recorded once all the same (an event still open in the dispatcher is not queued twice).
#[tokio::test]
async fn events_whose_leases_expire_behind_slow_posts_are_sent_once() {
    let (host, receiver, endpoint_id, rows) = slow_endpoint_with_30_events(false).await;
    assert!(rows.iter().all(|d| d.attempts == 1), "{rows:?}");
    assert_eq!(host.app.store.webhook_attempts(&endpoint_id, None, None, 100).await.unwrap().len(), 30, "one attempt logged per delivery");
    assert_eq!(receiver.state.requests.load(Ordering::SeqCst), 30);
}

/// The same for retries: every first attempt fails, and the retries are claimed while one slow
/// post at a time keeps most of them waiting past their leases; each is delivered once.
#[tokio::test]
async fn retries_whose_leases_expire_behind_slow_posts_are_sent_once() {
    let (host, _receiver, endpoint_id, _) = slow_endpoint_with_30_events(true).await;
    let log = host.app.store.webhook_attempts(&endpoint_id, None, None, 200).await.unwrap();
    assert!(log.len() >= 60, "a failed and a delivered attempt each: {}", log.len());
}

/// 30 events to an endpoint that answers in 60 ms, one post at a time, each claim leased for
/// 300 ms (`lease + timeout`) with four batches of 3 queued, so the later ones of a lease wait
/// past it; `fail_first`: every first attempt is refused, so the retries wait so. Returns once
/// every event was delivered and the dispatcher, idle past every lease, has stopped, having
/// checked that each event was delivered once and each delivery is recorded as delivered (the
/// rows are returned).
async fn slow_endpoint_with_30_events(fail_first: bool) -> (Host, Receiver, String, Vec<millwright::store::DeliveryRow>) {
    use millwright::webhooks::events::{CONNECTION_STATUS_CHANGED, ConnectionRef, connection_event};
    let webhooks = WebhookConfig { batch_size: 3, concurrency: 1, lease: Duration::from_millis(50), timeout: Duration::from_millis(250), ..fast_webhooks() };
    let host = Host::with(Options { webhooks, ..Default::default() }).await;
    let receiver = Receiver::start().await;
    let (endpoint_id, secret) = endpoint(&host, &receiver.url, json!({"event_types": [CONNECTION_STATUS_CHANGED]})).await;
    receiver.trust(&secret);
    let conn = ConnectionRef { id: "conn_slow", end_customer_id: Some("acme"), connector_id: "maintainx", environment: "test" };
    let now = millwright::store::now();
    let events: Vec<_> = (0..30).map(|i| connection_event(CONNECTION_STATUS_CHANGED, &conn, json!({ "n": i }), &now)).collect();
    host.app.store.insert_events(&events).await.unwrap();
    if fail_first {
        receiver.answer(500);
    } else {
        receiver.slow_down(Duration::from_millis(60));
    }
    let background = Background::start(&host.app);
    if fail_first {
        eventually("every first attempt", WAIT, || async { (receiver.state.requests.load(Ordering::SeqCst) >= 30).then_some(()) }).await;
        receiver.slow_down(Duration::from_millis(60));
        receiver.answer(200);
    }
    eventually("every delivery", WAIT, || async { (receiver.received().len() >= 30).then_some(()) }).await;
    // Past every lease, with the dispatcher idle: nothing is sent again.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    background.stop().await;
    let mut got: Vec<String> = receiver.received().into_iter().map(|r| r.webhook_id).collect();
    let sent = got.len();
    got.sort();
    got.dedup();
    assert_eq!((got.len(), sent), (30, 30), "each event delivered once");
    let rows = host.app.store.webhook_deliveries(&endpoint_id, None, None, 100).await.unwrap();
    assert_eq!(rows.len(), 30);
    assert!(rows.iter().all(|d| d.status == "delivered"), "{rows:?}");
    (host, receiver, endpoint_id, rows)
}
