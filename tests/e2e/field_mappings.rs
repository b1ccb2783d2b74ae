//! Per-connection field mappings against the MaintainX emulator seeded as a customised plant
//! (extra fields with the plant's own status codes and an epoch-seconds date): view, change,
//! validation, history and restore, preview, discovery, writes, and mapping plugins replaced
//! while requests run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Host, Options, expect_problem, send};

const BASE: &str = "/v1/admin/connections";

async fn plant() -> Host {
    Host::with(Options { plant_custom_fields: true, work_orders: 60, ..Default::default() }).await
}

fn mappings(host: &Host, rest: &str) -> String {
    format!("{BASE}/{}/field-mappings{rest}", host.connection_id)
}

async fn put_rules(host: &Host, rules: Value) -> (u16, Value) {
    send(host.admin(Method::PUT, &mappings(host, "/work-orders")).json(&json!({ "rules": rules }))).await
}

async fn work_orders(host: &Host) -> Vec<Value> {
    let (status, body) = send(host.get("/v1/work-orders?page_size=20")).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn view_shows_defaults_then_overrides() {
    let host = plant().await;
    let (status, body) = send(host.admin(Method::GET, &mappings(&host, ""))).await;
    assert_eq!(status, 200, "{body}");
    let wo = body["data"].as_array().unwrap().iter().find(|e| e["entity"] == "work-orders").unwrap().clone();
    let status_field = wo["fields"].as_array().unwrap().iter().find(|f| f["field"] == "status").unwrap();
    assert_eq!(status_field["origin"], "default");
    assert_eq!(status_field["rule"]["source"], "/status");
    assert!(wo["custom_fields"].as_array().unwrap().iter().any(|c| c["spread"] == true), "extraFields spread: {wo}");
    assert_eq!((wo["version"].clone(), wo["overrides"].clone(), wo["mapper"].clone()), (Value::Null, json!([]), Value::Null));

    let (status, saved) = put_rules(&host, json!([{"target": {"custom_field": "Plant code"}, "source": "/extraFields/Plant Status"}])).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 1);
    let (_, one) = send(host.admin(Method::GET, &mappings(&host, "/work-orders"))).await;
    let custom = one["custom_fields"].as_array().unwrap();
    assert!(custom.iter().any(|c| c["name"] == "Plant code" && c["origin"] == "override"), "{one}");
    let (_, audit) = send(host.admin(Method::GET, "/v1/admin/audit-log")).await;
    assert_eq!(audit["data"][0]["action"], "field_mapping.replace");
}

#[tokio::test]
async fn a_custom_field_status_map_and_epoch_date_take_effect_on_the_next_request() {
    let host = plant().await;
    let before = work_orders(&host).await;
    assert!(before.iter().all(|r| r["custom_fields"].get("Plant code").is_none()));
    let rules = json!([
        {"target": {"custom_field": "Plant code"}, "source": "/extraFields/Plant Status"},
        {"target": "status", "source": "/extraFields/Plant Status",
         "transform": {"enum": {"ZR01": "open", "ZW02": "on_hold", "ZC03": "completed", "ZX09": "cancelled"}}},
        {"target": "remote_status", "source": "/extraFields/Plant Status"},
        {"target": {"custom_field": "Inspected"}, "source": "/extraFields/Inspected At", "transform": {"timestamp": "epoch_s"}},
    ]);
    let (status, body) = put_rules(&host, rules).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["warnings"], json!([]), "every pointer is in the samples");
    let after = work_orders(&host).await;
    let expected = |code: &str| match code {
        "ZR01" => "open",
        "ZW02" => "on_hold",
        "ZC03" => "completed",
        _ => "cancelled",
    };
    for record in &after {
        let code = record["custom_fields"]["Plant code"].as_str().unwrap_or_else(|| panic!("Plant code in {record}"));
        assert_eq!(record["status"], expected(code), "{record}");
        assert_eq!(record["remote_status"], code);
        // `Inspected At` is the record's update time in epoch seconds.
        let inspected = record["custom_fields"]["Inspected"].as_str().unwrap();
        let updated = chrono::DateTime::parse_from_rfc3339(record["updated_at"].as_str().unwrap()).unwrap();
        assert_eq!(chrono::DateTime::parse_from_rfc3339(inspected).unwrap().timestamp(), updated.timestamp(), "{record}");
        assert!(record.get("mapping_warnings").is_none());
    }
    // The same mapping on `get`.
    let id = after[0]["id"].as_str().unwrap();
    let (_, one) = send(host.get(&format!("/v1/work-orders/{id}"))).await;
    assert_eq!(one["custom_fields"]["Plant code"], after[0]["custom_fields"]["Plant code"]);
    assert_eq!(one["status"], after[0]["status"]);
}

#[tokio::test]
async fn invalid_rules_are_refused_precisely_and_nothing_is_saved() {
    let host = plant().await;
    let cases = [
        (json!([{"target": "title", "source": "/title"}, {"target": "no_such_field", "source": "/x"}]), 1, "unknown_target"),
        (json!([{"target": "title", "source": "/a/~2"}]), 0, "invalid_pointer"),
        (json!([{"target": "title", "source": "/title", "transform": "rot13"}]), 0, "unknown_transform"),
        (json!([{"target": "due_at", "source": "/title", "transform": "bool"}]), 0, "type_mismatch"),
        (json!({"target": "title"}), 0, "not_an_array"),
    ];
    for (rules, index, code) in cases {
        let body = expect_problem(host.admin(Method::PUT, &mappings(&host, "/work-orders")).json(&json!({"rules": rules})), 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], code, "{body}");
        assert_eq!(body["errors"][0]["rule"], index, "{body}");
        assert_eq!(body["field"], format!("rules[{index}]"));
        // The same refusal from the preview.
        let preview = expect_problem(host.admin(Method::POST, &mappings(&host, "/work-orders/preview")).json(&json!({"rules": rules})), 422, "validation_failed").await;
        assert_eq!(preview["errors"][0]["code"], code);
    }
    expect_problem(host.admin(Method::PUT, &mappings(&host, "/work-orders")).json(&json!({"rulez": []})), 422, "validation_failed").await;
    expect_problem(host.admin(Method::PUT, &mappings(&host, "/gizmos")).json(&json!({"rules": []})), 404, "not_found").await;
    let (_, history) = send(host.admin(Method::GET, &mappings(&host, "/work-orders/versions"))).await;
    assert_eq!(history["data"], json!([]), "nothing saved");

    // A pointer absent from the samples is a warning, not an error.
    let (status, body) = put_rules(&host, json!([{"target": {"custom_field": "Legacy"}, "source": "/legacyCode"}])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["warnings"][0]["code"], "pointer_not_found", "{body}");
    assert_eq!(body["warnings"][0]["pointer"], "/legacyCode");

    // Read-only operators look but do not change.
    let token = millwright::tokens::mint("admin");
    host.app.store.insert_admin_token("adm_ro", "viewer", &token.hash, &token.prefix, "read_only").await.unwrap();
    let put = host.client.put(format!("{}{}", host.url, mappings(&host, "/work-orders"))).bearer_auth(&token.plaintext).json(&json!({"rules": []}));
    expect_problem(put, 403, "forbidden").await;
    let get = host.client.get(format!("{}{}", host.url, mappings(&host, "/work-orders"))).bearer_auth(&token.plaintext);
    assert_eq!(send(get).await.0, 200);
}

#[tokio::test]
async fn a_value_that_fails_to_convert_nulls_the_field_and_warns() {
    let host = plant().await;
    let (status, body) = put_rules(&host, json!([{"target": "due_at", "source": "/extraFields/Shift", "transform": {"timestamp": "iso8601"}}])).await;
    assert_eq!(status, 200, "{body}");
    for record in work_orders(&host).await {
        assert_eq!(record["due_at"], Value::Null);
        assert_eq!(record["mapping_warnings"][0]["field"], "due_at", "{record}");
    }
}

#[tokio::test]
async fn history_restore_and_reset() {
    let host = plant().await;
    let a = json!([{"target": {"custom_field": "A"}, "source": "/extraFields/Shift"}]);
    let b = json!([{"target": {"custom_field": "B"}, "source": "/extraFields/Shift"}]);
    assert_eq!(put_rules(&host, a.clone()).await.0, 200);
    assert_eq!(put_rules(&host, b.clone()).await.0, 200);
    assert!(work_orders(&host).await.iter().all(|r| r["custom_fields"].get("B").is_some() && r["custom_fields"].get("A").is_none()));

    let (status, restored) = send(host.admin(Method::POST, &mappings(&host, "/work-orders/versions/1/restore"))).await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["version"], 3);
    assert!(work_orders(&host).await.iter().all(|r| r["custom_fields"].get("A").is_some() && r["custom_fields"].get("B").is_none()));

    let (_, history) = send(host.admin(Method::GET, &mappings(&host, "/work-orders/versions?page_size=2"))).await;
    let data = history["data"].as_array().unwrap();
    assert_eq!((data[0]["version"].clone(), data[0]["action"].clone(), data[0]["restored_from"].clone()), (json!(3), json!("restore"), json!(1)));
    assert_eq!(data[0]["rules"], a);
    assert_eq!(data[0]["previous_rules"], b, "before and after");
    assert_eq!(data[0]["actor"], "env");
    let (_, older) = send(host.admin(Method::GET, &mappings(&host, &format!("/work-orders/versions?cursor={}", history["next_cursor"].as_str().unwrap())))).await;
    assert_eq!(older["data"][0]["version"], 1);
    expect_problem(host.admin(Method::POST, &mappings(&host, "/work-orders/versions/99/restore")), 404, "not_found").await;

    let (status, reset) = send(host.admin(Method::DELETE, &mappings(&host, "/work-orders"))).await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!((reset["version"].clone(), reset["overrides"].clone()), (json!(4), json!([])));
    assert!(work_orders(&host).await.iter().all(|r| r["custom_fields"].get("A").is_none() && r["custom_fields"]["Shift"].is_string()));
}

#[tokio::test]
async fn preview_and_source_fields_use_real_records_and_save_nothing() {
    let host = plant().await;
    let (status, fields) = send(host.admin(Method::GET, &mappings(&host, "/work-orders/source-fields"))).await;
    assert_eq!(status, 200, "{fields}");
    assert!(fields["sampled_records"].as_u64().unwrap() > 0);
    let find = |p: &str| fields["data"].as_array().unwrap().iter().find(|f| f["pointer"] == p).cloned().unwrap_or_else(|| panic!("{p} in {fields}"));
    let plant_status = find("/extraFields/Plant Status");
    assert_eq!(plant_status["types"], json!(["string"]));
    assert!(plant_status["examples"].as_array().unwrap().iter().all(|e| e.as_str().unwrap().starts_with('Z')));
    assert_eq!(find("/extraFields/Inspected At")["formats"], json!(["numeric_string"]));
    assert_eq!(find("/updatedAt")["formats"], json!(["iso8601"]));

    let rules = json!([{"target": "title", "source": "/extraFields/Plant Status"}]);
    let (status, preview) = send(host.admin(Method::POST, &mappings(&host, "/work-orders/preview")).json(&json!({"rules": rules}))).await;
    assert_eq!(status, 200, "{preview}");
    for row in preview["data"].as_array().unwrap() {
        assert_eq!(row["id"], row["before"]["id"]);
        assert_ne!(row["before"]["title"], row["after"]["title"]);
        assert_eq!(row["after"]["title"], row["after"]["custom_fields"]["Plant Status"], "{row}");
    }
    let (_, view) = send(host.admin(Method::GET, &mappings(&host, "/work-orders"))).await;
    assert_eq!(view["version"], Value::Null, "a preview saves nothing");
}

#[tokio::test]
async fn writes_apply_reversible_rules_to_custom_fields() {
    let host = plant().await;
    let rules = json!([{"target": {"custom_field": "Cost centre"}, "source": "/extraFields/Cost Center"}]);
    assert_eq!(put_rules(&host, rules).await.0, 200);
    let (status, created) = send(host.post("/v1/work-orders", &json!({"title": "Grease bearings", "custom_fields": {"Cost centre": "CC-9", "Line": "4"}}))).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["custom_fields"]["Cost centre"], "CC-9", "{created}");
    let id = created["id"].as_str().unwrap();
    let (_, raw) = send(host.get(&format!("/v1/work-orders/{id}?include_remote_data=true"))).await;
    assert_eq!(raw["remote_data"]["extraFields"]["Cost Center"], "CC-9", "written where the rule reads: {raw}");
    assert_eq!(raw["remote_data"]["extraFields"]["Line"], "4", "unmapped custom fields go through the spread");
    let (status, patched) = send(host.patch(&format!("/v1/work-orders/{id}"), &json!({"custom_fields": {"Cost centre": "CC-1"}}))).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["custom_fields"]["Cost centre"], "CC-1");

    // A custom field whose rule cannot be inverted is refused before the system sees the write.
    let rules = json!([{"target": {"custom_field": "Both"}, "source": "{/extraFields/Shift}-{/extraFields/Cost Center}"}]);
    assert_eq!(put_rules(&host, rules).await.0, 200);
    let before = host.sandbox.request_count();
    let body = expect_problem(host.post("/v1/work-orders", &json!({"title": "x", "custom_fields": {"Both": "a-b"}})), 422, "validation_failed").await;
    assert_eq!(body["field"], "custom_fields.Both");
    assert_eq!(host.sandbox.request_count(), before, "nothing reached the system");
}

/// Two rule sets that fill two custom fields from one source each: a record mixing them would
/// show `X` from one set and `Y` from the other.
#[tokio::test]
async fn concurrent_requests_during_a_change_never_mix_mappings() {
    let host = Arc::new(plant().await);
    let set = |source: &str| json!([{"target": {"custom_field": "X"}, "source": source}, {"target": {"custom_field": "Y"}, "source": source}]);
    let (a, b) = (set("/extraFields/Shift"), set("/extraFields/Cost Center"));
    assert_eq!(put_rules(&host, a.clone()).await.0, 200);
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (host, stop) = (host.clone(), stop.clone());
            tokio::spawn(async move {
                let mut seen = 0;
                while !stop.load(Ordering::Relaxed) {
                    for record in work_orders(&host).await {
                        assert_eq!(record["custom_fields"]["X"], record["custom_fields"]["Y"], "one mapping per record: {record}");
                        seen += 1;
                    }
                }
                seen
            })
        })
        .collect();
    for i in 0..6 {
        let rules = if i % 2 == 0 { &b } else { &a };
        assert_eq!(put_rules(&host, rules.clone()).await.0, 200);
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        assert!(r.await.unwrap() > 0);
    }
    // The last change is what the next request sees.
    assert!(work_orders(&host).await.iter().all(|r| r["custom_fields"]["X"] == r["custom_fields"]["Shift"]));
}

async fn attach(host: &Host, path: &str) -> (u16, Value) {
    let bytes = std::fs::read(path).unwrap();
    send(host.admin(Method::PUT, &mappings(host, "/work-orders/mapper")).header("content-type", "application/wasm").body(bytes)).await
}

#[tokio::test]
async fn a_mapping_plugin_runs_after_the_rules_and_is_replaced_while_requests_run() {
    let host = Arc::new(plant().await);
    let (status, body) = attach(&host, millwright_artifacts::MAPPER_V1).await;
    assert_eq!(status, 200, "{body}");
    for record in work_orders(&host).await {
        assert_eq!(record["custom_fields"]["plugin"], "v1", "{record}");
        assert!(record["custom_fields"]["source_keys"].as_u64().unwrap() > 5);
        assert!(record["custom_fields"]["Shift"].is_string(), "the rules ran first");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (host, stop) = (host.clone(), stop.clone());
            tokio::spawn(async move {
                let mut versions = std::collections::BTreeSet::new();
                while !stop.load(Ordering::Relaxed) {
                    let page = work_orders(&host).await;
                    let stamps: std::collections::BTreeSet<String> = page.iter().map(|r| r["custom_fields"]["plugin"].as_str().unwrap().to_string()).collect();
                    assert_eq!(stamps.len(), 1, "a response is wholly from one plugin: {stamps:?}");
                    versions.extend(stamps);
                }
                versions
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, body) = attach(&host, millwright_artifacts::MAPPER_V2).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["replaced"], true);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.expect("no reader failed");
    }
    for record in work_orders(&host).await {
        assert_eq!(record["custom_fields"]["plugin"], "v2");
        assert_eq!(record["title"], record["title"].as_str().unwrap().to_uppercase());
    }

    // A record the plugin refuses keeps the rules' output, with a warning.
    let (_, created) = send(host.post("/v1/work-orders", &json!({"title": "Check [refuse] valve"}))).await;
    assert_eq!(created["title"], "Check [refuse] valve", "{created}");
    assert_eq!(created["mapping_warnings"][0]["field"], "mapper", "{created}");

    let (status, _) = send(host.admin(Method::DELETE, &mappings(&host, "/work-orders/mapper"))).await;
    assert_eq!(status, 204);
    assert!(work_orders(&host).await.iter().all(|r| r["custom_fields"].get("plugin").is_none()));
    expect_problem(host.admin(Method::DELETE, &mappings(&host, "/work-orders/mapper")), 404, "not_found").await;
}

#[tokio::test]
async fn mapping_plugin_uploads_are_validated() {
    let host = plant().await;
    let wrong_type = host.admin(Method::PUT, &mappings(&host, "/work-orders/mapper")).header("content-type", "application/json").body("{}");
    expect_problem(wrong_type, 415, "unsupported_media_type").await;
    let not_wasm = host.admin(Method::PUT, &mappings(&host, "/work-orders/mapper")).header("content-type", "application/wasm").body("nope");
    expect_problem(not_wasm, 422, "validation_failed").await;
    let connector = std::fs::read(millwright_artifacts::TEMPLATE).unwrap();
    let wrong_world = host.admin(Method::PUT, &mappings(&host, "/work-orders/mapper")).header("content-type", "application/wasm").body(connector);
    let body = expect_problem(wrong_world, 422, "validation_failed").await;
    assert!(body["detail"].as_str().unwrap().contains("mapper"), "{body}");
    let (_, view) = send(host.admin(Method::GET, &mappings(&host, "/work-orders"))).await;
    assert_eq!(view["mapper"], Value::Null, "nothing attached");
}

/// A change saved through one replica is what the next request on another replica maps with
/// (`config_version`), with no restart and no cache in between.
#[tokio::test]
async fn a_change_on_one_replica_reaches_the_next_request_on_another() {
    let replicas = crate::harness::TwoReplicas::start().await;
    let on_b = || async { replicas.page_on_b().await["data"].as_array().unwrap().clone() };
    assert!(on_b().await.iter().all(|r| r["custom_fields"].get("Moved").is_none()), "B serves the defaults");

    let rules = json!([{"target": {"custom_field": "Moved"}, "source": "/extraFields/Shift"}]).to_string();
    let change = millwright::store::NewMappingVersion { connection_id: &replicas.connection_id, entity: "work_order", action: "replace", restored_from: None, rules_json: &rules, actor: "test" };
    replicas.a.store.save_field_mapping(&change).await.expect("saved through A");
    assert!(on_b().await.iter().all(|r| r["custom_fields"]["Moved"] == r["custom_fields"]["Shift"]), "B maps with A's change on its next request");
    replicas.stop().await;
}
