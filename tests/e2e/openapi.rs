//! The OpenAPI document against the real host: every documented operation is routed, no route is
//! registered outside the documenting router, and real answers (success and problem+json) from
//! the emulator-backed host validate against the document's schemas.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{ADMIN_TOKEN, Host, send};

/// The document, fetched from the server.
pub async fn document(host: &Host) -> Value {
    let resp = host.client.get(format!("{}/openapi.json", host.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// `#/…` refs replaced by what they point at (the document's refs are not recursive).
fn inline(doc: &Value, schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let target = doc.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {r}"));
                return inline(doc, target);
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), inline(doc, v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inline(doc, v)).collect()),
        other => other.clone(),
    }
}

/// The documented path template a concrete path falls under (`{x}` matches one segment;
/// literal segments win over parameters).
fn template<'d>(doc: &'d Value, path: &str) -> Option<&'d str> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(&str, usize)> = None;
    for candidate in doc["paths"].as_object()?.keys() {
        let parts: Vec<&str> = candidate.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let literal = parts.iter().zip(&segments).filter(|(p, s)| p == s).count();
        let matches = parts.iter().zip(&segments).all(|(p, s)| p == s || (p.starts_with('{') && p.ends_with('}')));
        if matches && best.is_none_or(|(_, n)| literal > n) {
            best = Some((candidate.as_str(), literal));
        }
    }
    best.map(|(t, _)| t)
}

/// The operation a request falls under, if the document has one for its path and method.
pub fn operation<'d>(doc: &'d Value, method: &str, path: &str) -> Option<&'d Value> {
    let template = template(doc, path.split('?').next().unwrap())?;
    doc["paths"][template].get(method.to_lowercase()).filter(|op| op.is_object())
}

/// The codes the document lists for this operation's `status` response.
pub fn documented_codes(op: &Value, status: u16) -> Vec<String> {
    op["responses"][status.to_string()]["content"]["application/problem+json"]["schema"]["properties"]["code"]["enum"]
        .as_array()
        .map(|codes| codes.iter().filter_map(|c| c.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// Validates a real answer against the document's response for its status.
fn check(doc: &Value, method: &Method, path: &str, status: u16, body: &Value) {
    let path_only = path.split('?').next().unwrap();
    let template = template(doc, path_only).unwrap_or_else(|| panic!("{path_only} matches no documented path"));
    let op = &doc["paths"][template][method.as_str().to_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    let response = &op["responses"][status.to_string()];
    assert!(response.is_object(), "{method} {template} answered {status}, which it does not document: {body}");
    let Some(content) = response["content"].as_object() else { return };
    let Some((_, media)) = content.iter().find(|(t, _)| t.contains("json")) else { return };
    let schema = inline(doc, &media["schema"]);
    let validator = jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{method} {template} {status}: schema does not compile: {e}"));
    let errors: Vec<String> = validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{method} {path} → {status} does not match its schema:\n{}\nbody: {body}", errors.join("\n"));
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let host = Host::start().await;
    let doc = document(&host).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = std::collections::HashSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
            let concrete = path.split('/').map(|s| if s.starts_with('{') { "zz" } else { s }).collect::<Vec<_>>().join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = send(host.client.request(method.clone(), format!("{}{concrete}", host.url))).await;
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            assert!(!(status == 404 && body["detail"] == "no such route"), "{method} {path} is documented but not routed");
        }
    }
    assert!(operations > 70, "only {operations} operations documented");
    // Security, errors and webhooks are part of every document.
    assert_eq!(doc["components"]["securitySchemes"]["connection_token"]["scheme"], "bearer");
    assert_eq!(doc["components"]["securitySchemes"]["admin_token"]["scheme"], "bearer");
    assert!(doc["webhooks"]["connection.reauth_required"]["post"]["requestBody"].is_object());
    let list = &doc["paths"]["/v1/work-orders"]["get"];
    assert_eq!(list["security"], json!([{ "connection_token": [] }]));
    let not_found = list["responses"]["401"]["content"]["application/problem+json"]["schema"]["properties"]["code"]["enum"].clone();
    assert_eq!(not_found, json!(["unauthorized"]));
    // The docs page is self-contained: no script or style from elsewhere.
    let page = host.client.get(format!("{}/docs", host.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Redoc.init(\"/openapi.json\""), "docs page loads the document");
    assert!(!page.contains("<script src=\"http") && !page.contains("<link href=\"http"), "the docs page loads nothing from the internet");
}

/// The documenting router is the only way routes are added: a plain axum `.route(` anywhere in
/// the host would serve a path the document does not describe.
#[test]
fn no_route_is_registered_outside_the_document() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = vec![];
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") {
                        continue;
                    }
                    if [".route(", ".route_service(", ".nest(", ".nest_service("].iter().any(|p| code.contains(p)) {
                        offenders.push(format!("{}:{}: {}", path.display(), n + 1, code));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "routes registered outside `api_route` (undocumented):\n{}", offenders.join("\n"));
}

#[tokio::test]
async fn real_responses_validate_against_the_document() {
    let host = Host::start().await;
    let doc = document(&host).await;
    let conn = host.connection_id.clone();
    let hit = |method: Method, path: String, body: Option<Value>, admin: bool| {
        let mut req = host.client.request(method.clone(), format!("{}{path}", host.url)).bearer_auth(if admin { ADMIN_TOKEN } else { host.token.as_str() });
        if let Some(b) = body {
            req = req.json(&b);
        }
        let doc = &doc;
        async move {
            let (status, body) = send(req).await;
            check(doc, &method, &path, status, &body);
            (status, body)
        }
    };

    // Unified reads of every entity, a record, and the connection.
    for segment in ["work-orders", "assets", "locations", "parts", "purchase-orders", "vendors", "users", "maintenance-requests"] {
        let (status, page) = hit(Method::GET, format!("/v1/{segment}?page_size=5&include_remote_data=true"), None, false).await;
        assert_eq!(status, 200, "{segment}: {page}");
        if let Some(id) = page["data"][0]["id"].as_str() {
            let (status, _) = hit(Method::GET, format!("/v1/{segment}/{id}"), None, false).await;
            assert_eq!(status, 200);
        }
    }
    let (status, created) = hit(Method::POST, "/v1/work-orders".into(), Some(json!({ "title": "Replace the pump seal", "priority": "high" })), false).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(hit(Method::PATCH, format!("/v1/work-orders/{id}"), Some(json!({ "status": "in_progress" })), false).await.0, 200);
    assert_eq!(hit(Method::GET, "/v1/connection".into(), None, false).await.0, 200);
    let (status, _) = hit(Method::POST, "/v1/passthrough".into(), Some(json!({ "method": "GET", "path": "/v1/users" })), false).await;
    assert_eq!(status, 200);

    // Errors are documented problems with documented codes.
    assert_eq!(hit(Method::GET, "/v1/work-orders/999999999".into(), None, false).await.0, 404);
    assert_eq!(hit(Method::GET, "/v1/work-orders?page_size=0".into(), None, false).await.0, 400);
    assert_eq!(hit(Method::POST, "/v1/work-orders".into(), Some(json!({ "priority": "nope" })), false).await.0, 422);
    let (status, _) = send(host.client.get(format!("{}/v1/assets", host.url))).await;
    assert_eq!(status, 401);
    check(&doc, &Method::GET, "/v1/assets", 401, &json!({ "type": "https://millwright.dev/problems/unauthorized", "title": "Unauthorized", "status": 401, "detail": "x", "code": "unauthorized", "request_id": "req_1" }));

    // The operator API.
    for path in [
        "/v1/admin/connections".to_string(),
        format!("/v1/admin/connections/{conn}"),
        format!("/v1/admin/connections/{conn}/tokens"),
        format!("/v1/admin/connections/{conn}/health"),
        format!("/v1/admin/connections/{conn}/health-history"),
        format!("/v1/admin/connections/{conn}/field-mappings"),
        format!("/v1/admin/connections/{conn}/field-mappings/work-orders"),
        format!("/v1/admin/connections/{conn}/field-mappings/work-orders/versions"),
        format!("/v1/admin/connections/{conn}/field-mappings/work-orders/source-fields"),
        "/v1/admin/end-customers".to_string(),
        "/v1/admin/connectors".to_string(),
        "/v1/admin/connectors/maintainx".to_string(),
        "/v1/admin/connectors/maintainx/limits".to_string(),
        "/v1/admin/trusted-keys".to_string(),
        "/v1/admin/runtime".to_string(),
        "/v1/admin/audit-log".to_string(),
        "/v1/admin/webhook-events".to_string(),
    ] {
        let (status, body) = hit(Method::GET, path.clone(), None, true).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, connector) = hit(Method::GET, "/v1/admin/connectors/maintainx".into(), None, true).await;
    let version = connector["active_version"].as_str().unwrap().to_string();
    assert_eq!(hit(Method::GET, format!("/v1/admin/connectors/maintainx/versions/{version}"), None, true).await.0, 200);
    let rules = json!({ "rules": [{ "target": { "custom_field": "Plant" }, "source": "/extraFields/Plant" }] });
    let (status, body) = hit(Method::PUT, format!("/v1/admin/connections/{conn}/field-mappings/work-orders"), Some(rules.clone()), true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(hit(Method::POST, format!("/v1/admin/connections/{conn}/field-mappings/work-orders/preview"), Some(rules), true).await.0, 200);
    let (status, token) = hit(Method::POST, format!("/v1/admin/connections/{conn}/tokens"), Some(json!({})), true).await;
    assert_eq!(status, 201, "{token}");
    let (status, body) = hit(Method::PATCH, format!("/v1/admin/connections/{conn}"), Some(json!({ "metadata": { "site": "north" } })), true).await;
    assert_eq!(status, 200, "{body}");
    let (status, endpoint) = hit(Method::POST, "/v1/admin/webhook-endpoints".into(), Some(json!({ "url": "http://127.0.0.1:9/hooks" })), true).await;
    assert_eq!(status, 201, "{endpoint}");
    let endpoint_id = endpoint["endpoint"]["id"].as_str().unwrap().to_string();
    for path in [format!("/v1/admin/webhook-endpoints/{endpoint_id}"), "/v1/admin/webhook-endpoints".into(), format!("/v1/admin/webhook-endpoints/{endpoint_id}/deliveries")] {
        assert_eq!(hit(Method::GET, path, None, true).await.0, 200);
    }
    assert_eq!(hit(Method::POST, format!("/v1/admin/webhook-endpoints/{endpoint_id}/test"), None, true).await.0, 202);
    let (status, session) = hit(
        Method::POST,
        "/v1/admin/link-sessions".into(),
        Some(json!({ "end_customer_id": "acme", "environment": "test", "redirect_uri": "https://app.example.com/done" })),
        true,
    )
    .await;
    assert_eq!(status, 201, "{session}");
    let session_id = session["id"].as_str().unwrap();
    assert_eq!(hit(Method::GET, format!("/v1/admin/link-sessions/{session_id}"), None, true).await.0, 200);
    assert_eq!(hit(Method::GET, "/v1/admin/connections/conn_nope".into(), None, true).await.0, 404);
    assert_eq!(hit(Method::POST, "/v1/admin/connections".into(), Some(json!({ "connector_id": 7 })), true).await.0, 422);
}
