//! OTLP trace export through the real binary (`--features otlp`): `millwright serve` with
//! `MILLWRIGHT_OTLP_ENDPOINT` posts protobuf spans to a local collector — the request span with
//! its route — and flushes what is batched when it stops on SIGTERM.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use millwright::vault::MasterKey;
use tokio::process::Command;

/// A collector that keeps every `POST /v1/traces` (content type and body).
async fn collector() -> (String, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
    let received: Arc<Mutex<Vec<(String, Vec<u8>)>>> = Arc::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let store = store.clone();
            async move {
                let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                store.lock().unwrap().push((content_type, body.to_vec()));
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn serve_exports_request_spans_to_the_collector() {
    let (endpoint, received) = collector().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_millwright"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env("MILLWRIGHT_MASTER_KEY", MasterKey::generate().to_base64())
        .env("MILLWRIGHT_DATABASE_URL", format!("sqlite://{}", dir.path().join("otlp.db").display()))
        .env("MILLWRIGHT_ADMIN_TOKEN", "otlp-admin-token-0123456789")
        .env("MILLWRIGHT_OTLP_ENDPOINT", &endpoint)
        .env("MILLWRIGHT_CACHE_DIR", crate::harness::compile_cache_dir())
        .env_remove("MILLWRIGHT_CONFIG")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..600 {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server came up");
    let resp = client.get(format!("http://127.0.0.1:{port}/v1/admin/audit-log")).bearer_auth("otlp-admin-token-0123456789").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    // SAFETY: a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id().unwrap() as i32, libc::SIGTERM) }, 0);
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("the process exits").unwrap();
    assert!(status.success(), "{status:?}");

    let received = received.lock().unwrap();
    assert!(!received.is_empty(), "the collector received no export");
    assert!(received.iter().all(|(t, _)| t == "application/x-protobuf"), "OTLP/HTTP protobuf: {:?}", received.iter().map(|(t, _)| t).collect::<Vec<_>>());
    let all: Vec<u8> = received.iter().flat_map(|(_, b)| b.clone()).collect();
    let contains = |needle: &str| all.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains("millwright"), "the service name is in the resource");
    assert!(contains("/v1/admin/audit-log"), "the request span carries its route");
    assert!(!contains("otlp-admin-token-0123456789"), "no secret is exported");
}
