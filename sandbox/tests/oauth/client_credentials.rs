//! The client-credentials grant, client authentication failures and request-shape errors.

use reqwest::StatusCode;

use crate::common::{As, CLIENT, SECRET, reply};

#[tokio::test]
async fn basic_and_body_authentication_issue_bearer_tokens() {
    let a = As::default().await;
    let body = a.client_credentials().await;
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "read write");
    assert!(
        body.get("refresh_token").is_none(),
        "RFC 6749 §4.4.3: no refresh token"
    );

    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
        ("scope", "read"),
    ];
    let r = a.token(&form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["scope"], "read");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_ne!(r.body["access_token"], body["access_token"]);
}

#[tokio::test]
async fn client_authentication_failures_are_invalid_client() {
    let a = As::default().await;
    let cc = [("grant_type", "client_credentials")];
    let r = a.token_basic(CLIENT, "wrong", &cc).await;
    r.assert_error("invalid_client");
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Basic"))
    );
    a.token_basic("nobody", SECRET, &cc)
        .await
        .assert_error("invalid_client");
    a.token(&cc).await.assert_error("invalid_client");
    let no_secret = [("grant_type", "client_credentials"), ("client_id", CLIENT)];
    a.token(&no_secret).await.assert_error("invalid_client");
    let r = a
        .http
        .post(a.sandbox.oauth_token_url())
        .header("authorization", "Basic !!!not-base64")
        .form(&cc)
        .send()
        .await
        .unwrap();
    reply(r).await.assert_error("invalid_client");
    // Two methods at once, or a body client_id contradicting Basic: a malformed request.
    let both = [
        ("grant_type", "client_credentials"),
        ("client_secret", SECRET),
    ];
    a.token_basic(CLIENT, SECRET, &both)
        .await
        .assert_error("invalid_request");
    let other = [
        ("grant_type", "client_credentials"),
        ("client_id", "someone-else"),
    ];
    a.token_basic(CLIENT, SECRET, &other)
        .await
        .assert_error("invalid_request");
}

#[tokio::test]
async fn malformed_requests_and_unknown_grants() {
    let a = As::default().await;
    let scope = [
        ("grant_type", "client_credentials"),
        ("scope", "read admin"),
    ];
    a.token_basic(CLIENT, SECRET, &scope)
        .await
        .assert_error("invalid_scope");
    let grant = [
        ("grant_type", "password"),
        ("username", "u"),
        ("password", "p"),
    ];
    a.token_basic(CLIENT, SECRET, &grant)
        .await
        .assert_error("unsupported_grant_type");
    a.token_basic(CLIENT, SECRET, &[("scope", "read")])
        .await
        .assert_error("invalid_request");
    let twice = [
        ("grant_type", "client_credentials"),
        ("grant_type", "client_credentials"),
    ];
    a.token_basic(CLIENT, SECRET, &twice)
        .await
        .assert_error("invalid_request");
    let json = a
        .http
        .post(a.sandbox.oauth_token_url())
        .basic_auth(CLIENT, Some(SECRET))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    reply(json).await.assert_error("invalid_request");
}

#[tokio::test]
async fn token_calls_are_counted_apart_from_vendor_requests() {
    let a = As::default().await;
    assert_eq!(a.sandbox.oauth_token_requests(), 0);
    let token = a.client_credentials().await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    a.token_basic(CLIENT, "wrong", &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(a.sandbox.oauth_token_requests(), 2, "failures count too");
    assert_eq!(
        a.sandbox.request_count(),
        0,
        "token calls are no vendor requests"
    );
    a.maintainx(&token).await;
    assert_eq!(a.sandbox.request_count(), 1);
    let stats = a.stats().await;
    assert_eq!(stats["token_requests"], 2);
    assert_eq!(
        stats["token_requests_by_grant_type"]["client_credentials"],
        2
    );
    assert_eq!(stats["active_access_tokens"], 1);
}
