//! Client credentials: the host fetches the token, caches it, asks once for many concurrent
//! requests (single flight), asks again once the token expires (the host's clock moved) and
//! once after a 401; a client the authorization server no longer accepts is a 409, an
//! unreachable authorization server a 502.

use std::time::Duration;

use futures::future::join_all;
use reqwest::Method;
use serde_json::json;

use super::fixture::{CLIENT, Fixture, SECRET};
use super::authorization_code::{link_session, post_form};
use crate::harness::{expect_problem, send};

#[tokio::test]
async fn one_token_request_for_concurrent_calls_then_refresh_on_expiry_and_on_401() {
    let f = Fixture::start().await;
    let app = f.app().await;
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET, "scopes": ["read"]})).await;
    let (_, token) = app.connect(&f.base_url(), "oauth2_client_credentials").await;

    // The live binding starts without a token: eight concurrent calls, one token request.
    let before = f.sandbox.oauth_token_requests();
    let answers = join_all((0..8).map(|_| app.work_orders(&token))).await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["data"].as_array().unwrap().len(), 5);
    }
    assert_eq!(f.sandbox.oauth_token_requests(), before + 1, "single flight");
    assert_eq!(app.work_orders(&token).await.0, 200);
    assert_eq!(f.sandbox.oauth_token_requests(), before + 1, "cached");

    // Past its expiry (one hour), concurrent calls again make exactly one request.
    app.advance(Duration::from_secs(3600));
    let answers = join_all((0..6).map(|_| app.work_orders(&token))).await;
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    assert_eq!(f.sandbox.oauth_token_requests(), before + 2, "refreshed once before expiry");

    // The system rejects the token (revoked): the host refreshes once and retries once.
    f.sandbox.revoke_oauth_grants(CLIENT);
    let (status, body) = app.work_orders(&token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(f.sandbox.oauth_token_requests(), before + 3);
}

#[tokio::test]
async fn a_client_secret_the_server_refuses_fails_the_connection_and_the_check() {
    let f = Fixture::start().await;
    let app = f.app().await;
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": "not-the-secret"})).await;
    let body = json!({
        "connector_id": super::fixture::CONNECTOR, "end_customer_id": "plant-7", "base_url": f.base_url(),
        "auth_scheme": "oauth2_client_credentials", "allow_private": ["127.0.0.0/8"],
    });
    let problem = expect_problem(app.admin(Method::POST, "/v1/admin/connections").json(&body), 422, "validation_failed").await;
    assert!(problem["detail"].as_str().unwrap().contains("invalid_client"), "{problem}");
    let mut unknown = body.clone();
    unknown["auth_scheme"] = "api_key_header".into();
    let problem = expect_problem(app.admin(Method::POST, "/v1/admin/connections").json(&unknown), 422, "validation_failed").await;
    assert_eq!(problem["field"], "auth_scheme", "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("oauth2_client_credentials"), "names the offered schemes: {problem}");
    let (_, list) = send(app.admin(Method::GET, "/v1/admin/connections")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "nothing stored");

    // With the right secret it connects; a secret changed afterwards makes calls 409.
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET})).await;
    let (id, token) = app.connect(&f.base_url(), "oauth2_client_credentials").await;
    assert_eq!(app.work_orders(&token).await.0, 200);
    // The app change reaches the connection on its next request (`config_version`).
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": "rotated-elsewhere"})).await;
    let problem = expect_problem(app.get(&token, "/v1/work-orders"), 409, "connection_reauth_required").await;
    assert_eq!(problem["reason"], "token_refresh_failed", "{problem}");
    assert_eq!(problem["connection_id"], id);
    assert!(!problem.to_string().contains("rotated-elsewhere"));

    // An authorization server that cannot be reached is no reason to reauthorize: a 502.
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET, "token_url": "http://127.0.0.1:1/oauth/token"})).await;
    let problem = expect_problem(app.get(&token, "/v1/work-orders"), 502, "upstream_unavailable").await;
    assert_eq!(problem["reason"], "token_endpoint_unavailable", "{problem}");
}

#[tokio::test]
async fn a_relink_through_the_connect_page_keeps_the_chosen_scheme() {
    let f = Fixture::start().await;
    let app = f.app().await;
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET})).await;
    let (id, token) = app.connect(&f.base_url(), "oauth2_client_credentials").await;
    let relink = link_session(&app, json!({"connection_id": id})).await;
    let html = app.http.get(&relink).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(">Reconnect</button>"), "a form, not a sign-in: {html}");
    let resp = post_form(&f, &app, &relink, &html).await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    assert!(resp.headers()["location"].to_str().unwrap().contains("code=mwc_"));
    let (status, view) = send(app.admin(Method::GET, &format!("/v1/admin/connections/{id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(view["settings"]["mw:auth_scheme"], "oauth2_client_credentials", "{view}");
    let before = f.sandbox.oauth_token_requests();
    assert_eq!(app.work_orders(&token).await.0, 200);
    assert_eq!(f.sandbox.oauth_token_requests(), before + 1, "rebound: a fresh client-credentials token");
}
