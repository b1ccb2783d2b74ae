//! JWT-bearer (NetSuite's client-credentials with a signed assertion): the host signs an ES256
//! assertion with the operator's key (`kid` = the key id the system assigned) for each token
//! request; a key the system does not know is refused and nothing is stored.

use reqwest::Method;
use serde_json::json;

use super::fixture::{CLIENT, CONNECTOR, Fixture, ec_key};
use crate::harness::{expect_problem, send};

#[tokio::test]
async fn signed_assertions_get_tokens_and_a_foreign_key_is_refused() {
    let f = Fixture::start().await;
    let app = f.app().await;

    // A key the authorization server has not registered.
    let stranger = ec_key();
    app.set_oauth_app(json!({"client_id": CLIENT, "private_key_pem": stranger.private_pem, "key_id": f.kid})).await;
    let body = json!({
        "connector_id": CONNECTOR, "end_customer_id": "plant-7", "base_url": f.base_url(),
        "auth_scheme": "jwt_bearer", "allow_private": ["127.0.0.0/8"],
    });
    let problem = expect_problem(app.admin(Method::POST, "/v1/admin/connections").json(&body), 422, "validation_failed").await;
    assert!(problem["detail"].as_str().unwrap().contains("invalid_client"), "{problem}");
    assert!(!problem.to_string().contains("PRIVATE KEY"));

    // The registered key: connected, and calls carry the token it obtained.
    let view = app.set_oauth_app(json!({"client_id": CLIENT, "private_key_pem": f.key.private_pem, "key_id": f.kid, "scopes": ["read"]})).await;
    assert_eq!(view["private_key_set"], true);
    assert_eq!(view["client_secret_set"], false);
    assert!(!view.to_string().contains("PRIVATE KEY"), "{view}");
    let (_, token) = app.connect(&f.base_url(), "jwt_bearer").await;
    let before = f.sandbox.oauth_token_requests();
    let (status, page) = app.work_orders(&token).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 5);
    assert_eq!(f.sandbox.oauth_token_requests(), before + 1);
    let (_, stats) = send(app.http.get(format!("http://{}/_sandbox/oauth/stats", f.sandbox.addr()))).await;
    assert!(stats["token_requests_by_grant_type"]["client_credentials"].as_u64().unwrap() >= 2, "{stats}");
}
