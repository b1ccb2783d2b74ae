//! Writes through the unified API: creates and updates reach the system, bad bodies do not.

use serde_json::json;

use crate::harness::{Host, expect_problem, send};

#[tokio::test]
async fn creates_a_work_order_and_reads_it_back() {
    let host = Host::start().await;
    let body = json!({
        "title": "Replace coupling on pump P-101",
        "description": "Vibration above threshold",
        "priority": "high",
        "due_at": "2026-12-01T08:00:00Z",
    });
    let (status, created) = send(host.post("/v1/work-orders", &body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["title"], "Replace coupling on pump P-101");
    assert_eq!(created["priority"], "high");
    assert_eq!(created["status"], "open");
    assert_eq!(created["due_at"], "2026-12-01T08:00:00Z");
    let id = created["id"].as_str().unwrap();
    let (status, fetched) = send(host.get(&format!("/v1/work-orders/{id}"))).await;
    assert_eq!(status, 200, "{fetched}");
    assert_eq!(fetched["title"], created["title"]);
}

#[tokio::test]
async fn updates_a_work_order() {
    let host = Host::start().await;
    let (_, page) = send(host.get("/v1/work-orders?status=open&page_size=1")).await;
    let id = page["data"][0]["id"].as_str().unwrap().to_string();
    let (status, updated) = send(host.patch(&format!("/v1/work-orders/{id}"), &json!({"status": "in_progress", "title": "Re-titled"}))).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["status"], "in_progress");
    assert_eq!(updated["title"], "Re-titled");
    let (_, fetched) = send(host.get(&format!("/v1/work-orders/{id}"))).await;
    assert_eq!(fetched["status"], "in_progress");
}

#[tokio::test]
async fn creates_a_maintenance_request() {
    let host = Host::start().await;
    let (status, created) = send(host.post("/v1/maintenance-requests", &json!({"title": "Leak under conveyor C-3"}))).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["title"], "Leak under conveyor C-3");
}

#[tokio::test]
async fn unsupported_writes_answer_501() {
    let host = Host::start().await;
    expect_problem(host.post("/v1/assets", &json!({"name": "Pump"})), 501, "unsupported_operation").await;
    expect_problem(host.patch("/v1/vendors/1", &json!({"name": "Acme"})), 501, "unsupported_operation").await;
}

#[tokio::test]
async fn invalid_bodies_are_refused_naming_the_field() {
    let host = Host::start().await;
    let before = host.sandbox.request_count();
    let e = expect_problem(host.post("/v1/work-orders", &json!({"description": "no title"})), 422, "validation_failed").await;
    assert_eq!(e["field"], "title");
    let e = expect_problem(host.post("/v1/work-orders", &json!({"title": "x", "status": "bogus"})), 422, "validation_failed").await;
    assert_eq!(e["field"], "status");
    let e = expect_problem(host.post("/v1/work-orders", &json!({"title": "x", "colour": "red"})), 422, "validation_failed").await;
    assert_eq!(e["field"], "colour");
    let e = expect_problem(host.post("/v1/work-orders", &json!({"title": "x", "due_at": "tomorrow"})), 422, "validation_failed").await;
    assert_eq!(e["field"], "due_at");
    assert_eq!(host.sandbox.request_count(), before, "invalid bodies never reach the system");

    let raw = host.client.post(format!("{}/v1/work-orders", host.url)).bearer_auth(&host.token);
    expect_problem(raw.try_clone().unwrap().header("content-type", "text/plain").body("title=x"), 415, "unsupported_media_type").await;
    expect_problem(raw.try_clone().unwrap().header("content-type", "application/json").body("{\"title\": "), 400, "invalid_request").await;
    expect_problem(raw.header("content-type", "application/json").body("[1,2]"), 400, "invalid_request").await;
    let big = "x".repeat(2 << 20);
    expect_problem(host.post("/v1/work-orders", &json!({"title": big})), 413, "payload_too_large").await;
}

#[tokio::test]
async fn the_systems_validation_errors_come_back_as_422() {
    let host = Host::start().await;
    // Unified ids are strings; MaintainX wants numeric references and says so.
    let e = expect_problem(host.post("/v1/work-orders", &json!({"title": "x", "asset_id": "not-a-number"})), 422, "validation_failed").await;
    assert_eq!(e["field"], "asset_id", "{e}");
}
