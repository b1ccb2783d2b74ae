//! Fault injection: 429 bursts, the rate-limit window, latency, error rate, request counting,
//! forbidden keys.

use std::time::{Duration, Instant};

use millwright_sandbox::{FaultConfig, SandboxConfig};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Mx, config};
use crate::spec::assert_valid;

#[tokio::test]
async fn rate_limit_headers_are_always_sent() {
    let mx = Mx::small().await;
    let r = mx.get("/workorders?limit=1").await;
    for h in [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        assert!(
            r.header(h).and_then(|v| v.parse::<u64>().ok()).is_some(),
            "{h} on a 200"
        );
    }
    let r = mx.get("/workorders/1").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.header("x-rate-limit-remaining").is_some(),
        "and on errors"
    );
}

#[tokio::test]
async fn burst_of_429s_then_recovery() {
    let mx = Mx::small().await;
    mx.sandbox.set_faults(FaultConfig {
        burst_429: 2,
        retry_after_s: 3,
        ..FaultConfig::default()
    });
    for n in 0..2 {
        let r = mx.get("/workorders?limit=1").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "request {n}");
        assert_eq!(r.header("retry-after"), Some("3"));
        assert_eq!(r.header("x-rate-limit-remaining"), Some("0"));
        assert!(
            r.header("x-rate-limit-limit").is_some() && r.header("x-rate-limit-reset").is_some()
        );
        assert!(
            r.body["error"]
                .as_str()
                .unwrap()
                .contains("Too many requests")
        );
    }
    assert_eq!(mx.get("/workorders?limit=1").await.status, StatusCode::OK);
    assert_eq!(mx.sandbox.faults().burst_429, 0, "the burst is consumed");
}

#[tokio::test]
async fn rate_limit_window_per_key() {
    let mx = Mx::small().await;
    mx.sandbox
        .set_rate_limit_window(Duration::from_millis(1500));
    mx.sandbox.set_faults(FaultConfig {
        rate_limit: Some(3),
        ..FaultConfig::default()
    });
    for remaining in ["2", "1", "0"] {
        let r = mx.get("/users?limit=1").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("x-rate-limit-limit"), Some("3"));
        assert_eq!(r.header("x-rate-limit-remaining"), Some(remaining));
    }
    let r = mx.get("/users?limit=1").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=2).contains(&retry),
        "retry after the window's rest: {retry}"
    );
    // Another key has its own bucket (it is still rejected, but by auth, not the limit).
    let other = mx
        .http
        .get(format!("{}/users", mx.base))
        .bearer_auth("someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let r = mx.get("/users?limit=1").await;
    assert_eq!(r.status, StatusCode::OK, "a new window");
    assert_eq!(r.header("x-rate-limit-remaining"), Some("2"));
}

#[tokio::test]
async fn latency_is_added() {
    let mx = Mx::small().await;
    mx.sandbox.set_faults(FaultConfig {
        latency_ms: 300,
        ..FaultConfig::default()
    });
    let start = Instant::now();
    assert_eq!(mx.get("/vendors?limit=1").await.status, StatusCode::OK);
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn error_rate_fails_a_deterministic_fraction() {
    let mx = Mx::small().await;
    mx.sandbox.set_faults(FaultConfig {
        error_rate: 0.25,
        ..FaultConfig::default()
    });
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(mx.get("/locations?limit=1").await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 503, 200, 200, 200, 500]);
    mx.sandbox.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    let r = mx.get("/locations").await;
    assert!(r.status.is_server_error());
    assert!(r.body["error"].is_string(), "the vendor's error shape");
}

#[tokio::test]
async fn request_count_counts_vendor_requests_only() {
    let mx = Mx::start(config(50)).await;
    assert_eq!(mx.sandbox.request_count(), 0);
    mx.get("/workorders").await;
    mx.get("/nope").await;
    mx.http
        .get(format!("http://{}/_sandbox/stats", mx.sandbox.addr()))
        .send()
        .await
        .unwrap();
    mx.sandbox.set_faults(FaultConfig {
        burst_429: 1,
        ..FaultConfig::default()
    });
    mx.get("/workorders").await;
    assert_eq!(
        mx.sandbox.request_count(),
        3,
        "429s count, control endpoints do not"
    );
}

#[tokio::test]
async fn forbidden_keys_get_the_vendors_403() {
    let cfg = SandboxConfig {
        maintainx_api_keys: vec![crate::common::KEY.into(), "other-key".into()],
        ..config(50)
    };
    let mx = Mx::start(cfg).await;
    mx.sandbox.forbid_key(crate::common::KEY);
    assert_eq!(
        mx.sandbox.faults().forbidden_keys,
        [crate::common::KEY.to_string()]
    );
    let post = mx
        .post("/workorders", json!({"title": "Replace filter on AHU-1"}))
        .await;
    for r in [
        mx.get("/workorders?limit=1").await,
        mx.get("/organizations").await,
        mx.get("/nosuchthing").await,
        post,
    ] {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // No endpoint we serve documents a 403; every 403 in the spec has this one schema.
        assert_valid("/meterreadings", "post", 403, &r.body);
        assert_eq!(
            r.body["errors"][0]["error"],
            "User doesn't have the right permissions"
        );
        assert!(r.header("x-rate-limit-remaining").is_some());
    }
    assert_eq!(mx.sandbox.request_count(), 4, "403s count");
    // Other keys are unaffected; an unknown key is still 401, a revoked one too.
    let other = mx
        .http
        .get(format!("{}/workorders?limit=1", mx.base))
        .bearer_auth("other-key")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    mx.sandbox.forbid_key("not-a-key");
    let unknown = mx
        .http
        .get(format!("{}/workorders", mx.base))
        .bearer_auth("not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    mx.sandbox.revoke_key(crate::common::KEY);
    assert_eq!(mx.get("/workorders").await.status, StatusCode::UNAUTHORIZED);
    // Clearing the faults lifts it.
    mx.sandbox.set_faults(FaultConfig::default());
    assert_eq!(mx.get("/workorders?limit=1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn forbidden_multi_organization_keys_get_403_before_organization_checks() {
    let cfg = SandboxConfig {
        maintainx_multi_org_keys: vec![("mx-multi".into(), vec!["111".into()])],
        ..config(50)
    };
    let mx = Mx::start(cfg).await;
    mx.sandbox.forbid_key("mx-multi");
    for org in [None, Some("111")] {
        let mut req = mx
            .http
            .get(format!("{}/workorders", mx.base))
            .bearer_auth("mx-multi");
        if let Some(o) = org {
            req = req.header("x-organization-id", o);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::FORBIDDEN);
    }
}
