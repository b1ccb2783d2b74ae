//! Bearer keys, revocation and multi-organization keys.

use millwright_sandbox::SandboxConfig;
use reqwest::StatusCode;

use crate::common::{Mx, config, reply};
use crate::spec::assert_valid;

#[tokio::test]
async fn missing_wrong_and_revoked_keys_are_401() {
    let mx = Mx::small().await;
    let url = format!("{}/workorders", mx.base);
    let r = reply(mx.http.get(&url).send().await.unwrap()).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "no Authorization header"
    );
    let r = reply(
        mx.http
            .get(&url)
            .bearer_auth("not-a-key")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "unknown key");
    assert!(r.body["error"].is_string());
    let r = reply(
        mx.http
            .get(&url)
            .header("authorization", "Basic bXgtc2FuZGJveC1rZXk6")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "not a bearer token");
    let r = reply(
        mx.http
            .get(&url)
            .header("authorization", "bearer mx-sandbox-key")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "the scheme is case-insensitive");
    mx.sandbox.revoke_key("mx-sandbox-key");
    assert_eq!(
        mx.get("/workorders").await.status,
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
    assert!(
        mx.sandbox
            .faults()
            .revoked_keys
            .contains(&"mx-sandbox-key".to_string())
    );
}

#[tokio::test]
async fn unknown_paths_need_auth_and_are_404() {
    let mx = Mx::small().await;
    let r = mx.get("/nosuchthing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["error"].is_string());
    let r = reply(
        mx.http
            .get(format!("{}/nosuchthing", mx.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn multi_org_keys_need_an_organization_header() {
    let cfg = SandboxConfig {
        maintainx_multi_org_keys: vec![("mx-multi".into(), vec!["111".into(), "222".into()])],
        ..config(100)
    };
    let mx = Mx::start(cfg).await;
    let url = format!("{}/workorders?limit=2", mx.base);
    let r = reply(
        mx.http
            .get(&url)
            .bearer_auth("mx-multi")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["errors"][0]["error"],
        "Missing x-organization-id header."
    );
    assert_valid("/workorders", "post", 400, &r.body);
    let r = reply(
        mx.http
            .get(&url)
            .bearer_auth("mx-multi")
            .header("x-organization-id", "222")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["workOrders"][0]["organizationId"], 222);
    let r = reply(
        mx.http
            .get(&url)
            .bearer_auth("mx-multi")
            .header("x-organization-id", "333")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "an organization the key does not cover"
    );
    // x-organization-ids: only on the collections that declare it, never with x-organization-id.
    let assets = format!("{}/assets?limit=2", mx.base);
    let r = reply(
        mx.http
            .get(&assets)
            .bearer_auth("mx-multi")
            .header("x-organization-ids", "111,222")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = reply(
        mx.http
            .get(&assets)
            .bearer_auth("mx-multi")
            .header("x-organization-ids", "111")
            .header("x-organization-id", "111")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = reply(
        mx.http
            .get(&url)
            .bearer_auth("mx-multi")
            .header("x-organization-ids", "111")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "work orders do not take x-organization-ids"
    );
    // Single-organization keys need no header.
    assert_eq!(mx.get("/workorders?limit=1").await.status, StatusCode::OK);
}
