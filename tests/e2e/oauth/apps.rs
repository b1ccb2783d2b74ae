//! The operator's OAuth app API: validation, secrets never returned, audited, delete.

use reqwest::Method;
use serde_json::json;

use super::fixture::{CLIENT, CONNECTOR, Fixture, SECRET};
use crate::harness::{expect_problem, send};

#[tokio::test]
async fn oauth_app_is_validated_hidden_audited_and_deletable() {
    let f = Fixture::start().await;
    let app = f.app().await;
    let path = format!("/v1/admin/connectors/{CONNECTOR}/oauth-app");
    expect_problem(app.admin(Method::GET, &path), 404, "not_found").await;
    expect_problem(app.admin(Method::PUT, "/v1/admin/connectors/nope/oauth-app").json(&json!({"client_id": CLIENT, "client_secret": SECRET})), 404, "not_found").await;
    for (body, field) in [
        (json!({"client_id": CLIENT}), None),
        (json!({"client_id": "", "client_secret": SECRET}), Some("client_id")),
        (json!({"client_id": CLIENT, "private_key_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}), Some("private_key_pem")),
        (json!({"client_id": CLIENT, "client_secret": SECRET, "token_url": "ftp://x/token"}), Some("token_url")),
        (json!({"client_id": CLIENT, "client_secret": SECRET, "colour": "blue"}), None),
    ] {
        let problem = expect_problem(app.admin(Method::PUT, &path).json(&body), 422, "validation_failed").await;
        assert_eq!(problem.get("field").and_then(|v| v.as_str()), field, "{problem}");
    }

    let view = app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET, "scopes": ["read"]})).await;
    assert_eq!(view["client_id"], CLIENT);
    assert_eq!(view["client_secret_set"], true);
    assert_eq!(view["redirect_uri"], format!("{}/connect/oauth/callback", app.url));
    let (status, got) = send(app.admin(Method::GET, &path)).await;
    assert_eq!(status, 200);
    let (_, audit) = send(app.admin(Method::GET, "/v1/admin/audit-log")).await;
    assert_eq!(audit["data"][0]["action"], "oauth_app.set", "{audit}");
    for text in [view.to_string(), got.to_string(), audit.to_string()] {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
    }

    let deleted = app.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    expect_problem(app.admin(Method::GET, &path), 404, "not_found").await;
    let (_, audit) = send(app.admin(Method::GET, "/v1/admin/audit-log")).await;
    assert_eq!(audit["data"][0]["action"], "oauth_app.delete", "{audit}");
}
