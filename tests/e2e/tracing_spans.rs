//! Tracing: one span per request carrying the request id, the connection id and the connector,
//! a child span for the Wasm call and, inside it, one per upstream HTTP exchange, whose log lines
//! carry all three (JSON logs with the span list, captured on this test's thread: the
//! `current_thread` runtime runs the host's server tasks here too).

use serde_json::Value;

use crate::harness::{Host, LogCapture};

#[tokio::test]
async fn a_request_span_holds_the_wasm_call_and_its_upstream_requests() {
    let capture = LogCapture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_span_list(true)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let host = Host::start().await;
    let resp = host.get("/v1/work-orders?page_size=3").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let request_id = resp.headers()["x-request-id"].to_str().unwrap().to_string();

    let text = String::from_utf8(capture.bytes()).unwrap();
    let events: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let answered = events
        .iter()
        .find(|e| e["fields"]["message"] == "upstream answered" && e["spans"][0]["request_id"] == request_id.as_str())
        .unwrap_or_else(|| panic!("an upstream exchange logged inside request {request_id}: {text}"));
    let spans = answered["spans"].as_array().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["request", "wasm_call", "upstream_request"]);
    assert_eq!(spans[0]["connection_id"], host.connection_id.as_str());
    assert_eq!(spans[0]["connector"], "maintainx");
    assert_eq!(spans[0]["route"], "/v1/work-orders");
    assert_eq!(spans[1]["operation"], "list");
    assert_eq!(spans[2]["method"], "GET");
    assert_eq!(spans[2]["host"], "127.0.0.1");
    assert_eq!(answered["fields"]["status"], 200);
    assert!(!text.contains(crate::harness::MX_KEY) && !text.contains(&host.token), "no secret in the logs");
}
