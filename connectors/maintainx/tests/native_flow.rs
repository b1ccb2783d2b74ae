//! The connector's calls end to end over the native HTTP client, against a tiny in-process
//! fake of the MaintainX endpoints it uses (the real emulator lives in `sandbox/`).
#![cfg(feature = "native")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use millwright_connector_maintainx::MaintainX;
use millwright_sdk::ctx::context;
use millwright_sdk::{Connector, ConnectorError, Entity, ListQuery};
use serde_json::{Value, json};

type Log = Arc<Mutex<Vec<String>>>;

/// Serves `route(method, path_and_query, body) -> (status, json)` until the test ends.
fn serve(route: fn(&str, &str, &str) -> (u16, Value)) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut parts = line.split_whitespace();
            let (method, target) = (
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().to_owned(),
            );
            let mut len = 0;
            let mut org = String::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let lower = h.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                if let Some(v) = lower.strip_prefix("x-organization-id:") {
                    org = v.trim().to_owned();
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let body = String::from_utf8(body).unwrap();
            let target = target.strip_prefix("/v1").unwrap_or(&target).to_owned();
            // Key order of a JSON body depends on serde_json's `preserve_order` (on when the
            // workspace builds the host too): log bodies with sorted keys.
            let logged = match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(serde_json::Value::Object(map)) => {
                    let sorted: std::collections::BTreeMap<_, _> = map.into_iter().collect();
                    serde_json::to_string(&sorted).unwrap()
                }
                _ => body.clone(),
            };
            log2.lock()
                .unwrap()
                .push(format!("{method} {target} org={org} {logged}"));
            let (status, value) = route(&method, &target, &body);
            let payload = value.to_string();
            write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                payload.len()
            )
            .unwrap();
        }
    });
    (base, log)
}

fn route(method: &str, target: &str, body: &str) -> (u16, Value) {
    match (method, target.split('?').next().unwrap()) {
        ("GET", "/workorders") if !target.contains("cursor=") => (
            200,
            json!({"workOrders": [{"id": 1, "sequentialId": 11, "title": "A", "status": "OPEN", "updatedAt": "2024-02-01T10:00:00Z"}], "nextCursor": "abc"}),
        ),
        ("GET", "/workorders") => (200, json!({"workOrders": [], "nextCursor": null})),
        ("GET", "/workorders/1") | ("GET", "/workorders/77") => (
            200,
            json!({"workOrder": {"id": 77, "sequentialId": 12, "title": "New", "status": "ON_HOLD", "updatedAt": "2024-02-01T10:00:00Z"}}),
        ),
        ("GET", "/workorders/5") => (404, json!({"error": "Work Order Not Found"})),
        ("POST", "/workorders") if body.contains("\"bad\"") => (
            400,
            json!({"errors": [{"error": "Invalid", "fieldPath": "assetId", "fieldValue": 1}]}),
        ),
        ("POST", "/workorders") => (200, json!({"id": 77})),
        ("PATCH", _) => (200, json!({"workOrder": {"id": 77}})),
        ("GET", "/organizations") => (200, json!({"organizations": [{"id": 42, "name": "Acme"}]})),
        ("GET", "/users") => (401, json!({"error": "Unauthorized"})),
        _ => (404, json!({"error": "Not Found."})),
    }
}

#[test]
fn list_get_create_update_check() {
    let (base, log) = serve(route);
    let ctx = context(&base, &[("organization_id", "42")]);

    let q = ListQuery {
        modified_after: None,
        cursor: None,
        page_size: 500,
        filters: vec![],
    };
    let page = MaintainX::list(&ctx, Entity::WorkOrder, &q).unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].id, "1");
    assert_eq!(page.next_cursor.as_deref(), Some("c:abc"));
    let page2 = MaintainX::list(
        &ctx,
        Entity::WorkOrder,
        &ListQuery {
            cursor: page.next_cursor,
            ..q
        },
    )
    .unwrap();
    assert!(page2.records.is_empty() && page2.next_cursor.is_none());

    assert!(matches!(
        MaintainX::get(&ctx, Entity::WorkOrder, "5"),
        Err(ConnectorError::NotFound(_))
    ));
    assert!(matches!(
        MaintainX::get(&ctx, Entity::WorkOrder, "x:y"),
        Err(ConnectorError::NotFound(_))
    ));

    let created = MaintainX::create(
        &ctx,
        Entity::WorkOrder,
        r#"{"title":"New","status":"on_hold"}"#,
    )
    .unwrap();
    assert_eq!(created.id, "77");
    match MaintainX::create(&ctx, Entity::WorkOrder, r#"{"title":"bad","asset_id":"1"}"#) {
        Err(ConnectorError::InvalidRequest(i)) => assert_eq!(i.field.as_deref(), Some("asset_id")),
        other => panic!("{other:?}"),
    }
    MaintainX::update(
        &ctx,
        Entity::WorkOrder,
        "77",
        r#"{"title":"T2","status":"completed"}"#,
    )
    .unwrap();
    assert_eq!(
        MaintainX::update(&ctx, Entity::Asset, "1", "{}")
            .unwrap_err()
            .kind(),
        "unsupported"
    );

    let account = MaintainX::check(&ctx).unwrap();
    assert_eq!(
        (account.account_id.as_str(), account.display_name.as_str()),
        ("42", "Acme")
    );

    let log = log.lock().unwrap().clone();
    let expected = [
        "GET /workorders?limit=200&expand=assignees&expand=asset&expand=extra_fields org=42 ",
        "GET /workorders?limit=200&cursor=abc&expand=assignees&expand=asset&expand=extra_fields org=42 ",
        "GET /workorders/5?expand=extra_fields org=42 ",
        r#"POST /workorders org=42 {"title":"New"}"#,
        r#"PATCH /workorders/77/status org=42 {"status":"ON_HOLD"}"#,
        "GET /workorders/77?expand=extra_fields org=42 ",
        r#"POST /workorders org=42 {"assetId":1,"title":"bad"}"#,
        r#"PATCH /workorders/77 org=42 {"title":"T2"}"#,
        r#"PATCH /workorders/77/status org=42 {"status":"DONE"}"#,
        "GET /workorders/77?expand=extra_fields org=42 ",
        "GET /organizations?limit=200 org=42 ",
    ];
    assert_eq!(log, expected);
}

#[test]
fn unauthorized_maps() {
    let (base, _log) = serve(route);
    let ctx = context(&base, &[]);
    let q = ListQuery {
        modified_after: None,
        cursor: None,
        page_size: 10,
        filters: vec![],
    };
    assert_eq!(
        MaintainX::list(&ctx, Entity::User, &q).unwrap_err().kind(),
        "unauthorized"
    );
}
