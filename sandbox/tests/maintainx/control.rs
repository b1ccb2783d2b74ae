//! `/_sandbox/...` control endpoints and the server's lifecycle.

use millwright_sandbox::{FaultConfig, Sandbox};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Mx, config};

#[tokio::test]
async fn control_endpoints_read_and_set_faults() {
    let mx = Mx::small().await;
    let root = format!("http://{}/_sandbox", mx.sandbox.addr());
    let health: Value = mx
        .http
        .get(format!("{root}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let put = mx
        .http
        .put(format!("{root}/faults"))
        .json(&json!({"burst_429": 1, "retry_after_s": 9}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(
        mx.sandbox.faults(),
        FaultConfig {
            burst_429: 1,
            retry_after_s: 9,
            ..FaultConfig::default()
        }
    );
    let got: FaultConfig = mx
        .http
        .get(format!("{root}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got.retry_after_s, 9);
    let r = mx.get("/workorders").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), Some("9"));
    let bad = mx
        .http
        .put(format!("{root}/faults"))
        .body("{\"error_rate\": 2}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let revoke = mx
        .http
        .post(format!("{root}/keys/mx-sandbox-key/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(mx.get("/workorders").await.status, StatusCode::UNAUTHORIZED);
    let stats: Value = mx
        .http
        .get(format!("{root}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"], 2);
}

#[tokio::test]
async fn control_endpoints_forbid_keys() {
    let mx = Mx::small().await;
    let root = format!("http://{}/_sandbox", mx.sandbox.addr());
    // A partial PUT: every other fault keeps its default.
    let put = mx
        .http
        .put(format!("{root}/faults"))
        .json(&json!({"forbidden_keys": ["mx-sandbox-key"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(
        mx.sandbox.faults(),
        FaultConfig {
            forbidden_keys: vec!["mx-sandbox-key".into()],
            ..FaultConfig::default()
        }
    );
    assert_eq!(mx.get("/workorders").await.status, StatusCode::FORBIDDEN);
    mx.sandbox.set_faults(FaultConfig::default());
    assert_eq!(mx.get("/workorders").await.status, StatusCode::OK);
    let forbid = mx
        .http
        .post(format!("{root}/keys/mx-sandbox-key/forbid"))
        .send()
        .await
        .unwrap();
    assert_eq!(forbid.status(), StatusCode::OK);
    assert_eq!(mx.get("/workorders").await.status, StatusCode::FORBIDDEN);
    // Older clients' configurations (without the field) still parse.
    let old: FaultConfig = serde_json::from_value(json!({"latency_ms": 5})).unwrap();
    assert!(old.forbidden_keys.is_empty());
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let mx = Mx::start(config(10)).await;
    assert_eq!(mx.get("/workorders").await.status, StatusCode::OK);
    let addr = mx.sandbox.addr();
    mx.sandbox.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening after shutdown"
    );

    let sandbox = Sandbox::bind("127.0.0.1:0", config(10)).await.unwrap();
    let addr = sandbox.addr();
    assert!(sandbox.maintainx_base_url().ends_with("/maintainx/v1"));
    drop(sandbox);
    let mut stopped = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stopped, "dropping the handle stops the server");
}

#[tokio::test]
async fn work_order_count_is_bounded() {
    assert!(Sandbox::bind("127.0.0.1:0", config(5)).await.is_err());
    assert!(
        Sandbox::bind("127.0.0.1:0", config(1_000_001))
            .await
            .is_err()
    );
}
