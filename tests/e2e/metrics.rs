//! `/metrics` after a scripted run: the counters moved as the run says, labels are bounded (no
//! connection or record ids, no raw paths), and the format is OpenMetrics text.

use std::collections::BTreeMap;

use crate::harness::{Host, send};

/// `name{labels} value` lines of the exposition, by series.
fn series(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn value(all: &BTreeMap<String, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    all.iter()
        .filter(|(k, _)| k.split('{').next() == Some(name) && labels.iter().all(|(l, v)| k.contains(&format!("{l}=\"{v}\""))))
        .map(|(_, v)| v)
        .sum()
}

async fn scrape(host: &Host) -> BTreeMap<String, f64> {
    let resp = host.client.get(format!("{}/metrics", host.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = resp.text().await.unwrap();
    assert!(text.trim_end().ends_with("# EOF"), "OpenMetrics ends with # EOF");
    series(&text)
}

#[tokio::test]
async fn counters_move_with_a_scripted_run_and_labels_stay_bounded() {
    let host = Host::start().await;
    let before = scrape(&host).await;

    for _ in 0..3 {
        assert_eq!(send(host.get("/v1/work-orders?page_size=5")).await.0, 200);
    }
    let (_, page) = send(host.get("/v1/work-orders?page_size=1")).await;
    let id = page["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(send(host.get(&format!("/v1/work-orders/{id}"))).await.0, 200);
    assert_eq!(send(host.get("/v1/work-orders/999999999")).await.0, 404);
    assert_eq!(send(host.get("/v1/no-such-thing/secret-path-segment")).await.0, 404);
    assert_eq!(send(host.client.get(format!("{}/v1/work-orders", host.url))).await.0, 401);
    let (_, hostile_token) = host.connect("hostile", &host.sandbox.maintainx_base_url(), &[("api_key", "k"), ("mode", "panic")], &[]).await;
    let trap = send(host.client.get(format!("{}/v1/work-orders", host.url)).bearer_auth(&hostile_token)).await;
    assert_eq!(trap.0, 500, "{}", trap.1);
    // A webhook event waiting (no dispatcher runs in this test): the backlog.
    let (status, endpoint) = send(host.admin(reqwest::Method::POST, "/v1/admin/webhook-endpoints").json(&serde_json::json!({"url": "https://hooks.example.com/in"}))).await;
    assert_eq!(status, 201, "{endpoint}");
    let test_event = format!("/v1/admin/webhook-endpoints/{}/test", endpoint["endpoint"]["id"].as_str().unwrap());
    assert!(send(host.admin(reqwest::Method::POST, &test_event)).await.0 < 300);

    let after = scrape(&host).await;
    let moved = |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) - value(&before, name, labels);
    assert_eq!(moved("millwright_http_requests_total", &[("route", "/v1/work-orders"), ("method", "GET"), ("status", "200")]), 4.0);
    assert_eq!(moved("millwright_http_requests_total", &[("route", "/v1/work-orders/{id}"), ("status", "200")]), 1.0);
    assert_eq!(moved("millwright_http_requests_total", &[("route", "/v1/work-orders/{id}"), ("status", "404"), ("code", "not_found")]), 1.0);
    assert_eq!(moved("millwright_http_requests_total", &[("route", "unmatched"), ("status", "404"), ("code", "not_found")]), 1.0);
    assert_eq!(moved("millwright_http_requests_total", &[("status", "401"), ("code", "unauthorized")]), 1.0);
    assert_eq!(moved("millwright_http_requests_total", &[("status", "500"), ("code", "connector_failed")]), 1.0);
    assert!(moved("millwright_http_request_seconds_count", &[("route", "/v1/work-orders")]) >= 4.0);

    assert_eq!(moved("millwright_connector_calls_total", &[("connector", "maintainx"), ("operation", "list"), ("outcome", "ok")]), 4.0);
    assert_eq!(moved("millwright_connector_calls_total", &[("connector", "maintainx"), ("operation", "get"), ("outcome", "not_found")]), 1.0);
    assert!(moved("millwright_upstream_requests_total", &[("connector", "maintainx"), ("outcome", "2xx")]) >= 5.0);
    assert!(moved("millwright_upstream_requests_total", &[("connector", "maintainx"), ("outcome", "4xx")]) >= 1.0);
    assert!(moved("millwright_wasm_instantiations_total", &[("connector", "maintainx")]) >= 6.0);
    assert_eq!(moved("millwright_wasm_traps_total", &[("connector", "hostile")]), 1.0);
    assert_eq!(value(&after, "millwright_wasm_traps_total", &[("connector", "maintainx")]), 0.0);
    assert!(value(&after, "millwright_connections", &[("status", "active")]) >= 2.0);
    assert!(value(&after, "millwright_webhook_deliveries", &[("status", "pending")]) >= 1.0, "the backlog");
    // Read from partial indexes: pending and failed (0 included), never the delivered history.
    let deliveries = |status: &str| after.keys().any(|k| k.starts_with("millwright_webhook_deliveries{") && k.contains(&format!("status=\"{status}\"")));
    assert!(deliveries("failed") && !deliveries("delivered"), "{:?}", after.keys().filter(|k| k.contains("webhook_deliveries")).collect::<Vec<_>>());
    assert!(after.keys().any(|k| k.starts_with("millwright_compile_cache_hits_total") || k.starts_with("millwright_compile_cache_misses_total")));

    // Bounded labels: nothing identifying a connection, a record or a raw path.
    let text: String = after.keys().cloned().collect::<Vec<_>>().join("\n");
    for forbidden in [host.connection_id.as_str(), id.as_str(), "999999999", "secret-path-segment", "mw_test_"] {
        assert!(!text.contains(forbidden), "{forbidden} in a metric label");
    }
}

/// The MaintainX component declares an initial memory that covers its largest list page (200)
/// (`connectors/maintainx/build.rs`): its calls never grow it, so no instantiation has to shrink
/// a recycled slot back (an `mprotect` that interrupts every CPU).
#[tokio::test]
async fn full_list_pages_grow_no_guest_memory() {
    use millwright::runtime::RuntimeCounters;
    let host = Host::start().await;
    let counters = &host.app.runtime.counters;
    let calls = RuntimeCounters::of(&counters.instantiations, "maintainx");
    for path in ["/v1/work-orders?page_size=100&include_remote_data=true", "/v1/work-orders?page_size=200", "/v1/assets?page_size=100"] {
        let (status, body) = send(host.get(path)).await;
        assert_eq!(status, 200, "{body}");
        assert!(!body["data"].as_array().unwrap().is_empty(), "{path}");
    }
    assert!(RuntimeCounters::of(&counters.instantiations, "maintainx") >= calls + 3);
    assert_eq!(RuntimeCounters::of(&counters.memory_grows, "maintainx"), 0);
    let text = host.client.get(format!("{}/metrics", host.url)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("# TYPE millwright_wasm_memory_grows counter"), "exposed for operators");
}
