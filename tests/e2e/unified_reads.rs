//! Reads through the unified API: lists, paging, filters, single records, capabilities,
//! passthrough.

use std::collections::HashSet;

use millwright_model::{Entity, FieldKind};
use serde_json::{Value, json};

use crate::harness::{Host, Options, send};

fn assert_unified_work_order(record: &Value) {
    let obj = record.as_object().expect("a record is an object");
    for field in Entity::WorkOrder.fields() {
        if matches!(field.name, "remote_data" | "mapping_warnings") {
            continue;
        }
        assert!(obj.contains_key(field.name), "field `{}` missing from {record}", field.name);
        let value = &obj[field.name];
        if let FieldKind::Enum(values) = field.kind
            && let Some(v) = value.as_str()
        {
            assert!(values.contains(&v), "{} = {v} is not a unified value", field.name);
        }
    }
    assert!(obj["id"].is_string());
    assert!(obj["custom_fields"].is_object());
    assert!(!obj.contains_key("remote_data"), "remote_data only on request");
    let updated = obj["updated_at"].as_str().expect("updated_at");
    assert!(updated.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(updated).is_ok(), "{updated}");
}

#[tokio::test]
async fn lists_work_orders_in_the_unified_shape() {
    let host = Host::start().await;
    let (status, body) = send(host.get("/v1/work-orders?page_size=5")).await;
    assert_eq!(status, 200, "{body}");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 5);
    data.iter().for_each(assert_unified_work_order);
    assert!(body["next_cursor"].is_string());
    // MaintainX's statuses and priorities are kept beside the unified ones.
    assert!(data.iter().all(|r| r["remote_status"].is_string()));
}

#[tokio::test]
async fn paging_visits_every_record_exactly_once() {
    let host = Host::with(Options { work_orders: 40, ..Default::default() }).await;
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/work-orders?page_size=7&cursor={c}"),
            None => "/v1/work-orders?page_size=7".to_string(),
        };
        let (status, body) = send(host.get(&path)).await;
        assert_eq!(status, 200, "{body}");
        for r in body["data"].as_array().unwrap() {
            assert!(seen.insert(r["id"].as_str().unwrap().to_string()), "duplicate {}", r["id"]);
        }
        pages += 1;
        assert!(pages < 20, "paging does not end");
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 40);
}

#[tokio::test]
async fn modified_after_is_inclusive_and_ascending() {
    let host = Host::start().await;
    let (_, body) = send(host.get("/v1/work-orders?page_size=50")).await;
    let mut stamps: Vec<(String, String)> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["updated_at"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
        .collect();
    stamps.sort();
    let (pivot, pivot_id) = stamps[stamps.len() / 2].clone();
    let (status, body) = send(host.get(&format!("/v1/work-orders?page_size=100&modified_after={pivot}"))).await;
    assert_eq!(status, 200, "{body}");
    let data = body["data"].as_array().unwrap();
    assert!(!data.is_empty());
    let got: Vec<&str> = data.iter().map(|r| r["updated_at"].as_str().unwrap()).collect();
    assert!(got.iter().all(|t| parse(t) >= parse(&pivot)), "records before {pivot}: {got:?}");
    assert!(got.windows(2).all(|w| parse(w[0]) <= parse(w[1])), "not ascending: {got:?}");
    assert!(data.iter().any(|r| r["id"] == pivot_id.as_str()), "the boundary record is included");
}

fn parse(ts: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(ts).unwrap()
}

#[tokio::test]
async fn filters_by_status() {
    let host = Host::start().await;
    let (status, body) = send(host.get("/v1/work-orders?status=in_progress&page_size=20")).await;
    assert_eq!(status, 200, "{body}");
    let data = body["data"].as_array().unwrap();
    assert!(!data.is_empty(), "the data set has work orders in progress");
    assert!(data.iter().all(|r| r["status"] == "in_progress"), "{body}");
}

#[tokio::test]
async fn gets_one_record_with_remote_data() {
    let host = Host::start().await;
    let (_, page) = send(host.get("/v1/work-orders?page_size=1")).await;
    let id = page["data"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = send(host.get(&format!("/v1/work-orders/{id}?include_remote_data=true"))).await;
    assert_eq!(status, 200, "{body}");
    assert_unified_work_order(&json!(body.as_object().unwrap().iter().filter(|(k, _)| *k != "remote_data").map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>()));
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["remote_data"]["id"].to_string().trim_matches('"'), id, "remote_data is the system's record");
    assert_eq!(body["title"], body["remote_data"]["title"]);
}

#[tokio::test]
async fn every_entity_lists() {
    let host = Host::start().await;
    for entity in Entity::ALL {
        let (status, body) = send(host.get(&format!("/v1/{}?page_size=3", entity.path_segment()))).await;
        assert_eq!(status, 200, "{}: {body}", entity.path_segment());
        let data = body["data"].as_array().unwrap();
        assert!(!data.is_empty(), "{} is empty", entity.path_segment());
        for r in data {
            for field in entity.fields().iter().filter(|f| !matches!(f.name, "remote_data" | "mapping_warnings")) {
                assert!(r.get(field.name).is_some(), "{}.{} missing", entity.name(), field.name);
            }
        }
    }
}

#[tokio::test]
async fn describes_the_connection() {
    let host = Host::start().await;
    let (status, body) = send(host.get("/v1/connection")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], host.connection_id.as_str());
    assert_eq!(body["connector"]["id"], "maintainx");
    assert_eq!(body["status"], "active");
    let entities = body["capabilities"]["entities"].as_array().unwrap();
    let wo = entities.iter().find(|e| e["entity"] == "work_order").expect("work orders");
    assert_eq!(wo["operations"], json!(["list", "get", "create", "update"]));
    assert!(wo["filters"].as_array().unwrap().contains(&json!("status")));
    assert!(wo["supported_fields"].as_array().unwrap().contains(&json!("title")));
    assert_eq!(entities.len(), 8);
}

#[tokio::test]
async fn passthrough_returns_the_systems_answer() {
    let host = Host::start().await;
    let (status, body) = send(host.post("/v1/passthrough", &json!({"method": "GET", "path": "/workorders", "query": {"limit": "2"}}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], 200);
    assert_eq!(body["body"]["workOrders"].as_array().unwrap().len(), 2);
    // The system's own errors come back inside a 200.
    let (status, body) = send(host.post("/v1/passthrough", &json!({"method": "GET", "path": "/workorders/999999999"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], 404);
}

/// The end-to-end smoke run on PostgreSQL (the full suite runs on SQLite).
#[tokio::test]
async fn smoke_on_postgres() {
    let pg = crate::databases::fresh_postgres().await;
    let host = Host::with(Options { database_url: Some(pg.url.clone()), ..Default::default() }).await;
    assert!(host.app.store.is_postgres());
    let (status, body) = send(host.get("/v1/work-orders?page_size=3")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 3);
    let (status, created) = send(host.post("/v1/work-orders", &json!({"title": "On PostgreSQL"}))).await;
    assert_eq!(status, 201, "{created}");
    let (status, _) = send(host.admin(reqwest::Method::GET, "/v1/admin/connections")).await;
    assert_eq!(status, 200);
    host.app.store.close().await;
}
