//! The module registry's install path with real components: each refusal (422
//! `validation_failed` naming the problem, 413, 415) stores nothing; a valid upload is listed and
//! inspected; activation needs the declared hosts approved; deactivate, rollback, delete; audit.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Host, Options, expect_problem, send};

/// An upload of raw module bytes.
pub fn upload(host: &Host, bytes: Vec<u8>) -> reqwest::RequestBuilder {
    host.admin(Method::POST, "/v1/admin/connectors").header("content-type", "application/wasm").body(bytes)
}

pub fn artifact(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The bytes with every occurrence of `from` replaced by `to` (same length, so every
/// length-prefixed name and section stays well formed).
fn patched(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut found = 0;
    let mut i = 0;
    while let Some(at) = out[i..].windows(from.len()).position(|w| w == from.as_bytes()) {
        out[i + at..i + at + from.len()].copy_from_slice(to.as_bytes());
        i += at + from.len();
        found += 1;
    }
    assert!(found > 0, "`{from}` occurs in the component");
    out
}

async fn installed_digests(host: &Host) -> Vec<String> {
    host.app.store.modules().await.unwrap().into_iter().map(|m| m.digest).collect()
}

async fn refused(host: &Host, bytes: Vec<u8>, needle: &str) {
    let before = installed_digests(host).await;
    let body = expect_problem(upload(host, bytes), 422, "validation_failed").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(needle), "`{needle}` in: {detail}");
    assert_eq!(installed_digests(host).await, before, "nothing stored for: {detail}");
}

#[tokio::test]
async fn refused_installs_name_the_problem_and_store_nothing() {
    let host = Host::with(Options {
        registry: millwright::registry::RegistryConfig { max_module_bytes: 8 << 20, require_signed: false },
        ..Default::default()
    })
    .await;
    let mx = artifact(millwright_artifacts::MAINTAINX);

    refused(&host, b"PK\x03\x04 a zip file".to_vec(), "not WebAssembly").await;
    // Past the API's 1 MiB JSON body limit, under the module limit: read and judged, not 413.
    refused(&host, vec![b'x'; 2 << 20], "not WebAssembly").await;
    // The smallest valid core module: a module, not a component.
    refused(&host, b"\0asm\x01\x00\x00\x00".to_vec(), "core WebAssembly module").await;
    refused(&host, patched(&mx, "millwright:connector/types@0.1.0", "millwright:connector/types@0.2.0"), "unsupported WIT version").await;
    refused(&host, patched(&mx, "millwright:connector/log@0.1.0", "millwright:connector/net@0.1.0"), "not part of the connector world").await;
    refused(&host, patched(&mx, "wasi:cli/", "evil:cli/"), "outside the connector world's imports and WASI 0.2").await;
    refused(&host, patched(&mx, "describe", "describx"), "does not export the millwright:connector@0.1 `connector` world").await;
    refused(&host, artifact(millwright_artifacts::PROBE_TRAP), "`describe` failed").await;
    // The installed MaintainX 0.1.0 plus a custom section: other bytes claiming the same version.
    let mut rebuilt = mx.clone();
    rebuilt.extend_from_slice(&[0, 3, 1, b'x', b'y']);
    refused(&host, rebuilt, "version `0.1.0` is already installed with different bytes").await;
    refused(&host, patched(&mx, r#""transform": "lowercase""#, r#""transform": "lowercasx""#), "invalid default rules for work_order").await;

    let before = installed_digests(&host).await;
    let big = host.admin(Method::POST, "/v1/admin/connectors").header("content-type", "application/wasm").body(vec![0u8; 9 << 20]);
    expect_problem(big, 413, "payload_too_large").await;
    let json = host.admin(Method::POST, "/v1/admin/connectors").json(&json!({"bytes": "AGFzbQ=="}));
    expect_problem(json, 415, "unsupported_media_type").await;
    assert_eq!(installed_digests(&host).await, before);
}

#[tokio::test]
async fn a_module_is_installed_inspected_activated_with_its_hosts_approved_and_retired() {
    let host = Host::start().await;
    let probe = artifact(millwright_artifacts::PROBE);
    let (status, v) = send(upload(&host, probe.clone())).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!((v["connector_id"].as_str(), v["version"].as_str(), v["active"].as_bool()), (Some("probe"), Some("1.0.0"), Some(false)));
    let digest = v["digest"].as_str().unwrap().to_string();
    assert_eq!(digest.len(), 64);
    let (status, again) = send(upload(&host, probe)).await;
    assert_eq!((status, again["digest"].as_str()), (200, Some(digest.as_str())), "the same bytes again change nothing");

    let (status, inspected) = send(host.admin(Method::GET, "/v1/admin/connectors/probe/versions/1.0.0")).await;
    assert_eq!(status, 200, "{inspected}");
    let d = &inspected["describe"];
    assert_eq!(d["auth"], json!(["bearer"]));
    assert_eq!(d["extra_hosts"], json!(["files.example.com"]));
    assert_eq!(d["entities"][0]["entity"], "work_order");
    assert_eq!(d["entities"][0]["operations"], json!(["list", "get"]));
    assert_eq!(d["entities"][0]["default_rules"], json!([{"target": "title", "source": "/title"}]));
    assert!(inspected["limits"]["memory_bytes"].as_u64().unwrap() > 0);

    // Not active yet: no connection can be made with it.
    let create = json!({"connector_id": "probe", "end_customer_id": "acme", "base_url": "https://probe.example.com", "credentials": {"api_key": "k"}});
    expect_problem(host.admin(Method::POST, "/v1/admin/connections").json(&create), 400, "invalid_request").await;

    let activate = |body: Value| host.admin(Method::POST, "/v1/admin/connectors/probe/versions/1.0.0/activate").json(&body);
    let e = expect_problem(activate(json!({})), 422, "validation_failed").await;
    assert!(e["detail"].as_str().unwrap().contains("files.example.com") && e["field"] == "approve_hosts", "{e}");
    let e = expect_problem(activate(json!({"approve_hosts": ["files.example.com", "evil.example.com"]})), 422, "validation_failed").await;
    assert!(e["detail"].as_str().unwrap().contains("evil.example.com"), "{e}");
    let (status, active) = send(activate(json!({"approve_hosts": ["files.example.com"]}))).await;
    assert_eq!(status, 200, "{active}");
    assert_eq!((active["active"].as_bool(), &active["approved_hosts"]), (Some(true), &json!(["files.example.com"])));

    let (status, created) = send(host.admin(Method::POST, "/v1/admin/connections").json(&create)).await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().unwrap().to_string();
    let list = || host.client.get(format!("{}/v1/work-orders", host.url)).bearer_auth(&token);
    let (status, page) = send(list()).await;
    assert_eq!((status, page["data"][0]["title"].as_str()), (200, Some("Probe")), "{page}");

    expect_problem(host.admin(Method::DELETE, "/v1/admin/connectors/probe/versions/1.0.0"), 422, "validation_failed").await;
    assert_eq!(send(host.admin(Method::POST, "/v1/admin/connectors/probe/deactivate")).await.0, 204);
    let e = expect_problem(list(), 409, "connection_disabled").await;
    assert!(e["detail"].as_str().unwrap().contains("no active version"), "{e}");
    let (status, back) = send(host.admin(Method::POST, "/v1/admin/connectors/probe/rollback")).await;
    assert_eq!((status, back["version"].as_str()), (200, Some("1.0.0")), "{back}");
    assert_eq!(send(list()).await.0, 200, "served again after the rollback");

    let (_, listed) = send(host.admin(Method::GET, "/v1/admin/connectors")).await;
    let ids: Vec<&str> = listed["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"probe") && ids.contains(&"maintainx"), "{listed}");

    assert_eq!(send(host.admin(Method::POST, "/v1/admin/connectors/probe/deactivate")).await.0, 204);
    assert_eq!(send(host.admin(Method::DELETE, "/v1/admin/connectors/probe/versions/1.0.0")).await.0, 204);
    expect_problem(host.admin(Method::GET, "/v1/admin/connectors/probe/versions/1.0.0"), 404, "not_found").await;
    assert!(!installed_digests(&host).await.contains(&digest));

    let (_, audit) = send(host.admin(Method::GET, "/v1/admin/audit-log?page_size=100")).await;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["connector.install", "connector.activate", "connector.deactivate", "connector.rollback", "connector.delete_version"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}

#[tokio::test]
async fn limit_overrides_apply_to_the_next_request() {
    let host = Host::start().await;
    let (_, token) = host.connect("hostile", &host.sandbox.maintainx_base_url(), &[("api_key", "k"), ("mode", "well_behaved")], &[]).await;
    let list = || host.client.get(format!("{}/v1/work-orders", host.url)).bearer_auth(&token);
    assert_eq!(send(list()).await.0, 200);

    let limits = |body: Value| host.admin(Method::PUT, "/v1/admin/connectors/hostile/limits").json(&body);
    let e = expect_problem(limits(json!({"memory_bytes": 1u64 << 40})), 422, "validation_failed").await;
    assert_eq!(e["field"], "memory_bytes");
    expect_problem(limits(json!({"memory": 1})), 422, "validation_failed").await;
    // Less memory than the guest's initial linear memory: its very instantiation is refused.
    let (status, view) = send(limits(json!({"memory_bytes": 1u64 << 20, "outbound_concurrency": 2}))).await;
    assert_eq!((status, view["effective"]["memory_bytes"].as_u64()), (200, Some(1 << 20)), "{view}");
    assert_eq!(view["effective"]["outbound_concurrency"], 2);
    let e = expect_problem(list(), 500, "connector_failed").await;
    assert_eq!(e["reason"], "memory_limit", "{e}");

    let (status, view) = send(limits(json!({}))).await;
    assert_eq!((status, &view["overrides"]), (200, &json!({})));
    assert_eq!(send(list()).await.0, 200, "the defaults again");
}
