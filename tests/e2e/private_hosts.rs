//! Private networks by host name: the operator allows one on-prem host by name; it resolves
//! (here through a DNS override) to a private address the connection may then reach, while the
//! same address under another name, or the connection without the allowance, is refused.

use reqwest::Method;
use serde_json::json;

use crate::harness::{Host, MX_KEY, Options, expect_problem, send};

#[tokio::test]
async fn an_allowed_host_name_reaches_its_private_address_and_nothing_else_does() {
    let options = Options { dns_overrides: vec![("mx.plant.internal", "127.0.0.1"), ("other.plant.internal", "127.0.0.1")], ..Default::default() };
    let host = Host::with(options).await;
    let port = host.sandbox.addr().port();
    let create = |name: &str, allow: &[&str]| {
        json!({"connector_id": "maintainx", "end_customer_id": "plant-9", "base_url": format!("http://{name}:{port}/maintainx/v1"),
            "credentials": {"api_key": MX_KEY}, "allow_private": allow})
    };
    let (status, created) = send(host.admin(Method::POST, "/v1/admin/connections").json(&create("mx.plant.internal", &["MX.plant.internal"]))).await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().unwrap();
    let (status, page) = send(host.client.get(format!("{}/v1/work-orders?page_size=3", host.url)).bearer_auth(token)).await;
    assert_eq!(status, 200, "{page}");

    for (name, allow) in [("other.plant.internal", vec!["mx.plant.internal"]), ("mx.plant.internal", vec![])] {
        let problem = expect_problem(host.admin(Method::POST, "/v1/admin/connections").json(&create(name, &allow)), 500, "connector_failed").await;
        assert_eq!(problem["reason"], "egress_denied", "{name}: {problem}");
    }
    let problem = expect_problem(host.admin(Method::POST, "/v1/admin/connections").json(&create("mx.plant.internal", &["*.internal"])), 422, "validation_failed").await;
    assert_eq!(problem["field"], "allow_private");
}
