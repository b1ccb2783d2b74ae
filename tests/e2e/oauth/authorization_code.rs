//! Authorization code through the real connect pages: the form sends the browser to the
//! system's authorize URL (state + PKCE, redirect URI under `MILLWRIGHT_PUBLIC_URL`), the
//! system's redirect reaches the host's callback, the code is exchanged, and the operator gets
//! its one-time code as after any form. Then: refresh on expiry, the rotated refresh token
//! persisted (a restarted host on the same database still refreshes), a revoked grant is a 409
//! `connection_reauth_required` (reason `token_refresh_failed`), and a relink recovers it.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{App, CLIENT, CONNECTOR, Fixture, SECRET};
use crate::harness::{expect_problem, send};

const REDIRECT: &str = "https://app.example.com/linked";

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    query(url).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()["location"].to_str().unwrap().to_string()
}

pub fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a form token") + "name=\"_csrf\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Posts the connect form of `html` (its form token, the sandbox's base URL).
pub async fn post_form(f: &Fixture, app: &App, session_url: &str, html: &str) -> reqwest::Response {
    let form = url::form_urlencoded::Serializer::new(String::new()).append_pair("_csrf", &csrf_of(html)).append_pair("_base_url", &f.base_url()).finish();
    app.http.post(format!("{session_url}/{CONNECTOR}")).header("content-type", "application/x-www-form-urlencoded").body(form).send().await.unwrap()
}

/// The sign-in URL the form's POST leads to: its 303's `Location`, or the page's link.
async fn authorize_url_of(resp: reqwest::Response) -> String {
    if resp.status() == 303 {
        return location(&resp);
    }
    let page = resp.text().await.unwrap();
    let start = page.find("href=\"").expect("a sign-in link") + "href=\"".len();
    page[start..start + page[start..].find('"').unwrap()].replace("&amp;", "&")
}

pub async fn link_session(app: &App, extra: Value) -> String {
    let mut body = json!({
        "end_customer_id": "plant-7", "redirect_uri": REDIRECT, "environment": "test",
        "allowed_connectors": [CONNECTOR], "state": "op-state-1",
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let (status, created) = send(app.admin(Method::POST, "/v1/admin/link-sessions").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    created["url"].as_str().unwrap().to_string()
}

/// Form → authorize → callback; returns the operator's one-time code.
async fn sign_in(f: &Fixture, app: &App, session_url: &str, reconnect: bool) -> String {
    let page = app.http.get(session_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert_eq!(csp.contains(&format!("http://{}", f.sandbox.addr())), reconnect, "form-action names the sign-in origin when known: {csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("Continue to MaintainX (OAuth test) sign-in"), "{html}");
    assert!(!html.contains("type=\"password\""), "no secret to type");
    let resp = post_form(f, app, session_url, &html).await;
    // A new connection's base URL is typed in the form, so its page cannot allow the sign-in
    // origin in CSP `form-action`: the POST answers with a link. A reconnect knows it: a 303.
    assert_eq!(resp.status(), if reconnect { 303 } else { 200 });
    let authorize = authorize_url_of(resp).await;
    assert!(authorize.starts_with(&f.sandbox.oauth_authorize_url()), "{authorize}");
    let callback = format!("{}/connect/oauth/callback", app.url);
    assert_eq!(param(&authorize, "redirect_uri").as_deref(), Some(callback.as_str()));
    assert_eq!(param(&authorize, "response_type").as_deref(), Some("code"));
    assert_eq!(param(&authorize, "client_id").as_deref(), Some(CLIENT));
    assert_eq!(param(&authorize, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param(&authorize, "code_challenge").unwrap().len(), 43);
    assert!(param(&authorize, "state").unwrap().starts_with("mwo_"));
    assert!(!authorize.contains(SECRET));

    // The system (auto-approving) redirects the browser to the host's callback.
    let approved = app.http.get(&authorize).send().await.unwrap();
    assert_eq!(approved.status(), 302);
    let back = location(&approved);
    assert!(back.starts_with(&format!("{callback}?")), "{back}");
    let done = app.http.get(&back).send().await.unwrap();
    assert_eq!(done.status(), 303, "{}", done.text().await.unwrap());
    let to_operator = location(&done);
    assert!(to_operator.starts_with(&format!("{REDIRECT}?")), "{to_operator}");
    assert_eq!(param(&to_operator, "state").as_deref(), Some("op-state-1"));

    // The same callback again: its state is spent.
    let replay = app.http.get(&back).send().await.unwrap();
    assert_eq!(replay.status(), 400);
    param(&to_operator, "code").unwrap()
}

/// A new connection through the connect pages; its id and token.
pub async fn link_with_code(f: &Fixture, app: &App) -> (String, String) {
    let session_url = link_session(app, json!({"allow_private": ["127.0.0.0/8"]})).await;
    let code = sign_in(f, app, &session_url, false).await;
    let linked = exchange(app, &code).await;
    (linked["connection_id"].as_str().unwrap().to_string(), linked["token"].as_str().unwrap().to_string())
}

async fn exchange(app: &App, code: &str) -> Value {
    let (status, body) = send(app.admin(Method::POST, "/v1/link/token").json(&json!({"code": code}))).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn connect_page_sign_in_refresh_rotation_restart_revocation_and_relink() {
    let f = Fixture::start().await;
    let app = f.app().await;
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET})).await;
    let session_url = link_session(&app, json!({"allow_private": ["127.0.0.0/8"]})).await;
    let code = sign_in(&f, &app, &session_url, false).await;
    let linked = exchange(&app, &code).await;
    let token = linked["token"].as_str().unwrap().to_string();
    let connection_id = linked["connection_id"].as_str().unwrap().to_string();
    assert!(linked["account"]["id"].is_string(), "checked live with the new grant: {linked}");

    let after_exchange = f.sandbox.oauth_token_requests();
    assert_eq!(after_exchange, 1, "one code exchange");
    let (status, body) = app.work_orders(&token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(f.sandbox.oauth_token_requests(), 1, "the exchanged access token is used");

    // Expired: one refresh (rotating the refresh token), stored with the new access token.
    app.advance(Duration::from_secs(3600));
    assert_eq!(app.work_orders(&token).await.0, 200);
    assert_eq!(f.sandbox.oauth_token_requests(), 2);

    // A restarted host on the same database uses the stored access token, and refreshes with
    // the rotated refresh token (the first one is spent: the sandbox would answer invalid_grant).
    drop(app);
    let app = f.app().await;
    assert_eq!(app.work_orders(&token).await.0, 200);
    assert_eq!(f.sandbox.oauth_token_requests(), 2, "the stored access token survived the restart");
    app.advance(Duration::from_secs(3 * 3600));
    let (status, body) = app.work_orders(&token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(f.sandbox.oauth_token_requests(), 3);

    // The customer revokes the grant: the 401 triggers one refresh, which is invalid_grant.
    f.sandbox.revoke_oauth_grants(CLIENT);
    let problem = expect_problem(app.get(&token, "/v1/work-orders"), 409, "connection_reauth_required").await;
    assert_eq!(problem["reason"], "token_refresh_failed", "{problem}");
    assert_eq!(problem["connection_id"], connection_id.as_str());
    assert!(problem["detail"].as_str().unwrap().contains("invalid_grant"), "{problem}");
    assert_eq!(f.sandbox.oauth_token_requests(), 4, "exactly one refresh attempt");

    // A relink session signs in again; the connection keeps its id and token.
    let relink_url = link_session(&app, json!({"connection_id": connection_id})).await;
    let code = sign_in(&f, &app, &relink_url, true).await;
    let relinked = exchange(&app, &code).await;
    assert_eq!(relinked["connection_id"], connection_id.as_str());
    assert_eq!(relinked["reconnect"], true);
    let (status, body) = app.work_orders(&token).await;
    assert_eq!(status, 200, "{body}");

    // Nothing the operator can read holds a token or the client secret.
    let (_, view) = send(app.admin(Method::GET, &format!("/v1/admin/connections/{connection_id}"))).await;
    let (_, audit) = send(app.admin(Method::GET, "/v1/admin/audit-log?page_size=100")).await;
    for text in [view.to_string(), audit.to_string()] {
        assert!(!text.contains(SECRET) && !text.contains("mw:oauth"), "{text}");
    }
}

#[tokio::test]
async fn a_refused_or_forged_sign_in_stores_nothing() {
    let f = Fixture::start().await;
    let app = f.app().await;
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET})).await;
    // The system answers with an error instead of a code.
    let session_url = link_session(&app, json!({"allow_private": ["127.0.0.0/8"]})).await;
    let html = app.http.get(&session_url).send().await.unwrap().text().await.unwrap();
    let resp = post_form(&f, &app, &session_url, &html).await;
    let state = param(&authorize_url_of(resp).await, "state").unwrap();
    let denied = app.http.get(format!("{}/connect/oauth/callback?error=access_denied&state={state}", app.url)).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    assert!(denied.text().await.unwrap().contains("did not grant access"));
    // Unknown or malformed states, and a forged code with a spent state.
    for q in ["code=abc&state=mwo_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "code=abc", &format!("code=abc&state={state}")] {
        let r = app.http.get(format!("{}/connect/oauth/callback?{q}", app.url)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{q}");
    }
    let (_, list) = send(app.admin(Method::GET, "/v1/admin/connections")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");
}

/// The grant's compare-and-swap and its survival across a restart, on PostgreSQL.
#[tokio::test]
async fn rotated_refresh_tokens_persist_on_postgres() {
    let pg = crate::databases::fresh_postgres().await;
    let f = Fixture::on(Some(pg.url.clone())).await;
    let app = f.app().await;
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET})).await;
    let (_, token) = link_with_code(&f, &app).await;
    app.advance(Duration::from_secs(3600));
    assert_eq!(app.work_orders(&token).await.0, 200);
    drop(app);
    let app = f.app().await;
    app.advance(Duration::from_secs(3 * 3600));
    let (status, body) = app.work_orders(&token).await;
    assert_eq!(status, 200, "refreshed with the stored, rotated refresh token: {body}");
    assert_eq!(f.sandbox.oauth_token_requests(), 3, "exchange + two refreshes");
    app.app.store.close().await;
}
