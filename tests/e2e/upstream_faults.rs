//! The system misbehaving: each failure maps to its code, and writes are never retried.

use millwright_sandbox::FaultConfig;
use serde_json::json;

use crate::harness::{Host, MX_KEY, expect_problem, send};

#[tokio::test]
async fn revoked_credentials_need_reauthorization() {
    let host = Host::start().await;
    host.sandbox.revoke_key(MX_KEY);
    let e = expect_problem(host.get("/v1/work-orders"), 409, "connection_reauth_required").await;
    assert_eq!(e["connection_id"], host.connection_id.as_str());
    assert!(e["detail"].as_str().unwrap().contains("relink"));
    assert!(!e.to_string().contains(MX_KEY), "the key never appears in errors");
}

#[tokio::test]
async fn system_errors_are_502_and_reads_are_retried() {
    let host = Host::start().await;
    host.sandbox.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() });
    let before = host.sandbox.request_count();
    let e = expect_problem(host.get("/v1/work-orders"), 502, "upstream_unavailable").await;
    assert!(e["upstream_status"].as_u64().is_some_and(|s| s >= 500), "{e}");
    assert_eq!(host.sandbox.request_count() - before, 3, "a read is tried once and retried twice");
}

#[tokio::test]
async fn a_create_is_never_retried() {
    let host = Host::start().await;
    host.sandbox.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() });
    let before = host.sandbox.request_count();
    expect_problem(host.post("/v1/work-orders", &json!({"title": "once"})), 502, "upstream_unavailable").await;
    assert_eq!(host.sandbox.request_count() - before, 1, "the POST reached the system exactly once");
}

#[tokio::test]
async fn slow_systems_time_out_with_504() {
    let host = Host::start().await;
    host.sandbox.set_faults(FaultConfig { latency_ms: 3_000, ..Default::default() });
    let started = std::time::Instant::now();
    expect_problem(host.get("/v1/work-orders?page_size=1"), 504, "upstream_timeout").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "answered within the call deadline");
}

#[tokio::test]
async fn short_throttling_is_absorbed() {
    let host = Host::start().await;
    host.sandbox.set_faults(FaultConfig { burst_429: 1, retry_after_s: 1, ..Default::default() });
    let before = host.sandbox.request_count();
    let (status, body) = send(host.get("/v1/work-orders?page_size=1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(host.sandbox.request_count() - before, 2, "the 429 was retried after Retry-After");
}

#[tokio::test]
async fn long_throttling_is_429_with_retry_after() {
    let host = Host::start().await;
    host.sandbox.set_faults(FaultConfig { burst_429: 100, retry_after_s: 30, ..Default::default() });
    let resp = host.get("/v1/work-orders?page_size=1").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let retry_after: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1, "retry-after {retry_after}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
}

#[tokio::test]
async fn unreachable_systems_are_502() {
    let host = Host::start().await;
    // A port nobody listens on: bind, note it, drop it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}/maintainx/v1");
    let request = millwright::connections::CreateConnection {
        connector_id: "maintainx".into(),
        base_url: Some(base),
        environment: "test".into(),
        end_customer_id: None,
        values: [("api_key".to_string(), MX_KEY.to_string())].into(),
        private_networks: vec!["127.0.0.0/8".parse().unwrap()],
        approved_hosts: vec![],
    };
    let e = host.app.connections.create(request).await.expect_err("cannot check credentials against nothing");
    assert_eq!(e.code, "upstream_unavailable", "{e:?}");
}

#[tokio::test]
async fn a_permission_refusal_is_502_upstream_forbidden() {
    let host = Host::start().await;
    host.sandbox.forbid_key(MX_KEY);
    let e = expect_problem(host.get("/v1/work-orders"), 502, "upstream_forbidden").await;
    assert_eq!(e["upstream_status"], 403);
}
