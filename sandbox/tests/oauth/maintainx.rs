//! The MaintainX emulator accepts the authorization server's access tokens while they are
//! valid, and answers an expired one exactly like an unknown key.

use std::time::Duration;

use reqwest::StatusCode;

use crate::common::{As, CLIENT, SECRET};

#[tokio::test]
async fn issued_tokens_work_until_they_expire() {
    let a = As::default().await;
    a.sandbox.set_oauth_token_ttl(Duration::from_secs(1));
    let body = a.client_credentials().await;
    assert_eq!(body["expires_in"], 1);
    let token = body["access_token"].as_str().unwrap();
    let ok = a.maintainx(token).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(ok.body["workOrders"].is_array());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let expired = a.maintainx(token).await;
    let unknown = a.maintainx("not-a-key").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body, unknown.body, "the same 401 as a bad key");

    // The refresh grant of an authorization-code token renews access after expiry.
    let t = a.exchange(&a.code().await).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let access = t.body["access_token"].as_str().unwrap();
    assert_eq!(a.maintainx(access).await.status, StatusCode::UNAUTHORIZED);
    a.sandbox.set_oauth_token_ttl(Duration::from_secs(60));
    let renewed = a.refresh(t.body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(renewed.body["expires_in"], 60);
    let access = renewed.body["access_token"].as_str().unwrap();
    assert_eq!(a.maintainx(access).await.status, StatusCode::OK);
}

#[tokio::test]
async fn ttl_is_settable_over_http_and_tokens_can_be_revoked_like_keys() {
    let a = As::default().await;
    let url = format!("http://{}/_sandbox/oauth/ttl", a.sandbox.addr());
    let r = a
        .http
        .put(&url)
        .json(&serde_json::json!({"ttl_ms": 5000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = a.client_credentials().await;
    assert_eq!(body["expires_in"], 5);
    let token = body["access_token"].as_str().unwrap();
    a.sandbox.revoke_key(token);
    assert_eq!(a.maintainx(token).await.status, StatusCode::UNAUTHORIZED);
    let r = a
        .token_basic(CLIENT, SECRET, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        a.maintainx(r.body["access_token"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );
}
