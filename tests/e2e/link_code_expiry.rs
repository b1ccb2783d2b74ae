//! The connect flow's one-time code expires 10 minutes after the redirect (the app's clock is
//! moved forward, nothing waits): just inside it exchanges, just past it is a 400 and changes
//! nothing.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::harness::{Host, MX_KEY, expect_problem, send};

/// A completed session's code (the connect form posted with the sandbox's key).
async fn fresh_code(host: &Host) -> String {
    let body = json!({"end_customer_id": "acme", "redirect_uri": "https://app.example.com/cb", "environment": "test",
        "allowed_connectors": ["maintainx"], "allow_private": ["127.0.0.0/8"]});
    let (status, created) = send(host.admin(Method::POST, "/v1/admin/link-sessions").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form_url = format!("{}/maintainx", created["url"].as_str().unwrap());
    let html = browser.get(&form_url).send().await.unwrap().text().await.unwrap();
    let start = html.find("name=\"_csrf\" value=\"").unwrap() + "name=\"_csrf\" value=\"".len();
    let csrf = &html[start..start + html[start..].find('"').unwrap()];
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", csrf)
        .append_pair("api_key", MX_KEY)
        .append_pair("_base_url", &host.sandbox.maintainx_base_url())
        .finish();
    let resp = browser.post(&form_url).header("content-type", "application/x-www-form-urlencoded").body(form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned()
}

#[tokio::test]
async fn codes_exchange_within_ten_minutes_and_not_after() {
    let host = Host::start().await;
    let code = fresh_code(&host).await;
    host.app.clock.advance(Duration::from_secs(9 * 60 + 50));
    let (status, body) = send(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": code}))).await;
    assert_eq!(status, 200, "just inside ten minutes: {body}");

    let code = fresh_code(&host).await;
    host.app.clock.advance(Duration::from_secs(10 * 60 + 1));
    let problem = expect_problem(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": code})), 400, "invalid_request").await;
    assert!(problem["detail"].as_str().unwrap().contains("expired"), "{problem}");
    // Expired stays expired: the code was not consumed, and still cannot be.
    expect_problem(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": code})), 400, "invalid_request").await;
}
