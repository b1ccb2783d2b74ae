//! The operator API: admin auth and scopes, connections created with credentials in the body,
//! tokens (create, expiry, rotation, revocation, environment), disconnect, end customers, audit.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Host, MX_KEY, expect_problem, send};

fn create_body(host: &Host, customer: &str, api_key: &str) -> Value {
    json!({
        "connector_id": "maintainx",
        "end_customer_id": customer,
        "end_customer_name": "Bedford Plant",
        "base_url": host.sandbox.maintainx_base_url(),
        "credentials": {"api_key": api_key},
        "metadata": {"crm_id": "A-17"},
        "allow_private": ["127.0.0.0/8"],
    })
}

async fn connection_count(host: &Host) -> usize {
    let (_, body) = send(host.admin(Method::GET, "/v1/admin/connections?page_size=500")).await;
    body["data"].as_array().unwrap().len()
}

#[tokio::test]
async fn admin_routes_need_an_admin_token() {
    let host = Host::start().await;
    let url = format!("{}/v1/admin/connections", host.url);
    expect_problem(host.client.get(&url), 401, "unauthorized").await;
    expect_problem(host.client.get(&url).bearer_auth("not-the-token"), 401, "unauthorized").await;
    expect_problem(host.client.get(&url).bearer_auth(&host.token), 401, "unauthorized").await;
    let (status, _) = send(host.admin(Method::GET, "/v1/admin/connections")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn read_only_admin_tokens_cannot_write() {
    let host = Host::start().await;
    let token = millwright::tokens::mint("admin");
    host.app.store.insert_admin_token("adm_ro", "viewer", &token.hash, &token.prefix, "read_only").await.unwrap();
    let get = host.client.get(format!("{}/v1/admin/connections", host.url)).bearer_auth(&token.plaintext);
    assert_eq!(send(get).await.0, 200);
    let before = connection_count(&host).await;
    let post = host.client.post(format!("{}/v1/admin/connections", host.url)).bearer_auth(&token.plaintext).json(&create_body(&host, "acme", MX_KEY));
    expect_problem(post, 403, "forbidden").await;
    assert_eq!(connection_count(&host).await, before, "nothing created");
}

#[tokio::test]
async fn creates_lists_and_gets_connections_without_showing_credentials() {
    let host = Host::start().await;
    let (status, created) = send(host.admin(Method::POST, "/v1/admin/connections").json(&create_body(&host, "acme", MX_KEY))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["connection"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("conn_"));
    assert_eq!(created["connection"]["account"]["name"], "Bedford Plant Operations");
    assert_eq!(created["connection"]["metadata"]["crm_id"], "A-17");
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("mw_test_"));
    let (status, conn) = send(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(token)).await;
    assert_eq!(status, 200);
    assert_eq!(conn["id"], id.as_str());

    let (_, listed) = send(host.admin(Method::GET, "/v1/admin/connections?end_customer_id=acme")).await;
    let data = listed["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["id"], id.as_str());
    let (_, none) = send(host.admin(Method::GET, "/v1/admin/connections?end_customer_id=acme&environment=live")).await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    let (_, one) = send(host.admin(Method::GET, &format!("/v1/admin/connections/{id}"))).await;
    for body in [&created, &listed, &one] {
        assert!(!body.to_string().contains(MX_KEY), "credentials never come back: {body}");
    }
    // Paging.
    let (_, page) = send(host.admin(Method::GET, "/v1/admin/connections?page_size=1")).await;
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let (_, page2) = send(host.admin(Method::GET, &format!("/v1/admin/connections?page_size=1&cursor={cursor}"))).await;
    assert_ne!(page["data"][0]["id"], page2["data"][0]["id"]);
    expect_problem(host.admin(Method::GET, "/v1/admin/connections?colour=red"), 400, "invalid_request").await;
    expect_problem(host.admin(Method::GET, "/v1/admin/connections/conn_nope"), 404, "not_found").await;

    let (_, customer) = send(host.admin(Method::GET, "/v1/admin/end-customers/acme")).await;
    assert_eq!(customer["name"], "Bedford Plant");
    let (status, renamed) = send(host.admin(Method::PATCH, "/v1/admin/end-customers/acme").json(&json!({"name": "Acme Bedford"}))).await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "Acme Bedford");
}

#[tokio::test]
async fn bad_connection_requests_store_nothing() {
    let host = Host::start().await;
    let before = connection_count(&host).await;
    let e = expect_problem(host.admin(Method::POST, "/v1/admin/connections").json(&create_body(&host, "acme", "wrong-key")), 422, "validation_failed").await;
    assert!(e["detail"].as_str().unwrap().contains("rejected"), "{e}");
    let mut bad_url = create_body(&host, "acme", MX_KEY);
    bad_url["base_url"] = json!("not a url");
    let e = expect_problem(host.admin(Method::POST, "/v1/admin/connections").json(&bad_url), 422, "validation_failed").await;
    assert_eq!(e["field"], "base_url");
    let mut unknown = create_body(&host, "acme", MX_KEY);
    unknown["connector_id"] = json!("sap-s4");
    expect_problem(host.admin(Method::POST, "/v1/admin/connections").json(&unknown), 400, "invalid_request").await;
    let mut missing = create_body(&host, "acme", MX_KEY);
    missing["credentials"] = json!({});
    let e = expect_problem(host.admin(Method::POST, "/v1/admin/connections").json(&missing), 422, "validation_failed").await;
    assert_eq!(e["field"], "api_key");
    assert_eq!(connection_count(&host).await, before, "no partial rows");
}

#[tokio::test]
async fn tokens_expire_rotate_and_revoke() {
    let host = Host::start().await;
    let path = format!("/v1/admin/connections/{}/tokens", host.connection_id);
    let conn_url = format!("{}/v1/connection", host.url);
    // Expired at once.
    let (_, expired) = send(host.admin(Method::POST, &path).json(&json!({"expires_in": 0}))).await;
    expect_problem(host.client.get(&conn_url).bearer_auth(expired["token"].as_str().unwrap()), 401, "unauthorized").await;

    let (_, listed) = send(host.admin(Method::GET, &path)).await;
    let first_id = listed["data"][0]["id"].as_str().unwrap().to_string();
    assert!(!listed.to_string().contains(&host.token), "token plaintext is never listed");

    // Rotation with a grace period: both work for now.
    let (status, rotated) = send(host.admin(Method::POST, &format!("/v1/admin/tokens/{first_id}/rotate")).json(&json!({"grace_period_seconds": 600}))).await;
    assert_eq!(status, 201, "{rotated}");
    let new_token = rotated["token"].as_str().unwrap().to_string();
    assert_eq!(send(host.client.get(&conn_url).bearer_auth(&host.token)).await.0, 200);
    assert_eq!(send(host.client.get(&conn_url).bearer_auth(&new_token)).await.0, 200);
    // Rotation without grace: the old one dies at once.
    let new_id = send(host.admin(Method::GET, &path)).await.1["data"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string();
    let (_, third) = send(host.admin(Method::POST, &format!("/v1/admin/tokens/{new_id}/rotate"))).await;
    expect_problem(host.client.get(&conn_url).bearer_auth(&new_token), 401, "unauthorized").await;
    let third = third["token"].as_str().unwrap().to_string();
    assert_eq!(send(host.client.get(&conn_url).bearer_auth(&third)).await.0, 200);
    // Revocation.
    let (status, _) = send(host.admin(Method::DELETE, &format!("/v1/admin/tokens/{first_id}"))).await;
    assert_eq!(status, 204);
    expect_problem(host.client.get(&conn_url).bearer_auth(&host.token), 401, "unauthorized").await;
}

#[tokio::test]
async fn a_token_never_reaches_a_connection_of_another_environment() {
    let host = Host::start().await;
    let token = millwright::tokens::mint("live");
    host.app
        .store
        .insert_token(&millwright::store::NewToken {
            id: "tok_live".into(),
            connection_id: host.connection_id.clone(),
            token_hash: token.hash.clone(),
            prefix: token.prefix.clone(),
            environment: "live".into(),
            expires_at: None,
        })
        .await
        .unwrap();
    expect_problem(host.client.get(format!("{}/v1/work-orders", host.url)).bearer_auth(&token.plaintext), 403, "forbidden").await;
}

#[tokio::test]
async fn disconnect_kills_tokens_and_destroys_credentials() {
    let host = Host::start().await;
    let (status, _) = send(host.admin(Method::DELETE, &format!("/v1/admin/connections/{}", host.connection_id))).await;
    assert_eq!(status, 204);
    expect_problem(host.get("/v1/work-orders"), 401, "unauthorized").await;
    let (_, conn) = send(host.admin(Method::GET, &format!("/v1/admin/connections/{}", host.connection_id))).await;
    assert_eq!(conn["status"], "disconnected");
    let row = host.app.store.connection(&host.connection_id).await.unwrap().unwrap();
    assert!(row.credentials.is_empty() && row.wrapped_key.is_empty(), "credentials destroyed");
    expect_problem(host.admin(Method::POST, &format!("/v1/admin/connections/{}/tokens", host.connection_id)), 409, "connection_disabled").await;

    let (_, audit) = send(host.admin(Method::GET, "/v1/admin/audit-log")).await;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"connection.disconnect"), "{actions:?}");
    assert!(!audit.to_string().contains(MX_KEY));
}
