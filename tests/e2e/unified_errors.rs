//! Bad input on the unified API: each gets its problem+json code and touches nothing.

use serde_json::json;

use crate::harness::{Host, expect_problem, send};

#[tokio::test]
async fn unknown_routes_and_methods() {
    let host = Host::start().await;
    expect_problem(host.get("/v1/widgets"), 404, "not_found").await;
    expect_problem(host.get("/v1/work-orders/1/children"), 404, "not_found").await;
    expect_problem(host.client.delete(format!("{}/v1/work-orders", host.url)).bearer_auth(&host.token), 405, "method_not_allowed").await;
}

#[tokio::test]
async fn tokens_are_required() {
    let host = Host::start().await;
    let url = format!("{}/v1/work-orders", host.url);
    expect_problem(host.client.get(&url), 401, "unauthorized").await;
    expect_problem(host.client.get(&url).header("authorization", "Basic abc"), 401, "unauthorized").await;
    expect_problem(host.client.get(&url).bearer_auth("mw_test_nope"), 401, "unauthorized").await;
    // Well-formed (valid checksum) but never issued.
    let forged = millwright::tokens::mint("test").plaintext;
    expect_problem(host.client.get(&url).bearer_auth(forged), 401, "unauthorized").await;
}

#[tokio::test]
async fn bad_list_parameters() {
    let host = Host::start().await;
    for query in ["page_size=0", "page_size=501", "page_size=ten", "modified_after=yesterday", "modified_after=2026-13-01T00:00:00Z", "colour=red", "status=done", "cursor=garbage"] {
        let e = expect_problem(host.get(&format!("/v1/work-orders?{query}")), 400, "invalid_request").await;
        assert!(e["field"].is_string(), "{query}: {e}");
    }
    expect_problem(host.get("/v1/assets?status=operational"), 400, "invalid_request").await;
}

#[tokio::test]
async fn cursors_are_sealed_and_bound() {
    let host = Host::start().await;
    let (_, page) = send(host.get("/v1/work-orders?page_size=2")).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (status, _) = send(host.get(&format!("/v1/work-orders?page_size=2&cursor={cursor}"))).await;
    assert_eq!(status, 200);

    let mut tampered = cursor.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    expect_problem(host.get(&format!("/v1/work-orders?cursor={tampered}")), 400, "invalid_request").await;
    // Another list's cursor: other entity, other filter.
    expect_problem(host.get(&format!("/v1/assets?cursor={cursor}")), 400, "invalid_request").await;
    expect_problem(host.get(&format!("/v1/work-orders?status=open&cursor={cursor}")), 400, "invalid_request").await;
    // Another connection's cursor.
    let (_, other_token) = host.connect("maintainx", &host.sandbox.maintainx_base_url(), &[("api_key", crate::harness::MX_KEY)], &[]).await;
    let other = host.client.get(format!("{}/v1/work-orders?cursor={cursor}", host.url)).bearer_auth(other_token);
    expect_problem(other, 400, "invalid_request").await;
}

#[tokio::test]
async fn unknown_records_are_404() {
    let host = Host::start().await;
    expect_problem(host.get("/v1/work-orders/987654321"), 404, "not_found").await;
    expect_problem(host.get("/v1/assets/987654321"), 404, "not_found").await;
}

#[tokio::test]
async fn passthrough_cannot_leave_the_base_url() {
    let host = Host::start().await;
    for path in ["//evil.example/x", "http://evil.example/", "/../../etc", "/a/%2e%2e/b", "relative", "/x?y=1"] {
        let e = expect_problem(host.post("/v1/passthrough", &json!({"method": "GET", "path": path})), 422, "validation_failed").await;
        assert_eq!(e["field"], "path", "{path}");
    }
    expect_problem(host.post("/v1/passthrough", &json!({"method": "BREW", "path": "/x"})), 422, "validation_failed").await;
}
