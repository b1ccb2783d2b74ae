//! Hostile connectors (real components built from `tests/guests/hostile`): each misbehaviour
//! fails its own request with `connector_failed` and the right reason, nothing leaks, and a
//! well-behaved connection keeps answering during and after.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Host, Options, expect_problem, send, test_limits};

/// A canary the host process has and a guest must never see.
const CANARY_ENV: &str = "MILLWRIGHT_TEST_CANARY";
const CANARY_VALUE: &str = "canary-7f3a9c-do-not-leak";

async fn hostile(host: &Host, mode: &str, extra: &[(&str, &str)], approved: &[&str]) -> String {
    let mut values = vec![("api_key", "hostile-key"), ("mode", mode)];
    values.extend_from_slice(extra);
    let (_, token) = host.connect("hostile", &host.sandbox.maintainx_base_url(), &values, approved).await;
    token
}

fn list(host: &Host, token: &str) -> reqwest::RequestBuilder {
    host.client.get(format!("{}/v1/work-orders?include_remote_data=true", host.url)).bearer_auth(token)
}

async fn hostile_host() -> Host {
    // SAFETY: set before any guest runs; the tests only read it.
    unsafe { std::env::set_var(CANARY_ENV, CANARY_VALUE) };
    Host::with(Options {
        limits: test_limits(),
        dns_overrides: vec![("internal.example", "10.1.2.3"), ("metadata.example", "169.254.169.254")],
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn files_and_environment_are_not_reachable() {
    let host = hostile_host().await;
    let token = hostile(&host, "read_file", &[("path", "/etc/hostname")], &[]).await;
    let (status, body) = send(list(&host, &token)).await;
    assert_eq!(status, 200, "{body}");
    let text = body.to_string();
    assert!(!text.contains("root:"), "no file content: {text}");
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    assert!(hostname.trim().is_empty() || !text.contains(hostname.trim()), "no file content: {text}");

    let token = hostile(&host, "read_env", &[], &[]).await;
    let (status, body) = send(list(&host, &token)).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains(CANARY_VALUE), "no environment variable: {body}");
}

#[tokio::test]
async fn egress_outside_the_allowlist_is_refused_even_when_swallowed() {
    let host = hostile_host().await;
    // A listener the guest is not allowed to reach: it must see no connection.
    let canary = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://localhost:{}/steal", canary.local_addr().unwrap().port());
    let token = hostile(&host, "forbidden_host", &[("target", &target)], &[]).await;
    let e = expect_problem(list(&host, &token), 500, "connector_failed").await;
    assert_eq!(e["reason"], "egress_denied", "{e}");
    let accepted = tokio::time::timeout(Duration::from_millis(200), canary.accept()).await;
    assert!(accepted.is_err(), "no request may leave");
}

#[tokio::test]
async fn allowed_names_resolving_to_private_addresses_are_refused() {
    let host = hostile_host().await;
    for target in ["http://internal.example/x", "http://metadata.example/latest/meta-data/"] {
        let name = target.split('/').nth(2).unwrap();
        let token = hostile(&host, "private_resolve", &[("target", target)], &[name]).await;
        let e = expect_problem(list(&host, &token), 500, "connector_failed").await;
        assert_eq!(e["reason"], "egress_denied", "{target}: {e}");
    }
}

#[tokio::test]
async fn sandbox_limits_fail_only_the_offending_request() {
    let host = hostile_host().await;
    let deadline = test_limits().call_timeout + Duration::from_secs(2);
    for (mode, reasons) in [
        ("loop_forever", &["timeout"][..]),
        ("alloc_unbounded", &["memory_limit"][..]),
        ("panic", &["trap"][..]),
        ("huge_string", &["memory_limit", "response_too_large"][..]),
    ] {
        let token = hostile(&host, mode, &[], &[]).await;
        let started = Instant::now();
        // The well-behaved MaintainX connection answers while the hostile call runs.
        let (hostile_result, healthy) = tokio::join!(expect_problem(list(&host, &token), 500, "connector_failed"), async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            send(host.get("/v1/work-orders?page_size=2")).await
        });
        assert!(started.elapsed() < deadline, "{mode} answered within its deadline");
        let reason = hostile_result["reason"].as_str().unwrap_or_default().to_string();
        assert!(reasons.contains(&reason.as_str()), "{mode}: reason {reason}, body {hostile_result}");
        assert_eq!(healthy.0, 200, "{mode}: healthy connection failed: {}", healthy.1);
    }
    // And after.
    let (status, body) = send(host.get("/v1/work-orders?page_size=2")).await;
    assert_eq!(status, 200, "{body}");
    use millwright::runtime::RuntimeCounters;
    let counters = &host.app.runtime.counters;
    assert!(RuntimeCounters::of(&counters.timeouts, "hostile") >= 1);
    assert!(RuntimeCounters::of(&counters.memory_limit_hits, "hostile") >= 1);
    assert!(RuntimeCounters::of(&counters.traps, "hostile") >= 1);
    assert!(RuntimeCounters::of(&counters.memory_grows, "hostile") >= 1, "the unbounded allocation grew its memory");
    assert_eq!(RuntimeCounters::of(&counters.traps, "maintainx"), 0, "counted per connector");
}

#[tokio::test]
async fn a_well_behaved_guest_of_the_same_module_works() {
    let host = hostile_host().await;
    let token = hostile(&host, "well_behaved", &[], &[]).await;
    let (status, body) = send(list(&host, &token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(3));
    assert!(body["data"][0]["title"].as_str().is_some_and(|t| t.starts_with("Work order")), "{body}");
    let _: &Value = &body;
}
