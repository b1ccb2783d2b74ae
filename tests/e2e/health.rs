//! Connection health against the MaintainX emulator, with the monitor and the webhook dispatcher
//! running on short intervals: revoked credentials become `reauth_required` through the check,
//! with exactly one `connection.reauth_required` event, data calls answer 409 without reaching
//! the system, and a reconnect through the link flow restores service with the same token; an
//! outage degrades the connection and it returns to `active` by itself; 429s are not failures.

use std::time::Duration;

use millwright::background::Background;
use millwright::health::{HealthConfig, Thresholds};
use millwright::webhooks::{RetrySchedule, WebhookConfig};
use millwright_sandbox::FaultConfig;
use reqwest::Method;
use serde_json::{Value, json};

use crate::connect_flow::{code_of, exchange, link_new, post_form, reconnect_url};
use crate::harness::{Host, MX_KEY, Options, expect_problem, send};
use crate::webhook_receiver::{Receiver, eventually};

/// The check interval of these tests.
const INTERVAL: Duration = Duration::from_millis(400);
const WAIT: Duration = Duration::from_secs(30);

pub fn fast_health() -> HealthConfig {
    HealthConfig {
        check_interval: INTERVAL,
        jitter: 0.0,
        tick: Duration::from_millis(100),
        lease: Duration::from_secs(5),
        thresholds: Thresholds { degraded_after_failures: 3, offline_after: Duration::from_secs(3), ..Thresholds::default() },
        ..HealthConfig::default()
    }
}

pub fn fast_webhooks() -> WebhookConfig {
    WebhookConfig {
        allow_private: true,
        timeout: Duration::from_secs(2),
        retry: RetrySchedule { initial: Duration::from_millis(200), max_interval: Duration::from_millis(800), window: Duration::from_secs(60) },
        lease: Duration::from_secs(5),
        poll_interval: Duration::from_millis(50),
        ..WebhookConfig::default()
    }
}

/// A webhook endpoint for `url` (test environment, every event type); returns id and secret.
pub async fn endpoint(host: &Host, url: &str, extra: Value) -> (String, String) {
    let mut body = json!({ "url": url, "description": "tests" });
    body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    let (status, created) = send(host.admin(Method::POST, "/v1/admin/webhook-endpoints").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (created["endpoint"]["id"].as_str().unwrap().to_string(), secret)
}

async fn status_of(host: &Host, id: &str) -> Value {
    let (status, body) = send(host.admin(Method::GET, &format!("/v1/admin/connections/{id}/health"))).await;
    assert_eq!(status, 200, "{body}");
    body["health"].clone()
}

async fn wait_status(host: &Host, id: &str, want: &str) -> Value {
    eventually(&format!("status {want}"), WAIT, || async {
        let health = status_of(host, id).await;
        (health["status"] == want).then_some(health)
    })
    .await
}

/// Event ids of `event_type` about `connection_id` the receiver got (each id once).
fn ids_of(receiver: &Receiver, event_type: &str, connection_id: &str) -> Vec<String> {
    let mut ids: Vec<String> = receiver
        .received()
        .into_iter()
        .filter(|r| r.event_type == event_type && r.body["data"]["connection_id"] == connection_id)
        .map(|r| r.webhook_id)
        .collect();
    ids.dedup();
    ids
}

#[tokio::test]
async fn revoked_credentials_need_reauthorization_and_a_reconnect_restores_service() {
    let host = Host::with(Options { health: fast_health(), webhooks: fast_webhooks(), ..Default::default() }).await;
    let receiver = Receiver::start().await;
    let (_, secret) = endpoint(&host, &receiver.url, json!({})).await;
    receiver.trust(&secret);
    let (connection, token) = link_new(&host).await;
    let background = Background::start(&host.app);
    let api = |path: &str| host.client.get(format!("{}{path}", host.url)).bearer_auth(&token);
    assert_eq!(send(api("/v1/work-orders?page_size=1")).await.0, 200);
    eventually("the first check", WAIT, || async { status_of(&host, &connection).await["last_checked_at"].as_str().map(|_| ()) }).await;

    host.sandbox.revoke_key(MX_KEY);
    let health = wait_status(&host, &connection, "reauth_required").await;
    assert_eq!(health["reason"], "credentials_invalid", "{health}");
    assert_eq!(health["reauth_required"], true);
    let (_, history) = send(host.admin(Method::GET, &format!("/v1/admin/connections/{connection}/health-history"))).await;
    let change = history["data"].as_array().unwrap().iter().find(|h| h["kind"] == "status_change").expect("a status change").clone();
    assert_eq!((change["old_status"].clone(), change["new_status"].clone()), (json!("active"), json!("reauth_required")));

    let reauth_ids = eventually("the reauth_required event", WAIT, || async {
        let ids = ids_of(&receiver, "connection.reauth_required", &connection);
        (!ids.is_empty()).then_some(ids)
    })
    .await;
    let event = receiver.received().into_iter().find(|r| r.webhook_id == reauth_ids[0]).unwrap();
    assert_eq!(event.body["data"]["old_status"], "active");
    assert_eq!(event.body["data"]["new_status"], "reauth_required");
    assert_eq!(event.body["data"]["reason"], "credentials_invalid");

    // Not checked any more (repeated logins can lock the account), and data calls fail fast. The
    // harness's own connection uses the same key: it goes the same way first.
    wait_status(&host, &host.connection_id, "reauth_required").await;
    let before = host.sandbox.request_count();
    tokio::time::sleep(INTERVAL * 4).await;
    for path in ["/v1/work-orders?page_size=1", "/v1/assets/1"] {
        let body = expect_problem(api(path), 409, "connection_reauth_required").await;
        assert_eq!(body["connection_id"], connection.as_str());
    }
    expect_problem(
        host.client.post(format!("{}/v1/passthrough", host.url)).bearer_auth(&token).json(&json!({"method": "GET", "path": "/users"})),
        409,
        "connection_reauth_required",
    )
    .await;
    assert_eq!(host.sandbox.request_count(), before, "neither checks nor API calls reached the system");
    assert_eq!(ids_of(&receiver, "connection.reauth_required", &connection), reauth_ids, "exactly one event id");
    let (status, status_body) = send(api("/v1/connection")).await;
    assert_eq!(status, 200, "GET /v1/connection always answers: {status_body}");
    assert_eq!((status_body["status"].clone(), status_body["reauth_required"].clone()), (json!("reauth_required"), json!(true)));
    assert_eq!(status_body["health"]["reason"], "credentials_invalid");
    assert!(status_body["health"]["last_checked_at"].is_string() && status_body["health"]["last_error"].is_string());

    // The customer fixes the key and reconnects through the link flow: same connection, same token.
    let mut faults = host.sandbox.faults();
    faults.revoked_keys.clear();
    host.sandbox.set_faults(faults);
    let url = reconnect_url(&host, &connection, false).await;
    let (code, _) = code_of(&post_form(&format!("{url}/maintainx"), &[("api_key", MX_KEY)]).await);
    let (status, exchanged) = exchange(&host, &code).await;
    assert_eq!(status, 200, "{exchanged}");
    assert!(exchanged["token"].is_null());
    assert_eq!(send(api("/v1/work-orders?page_size=1")).await.0, 200, "the same token works again");
    assert_eq!(status_of(&host, &connection).await["reason"], "reconnected");
    eventually("the status_changed event of the reconnect", WAIT, || async {
        receiver
            .received()
            .into_iter()
            .find(|r| r.event_type == "connection.status_changed" && r.body["data"]["old_status"] == "reauth_required")
            .map(|r| assert_eq!(r.body["data"]["new_status"], "active"))
    })
    .await;
    assert_eq!(receiver.state.unverified.load(std::sync::atomic::Ordering::SeqCst), 0, "every delivery verified");
    background.stop().await;
}

#[tokio::test]
async fn an_outage_degrades_then_the_connection_recovers_by_itself() {
    let host = Host::with(Options { health: fast_health(), webhooks: fast_webhooks(), ..Default::default() }).await;
    let receiver = Receiver::start().await;
    let (_, secret) = endpoint(&host, &receiver.url, json!({ "event_types": ["connection.status_changed"] })).await;
    receiver.trust(&secret);
    let background = Background::start(&host.app);
    let id = host.connection_id.clone();
    eventually("the first check", WAIT, || async { status_of(&host, &id).await["last_check_ok"].as_bool().filter(|ok| *ok) }).await;

    host.sandbox.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() });
    // Passive: API calls during the outage fail with the system's status and count too.
    expect_problem(host.get("/v1/work-orders?page_size=1"), 502, "upstream_unavailable").await;
    let degraded = wait_status(&host, &id, "degraded").await;
    assert_eq!(degraded["reason"], "upstream_errors", "{degraded}");
    assert!(degraded["consecutive_failures"].as_i64().unwrap() >= 3);
    let offline = wait_status(&host, &id, "offline").await;
    assert!(offline["failing_since"].is_string(), "{offline}");
    assert_eq!(send(host.get("/v1/connection")).await.1["status"], "offline");

    host.sandbox.set_faults(FaultConfig::default());
    let recovered = wait_status(&host, &id, "active").await;
    assert_eq!((recovered["reason"].clone(), recovered["consecutive_failures"].clone()), (json!("recovered"), json!(0)));
    assert_eq!(send(host.get("/v1/work-orders?page_size=1")).await.0, 200);
    let transitions = eventually("three status_changed events", WAIT, || async {
        let t: Vec<(String, String)> = receiver
            .received()
            .iter()
            .filter(|r| r.body["data"]["connection_id"] == id.as_str())
            .map(|r| (r.body["data"]["old_status"].as_str().unwrap().to_string(), r.body["data"]["new_status"].as_str().unwrap().to_string()))
            .collect();
        (t.len() >= 3).then_some(t)
    })
    .await;
    let pairs: Vec<(&str, &str)> = transitions.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(pairs, [("active", "degraded"), ("degraded", "offline"), ("offline", "active")]);
    let mut ids: Vec<String> = receiver.received().into_iter().map(|r| r.webhook_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "one event per transition");
    background.stop().await;
}

#[tokio::test]
async fn rate_limits_are_recorded_not_failures_and_operators_can_disable() {
    let host = Host::with(Options { health: fast_health(), webhooks: fast_webhooks(), ..Default::default() }).await;
    let background = Background::start(&host.app);
    let id = host.connection_id.clone();
    host.sandbox.set_faults(FaultConfig { burst_429: 1000, retry_after_s: 1, ..Default::default() });
    for _ in 0..3 {
        expect_problem(host.get("/v1/work-orders?page_size=1"), 429, "rate_limited").await;
    }
    let health = eventually("reason rate_limited", WAIT, || async {
        let h = status_of(&host, &id).await;
        (h["reason"] == "rate_limited").then_some(h)
    })
    .await;
    assert_eq!((health["status"].clone(), health["consecutive_failures"].clone()), (json!("active"), json!(0)), "{health}");
    host.sandbox.set_faults(FaultConfig::default());
    // The monitor stops here: a check it had started before the disable may still reach the
    // system after it, and the count below is about the API request only.
    background.stop().await;

    let (status, disabled) = send(host.admin(Method::POST, &format!("/v1/admin/connections/{id}/disable"))).await;
    assert_eq!((status, disabled["health"]["status"].clone()), (200, json!("disabled")), "{disabled}");
    let before = host.sandbox.request_count();
    expect_problem(host.get("/v1/work-orders?page_size=1"), 409, "connection_disabled").await;
    assert_eq!(host.sandbox.request_count(), before);
    let (status, enabled) = send(host.admin(Method::POST, &format!("/v1/admin/connections/{id}/enable"))).await;
    assert_eq!((status, enabled["health"]["status"].clone()), (200, json!("active")), "{enabled}");
    assert_eq!(send(host.get("/v1/work-orders?page_size=1")).await.0, 200);
    expect_problem(
        host.admin(Method::PATCH, &format!("/v1/admin/connections/{id}/health")).json(&json!({"check_interval_seconds": 1})),
        422,
        "validation_failed",
    )
    .await;
    let (status, set) = send(host.admin(Method::PATCH, &format!("/v1/admin/connections/{id}/health")).json(&json!({"check_interval_seconds": 60}))).await;
    assert_eq!((status, set["health"]["check_interval_seconds"].clone()), (200, json!(60)), "{set}");
}
