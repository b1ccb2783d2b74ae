//! Property: whatever a client sends to the unified and admin endpoints — generated paths,
//! methods, queries, bodies, content types and tokens — the host never answers 5xx for bad input
//! (a 5xx only where the error table prescribes one for the system's failures or an unsupported
//! operation), and every 4xx is problem+json with a code of the error table and its status, which
//! the OpenAPI document lists for that operation and status.

use millwright::api::error::ERROR_TABLE;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use crate::harness::{ADMIN_TOKEN, Host};

/// 5xx codes the table allows, none of which bad input may cause except `unsupported_operation`
/// (a write on an entity the connector cannot write) — the rest are the system's failures.
const ALLOWED_5XX: &[&str] = &["unsupported_operation"];

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("work-orders".to_string()),
        Just("assets".to_string()),
        Just("purchase-orders".to_string()),
        Just("maintenance-requests".to_string()),
        Just("connection".to_string()),
        Just("passthrough".to_string()),
        Just("admin".to_string()),
        Just("connections".to_string()),
        Just("field-mappings".to_string()),
        Just("tokens".to_string()),
        Just("end-customers".to_string()),
        Just("audit-log".to_string()),
        Just("versions".to_string()),
        Just("..".to_string()),
        Just("%00".to_string()),
        Just("%2F".to_string()),
        "[a-zA-Z0-9_~-]{1,12}",
        "[0-9]{1,20}",
    ]
}

/// Real routes (with the real connection's id, junk ids and junk tails) more often than not.
fn path(connection_id: String) -> impl Strategy<Value = String> {
    let templates = prop_oneof![
        Just("/v1/work-orders"),
        Just("/v1/work-orders/{x}"),
        Just("/v1/assets/{x}"),
        Just("/v1/maintenance-requests"),
        Just("/v1/purchase-orders"),
        Just("/v1/passthrough"),
        Just("/v1/connection"),
        Just("/v1/admin/connections"),
        Just("/v1/admin/connections/{c}"),
        Just("/v1/admin/connections/{c}/tokens"),
        Just("/v1/admin/connections/{c}/field-mappings"),
        Just("/v1/admin/connections/{c}/field-mappings/{x}"),
        Just("/v1/admin/connections/{c}/field-mappings/work-orders/preview"),
        Just("/v1/admin/connections/{c}/field-mappings/work-orders/versions/{x}/restore"),
        Just("/v1/admin/end-customers/{x}"),
        Just("/v1/admin/link-sessions"),
        Just("/v1/admin/tokens/{x}/rotate"),
        Just("/v1/link/token"),
    ];
    let real = (templates, segment(), any::<bool>()).prop_map(move |(t, x, junk_connection)| {
        let c = if junk_connection { x.clone() } else { connection_id.clone() };
        t.replace("{c}", &c).replace("{x}", &x)
    });
    let junk = prop::collection::vec(segment(), 1..6).prop_map(|parts| format!("/v1/{}", parts.join("/")));
    prop_oneof![3 => real, 1 => junk]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("page_size"), Just("cursor"), Just("modified_after"), Just("status"), Just("asset_id"),
        Just("include_remote_data"), Just("environment"), Just("connector_id"), Just("x"),
    ];
    let value = prop_oneof![
        Just("0".to_string()), Just("501".to_string()), Just("-1".to_string()), Just("50".to_string()),
        Just("true".to_string()), Just("2026-13-45T99:00:00Z".to_string()), Just("2025-01-01T00:00:00Z".to_string()),
        Just("%ZZ".to_string()), "[ -~]{0,24}",
    ];
    prop::collection::vec((key, value), 0..4).prop_map(|pairs| {
        pairs.into_iter().map(|(k, v)| format!("{k}={}", v.replace(['&', '#', ' '], "%20"))).collect::<Vec<_>>().join("&")
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,16}".prop_map(Value::String),
        Just(Value::String("in_progress".into())),
        Just(Value::String("2026-01-31T08:00:00Z".into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        let key = prop_oneof![
            Just("title".to_string()), Just("status".to_string()), Just("priority".to_string()),
            Just("due_at".to_string()), Just("custom_fields".to_string()), Just("rules".to_string()),
            Just("metadata".to_string()), Just("method".to_string()), Just("path".to_string()),
            Just("body".to_string()), Just("connector_id".to_string()), Just("end_customer_id".to_string()),
            "[a-z_]{1,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::None),
        json_value().prop_map(Body::Json),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| Body::Raw("application/json", b)),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| Body::Raw("text/plain", b)),
        Just(Body::Raw("application/json", b"{\"title\": ".to_vec())),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Token {
    Connection,
    Admin,
    Garbage,
    Missing,
}

fn request(connection_id: String) -> impl Strategy<Value = (&'static str, String, String, Body, Token)> {
    let method = prop_oneof![Just("GET"), Just("POST"), Just("PATCH"), Just("PUT"), Just("DELETE")];
    let token = prop_oneof![Just(Token::Connection), Just(Token::Admin), Just(Token::Garbage), Just(Token::Missing)];
    (method, path(connection_id), query(), body(), token)
}

#[test]
fn bad_input_never_causes_an_undocumented_error() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let host = runtime.block_on(Host::start());
    let doc = runtime.block_on(crate::openapi::document(&host));
    let mut runner = TestRunner::new(Config { cases: 300, failure_persistence: None, ..Config::default() });
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let result = runner.run(&request(host.connection_id.clone()), |(method, path, query, body, token)| {
        let url = if query.is_empty() { format!("{}{path}", host.url) } else { format!("{}{path}?{query}", host.url) };
        let mut req = host.client.request(method.parse().unwrap(), url);
        req = match token {
            Token::Connection => req.bearer_auth(&host.token),
            Token::Admin => req.bearer_auth(ADMIN_TOKEN),
            Token::Garbage => req.header("authorization", "Bearer mw_test_garbage"),
            Token::Missing => req,
        };
        req = match &body {
            Body::None => req,
            Body::Json(v) => req.json(v),
            Body::Raw(content_type, bytes) => req.header("content-type", *content_type).body(bytes.clone()),
        };
        let (status, content_type, problem) = runtime.block_on(async {
            let resp = req.send().await.expect("the host answers");
            let status = resp.status().as_u16();
            let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            (status, content_type, resp.json::<Value>().await.unwrap_or(Value::Null))
        });
        *seen.lock().unwrap().entry(status).or_insert(0u32) += 1;
        if status >= 400 {
            prop_assert_eq!(content_type.as_str(), "application/problem+json", "{} {} → {} {}", method, path, status, problem);
            let code = problem["code"].as_str().unwrap_or_default();
            let row = ERROR_TABLE.iter().find(|(c, _, _)| *c == code);
            prop_assert!(row.is_some_and(|(_, s, _)| *s == status), "{} {} → {} with code {:?}: {}", method, path, status, code, problem);
            if status >= 500 {
                prop_assert!(ALLOWED_5XX.contains(&code), "{} {}?{} {:?} → {}: {}", method, path, query, body, status, problem);
            }
            // The document lists this answer: the operation's response for the status names the
            // code; requests matching no operation are the router's own 404 or 405.
            // The path as sent: the URL parser resolves `..` and `.` segments first.
            let sent = reqwest::Url::parse(&format!("{}{path}", host.url)).map(|u| u.path().to_string()).unwrap_or_else(|_| path.clone());
            match crate::openapi::operation(&doc, method, &sent) {
                Some(op) => {
                    let codes = crate::openapi::documented_codes(op, status);
                    prop_assert!(codes.iter().any(|c| c == code), "{} {} → {} `{}`, documented: {:?}", method, path, status, code, codes);
                }
                None => prop_assert!(matches!(code, "not_found" | "method_not_allowed"), "{} {} matches no operation but → {}", method, path, problem),
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The cases reached the handlers, not only the router's 404.
    let seen = seen.into_inner().unwrap();
    let answered: u32 = seen.iter().filter(|(s, _)| **s != 404).map(|(_, n)| n).sum();
    assert!(answered > 100, "statuses seen: {seen:?}");
}
