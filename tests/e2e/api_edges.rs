//! The API's edges: per-token rate limits with their headers, the host's own request timeout as
//! problem+json, and gzip compression when the client asks for it.

use std::time::Duration;

use millwright::app::ApiSettings;
use millwright_sandbox::faults::FaultConfig;

use crate::harness::{ADMIN_TOKEN, Host, Options, expect_problem, send};

#[tokio::test]
async fn each_token_has_its_own_rate_limit_with_headers() {
    let host = Host::with(Options { api: ApiSettings { rate_limit_per_minute: Some(3), ..Default::default() }, ..Default::default() }).await;
    for remaining in ["2", "1", "0"] {
        let resp = host.get("/v1/connection").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
        assert_eq!(resp.headers()["x-ratelimit-remaining"], remaining);
        assert!(resp.headers()["x-ratelimit-reset"].to_str().unwrap().parse::<u64>().unwrap() <= 60);
    }
    let before = host.sandbox.request_count();
    let resp = host.get("/v1/work-orders").send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let retry_after: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "about a third of a minute: {retry_after}");
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "0");
    expect_problem(host.get("/v1/work-orders"), 429, "rate_limited").await;
    assert_eq!(host.sandbox.request_count(), before, "a limited request reaches nothing");
    // Another token has its own budget; paths outside /v1 are not limited.
    assert_eq!(send(host.admin(reqwest::Method::GET, "/v1/admin/connections")).await.0, 200);
    let health = host.client.get(format!("{}/healthz", host.url)).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
    assert!(!health.headers().contains_key("x-ratelimit-limit"));
}

#[tokio::test]
async fn the_request_timeout_answers_problem_json() {
    let host = Host::with(Options { api: ApiSettings { request_timeout: Duration::from_millis(700), ..Default::default() }, ..Default::default() }).await;
    host.sandbox.set_faults(FaultConfig { latency_ms: 1500, ..Default::default() });
    let body = expect_problem(host.get("/v1/work-orders?page_size=2"), 504, "upstream_timeout").await;
    assert!(body["detail"].as_str().unwrap().contains("request timeout"), "{body}");
}

#[tokio::test]
async fn responses_are_gzipped_when_asked() {
    let host = Host::start().await;
    let plain = host.get("/v1/work-orders?page_size=50").send().await.unwrap();
    assert!(!plain.headers().contains_key("content-encoding"));
    let gzipped = host.get("/v1/work-orders?page_size=50").header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gzipped.status(), 200);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let compressed = gzipped.bytes().await.unwrap().len();
    let raw = plain.bytes().await.unwrap().len();
    assert!(compressed * 3 < raw, "gzip {compressed} B vs {raw} B");
}
