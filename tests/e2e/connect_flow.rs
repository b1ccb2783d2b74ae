//! The hosted connect flow over loopback HTTP, redirects not followed: link sessions created by
//! the operator, the connect pages (picker, form, errors in plain words, CSRF), the redirect
//! with a one-time code, the code exchange, reconnects (same account, another account, token
//! rotation), and every way in which a link, a code or a form can be misused.

use millwright_sandbox::{Sandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Host, MX_KEY, Options, expect_problem, send};

const REDIRECT: &str = "https://app.example.com/callback";

/// A browser that does not follow redirects, so the 303 and its `Location` can be inspected.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A new-connection session for end customer `acme`, MaintainX only, loopback allowed (the
/// sandbox), with `state`.
fn session_body() -> Value {
    json!({
        "end_customer_id": "acme",
        "redirect_uri": REDIRECT,
        "environment": "test",
        "allowed_connectors": ["maintainx"],
        "allow_private": ["127.0.0.0/8"],
        "state": "st-42",
    })
}

async fn create_session(host: &Host, body: &Value) -> Value {
    let (status, created) = send(host.admin(Method::POST, "/v1/admin/link-sessions").json(body)).await;
    assert_eq!(status, 201, "{created}");
    assert!(created["id"].as_str().unwrap().starts_with("lnk_"));
    let url = created["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/connect/mwl_", host.url)), "{url}");
    created
}

async fn get_page(url: &str) -> (u16, String) {
    let resp = browser().get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    (status, resp.text().await.unwrap())
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a form token") + "name=\"_csrf\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Posts the connect form (the form token taken from a fresh GET of the form page).
pub(crate) async fn post_form(form_url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (status, page) = get_page(form_url).await;
    let csrf = if status == 200 { csrf_of(&page) } else { String::new() };
    post_raw(form_url, &csrf, fields).await
}

async fn post_raw(form_url: &str, csrf: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new()).append_pair("_csrf", csrf).extend_pairs(fields).finish();
    browser().post(form_url).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap()
}

/// The `code` (and `state`) of a 303 to the redirect URI.
pub(crate) fn code_of(resp: &reqwest::Response) -> (String, Option<String>) {
    assert_eq!(resp.status().as_u16(), 303);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?")), "redirects to the session's URI only: {location}");
    let url = url::Url::parse(location).unwrap();
    let get = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    (get("code").expect("a code"), get("state"))
}

pub(crate) async fn exchange(host: &Host, code: &str) -> (u16, Value) {
    send(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": code}))).await
}

async fn connections_of(host: &Host, customer: &str) -> Vec<Value> {
    let (_, body) = send(host.admin(Method::GET, &format!("/v1/admin/connections?end_customer_id={customer}"))).await;
    body["data"].as_array().unwrap().clone()
}

/// Every `src`, `href` and `action` value of a page.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    out
}

fn assert_self_contained(html: &str) {
    assert!(html.contains("<html lang=\"en\">") && html.contains("<main>"), "{html}");
    assert!(!html.contains("<script"), "no scripts");
    for r in references(html) {
        assert!(!r.starts_with("http") && !r.starts_with("//"), "external reference `{r}` in {html}");
    }
}

/// Creates a connection through the flow; returns its id and token.
pub(crate) async fn link_new(host: &Host) -> (String, String) {
    let url = create_session(host, &session_body()).await["url"].as_str().unwrap().to_string();
    let resp = post_form(&format!("{url}/maintainx"), &[("api_key", MX_KEY), ("_base_url", &host.sandbox.maintainx_base_url())]).await;
    let (code, _) = code_of(&resp);
    let (status, exchanged) = exchange(host, &code).await;
    assert_eq!(status, 200, "{exchanged}");
    (exchanged["connection_id"].as_str().unwrap().to_string(), exchanged["token"].as_str().unwrap().to_string())
}

async fn happy_path(host: &Host) {
    let created = create_session(host, &session_body()).await;
    let url = created["url"].as_str().unwrap();
    // One allowed connector: the form at once.
    let (status, page) = get_page(url).await;
    assert_eq!(status, 200, "{page}");
    assert_self_contained(&page);
    assert!(page.contains("Connect MaintainX"), "{page}");
    assert!(page.contains("type=\"password\" value=\"\""), "the API key is a password input: {page}");
    assert!(page.contains("<label for=\"f-api_key\">API key</label>"), "labels bound to inputs: {page}");
    assert!(page.contains("value=\"https://api.getmaintainx.com/v1\""), "base URL prefilled with the default: {page}");
    // A `redirect_uri` (or `state`) in the form cannot steer the redirect.
    let resp = post_form(
        &format!("{url}/maintainx"),
        &[("api_key", MX_KEY), ("_base_url", &host.sandbox.maintainx_base_url()), ("redirect_uri", "https://evil.example/steal"), ("state", "evil")],
    )
    .await;
    let (code, state) = code_of(&resp);
    assert_eq!(state.as_deref(), Some("st-42"));
    assert!(code.starts_with("mwc_") && code.len() >= 40, "{code}");

    let (status, exchanged) = exchange(host, &code).await;
    assert_eq!(status, 200, "{exchanged}");
    assert_eq!(exchanged["end_customer_id"], "acme");
    assert_eq!(exchanged["connector_id"], "maintainx");
    let connection_id = exchanged["connection_id"].as_str().unwrap();
    let token = exchanged["token"].as_str().unwrap();
    let (status, conn) = send(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(token)).await;
    assert_eq!(status, 200, "{conn}");
    assert_eq!(conn["id"], connection_id);
    assert_eq!(connections_of(host, "acme").await.len(), 1);

    // Single use, and the session is done.
    expect_problem(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": code})), 400, "invalid_request").await;
    let (_, session) = send(host.admin(Method::GET, &format!("/v1/admin/link-sessions/{}", created["id"].as_str().unwrap()))).await;
    assert_eq!(session["status"], "completed", "{session}");
    assert_eq!(session["connection_id"], connection_id);
    let (status, page) = get_page(url).await;
    assert_eq!(status, 410);
    assert!(!page.contains("<form"), "a used link shows no form");
    let resp = post_raw(&format!("{url}/maintainx"), &csrf_of_session(url), &[("api_key", MX_KEY)]).await;
    assert_eq!(resp.status().as_u16(), 410, "a completed session cannot be reused");
    assert_eq!(connections_of(host, "acme").await.len(), 1);

    let (_, audit) = send(host.admin(Method::GET, "/v1/admin/audit-log")).await;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["link_session.create", "connection.create", "link_session.exchange"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
    assert!(!audit.to_string().contains(MX_KEY) && !audit.to_string().contains(&code) && !audit.to_string().contains(token));
}

/// The form token of a session URL, as a page of it would carry (derived from the secret), so a
/// POST can be made after the pages stopped showing forms.
fn csrf_of_session(url: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let secret = url.rsplit('/').next().unwrap();
    let mut h = Sha256::new();
    h.update(b"millwright-connect-form-token\0");
    h.update(secret.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

#[tokio::test]
async fn happy_path_from_session_to_token() {
    let host = Host::start().await;
    happy_path(&host).await;
}

#[tokio::test]
async fn happy_path_on_postgres() {
    let pg = crate::databases::fresh_postgres().await;
    let host = Host::with(Options { database_url: Some(pg.url.clone()), ..Default::default() }).await;
    happy_path(&host).await;
}

#[tokio::test]
async fn the_picker_offers_only_allowed_connectors_and_refuses_others() {
    let host = Host::start().await;
    let mut body = session_body();
    body.as_object_mut().unwrap().remove("allowed_connectors");
    let url = create_session(&host, &body).await["url"].as_str().unwrap().to_string();
    let (status, page) = get_page(&url).await;
    assert_eq!(status, 200);
    assert_self_contained(&page);
    let secret = url.rsplit('/').next().unwrap();
    assert!(page.contains(&format!("href=\"{secret}/maintainx\">MaintainX</a>")), "{page}");
    assert!(page.contains(&format!("href=\"{secret}/hostile\"")), "{page}");

    // Only MaintainX allowed: another connector's form and a crafted POST for it are refused.
    let url = create_session(&host, &session_body()).await["url"].as_str().unwrap().to_string();
    let (status, page) = get_page(&format!("{url}/hostile")).await;
    assert_eq!(status, 403);
    assert!(!page.contains("<form"));
    let resp = post_raw(&format!("{url}/hostile"), &csrf_of_session(&url), &[("api_key", "x"), ("mode", "well_behaved")]).await;
    assert_eq!(resp.status().as_u16(), 403);
    assert!(connections_of(&host, "acme").await.is_empty(), "nothing stored");
    let (status, _) = get_page(&format!("{url}/no-such-connector")).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn wrong_credentials_show_a_clear_message_and_store_nothing() {
    let host = Host::start().await;
    let url = create_session(&host, &session_body()).await["url"].as_str().unwrap().to_string();
    let form_url = format!("{url}/maintainx");
    let base = host.sandbox.maintainx_base_url();
    let resp = post_form(&form_url, &[("api_key", "wrong-secret-key"), ("organization_id", "4711"), ("_base_url", &base)]).await;
    assert_eq!(resp.status().as_u16(), 422);
    let page = resp.text().await.unwrap();
    assert!(page.contains("MaintainX rejected these credentials"), "{page}");
    assert!(page.contains("role=\"alert\""));
    assert!(!page.contains("wrong-secret-key"), "no secret echoed back");
    assert!(page.contains("type=\"password\" value=\"\""), "secret inputs empty");
    assert!(page.contains("value=\"4711\""), "non-secret inputs kept: {page}");
    assert!(page.contains(&format!("value=\"{base}\"")), "base URL kept");
    assert!(connections_of(&host, "acme").await.is_empty(), "nothing stored");

    // The session is still usable.
    let resp = post_form(&form_url, &[("api_key", MX_KEY), ("_base_url", &base)]).await;
    code_of(&resp);
}

#[tokio::test]
async fn a_malformed_base_url_is_refused_on_its_field() {
    let host = Host::start().await;
    let url = create_session(&host, &session_body()).await["url"].as_str().unwrap().to_string();
    let resp = post_form(&format!("{url}/maintainx"), &[("api_key", MX_KEY), ("_base_url", "not a url<script>")]).await;
    assert_eq!(resp.status().as_u16(), 422);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Enter the full address of the MaintainX API"), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("value=\"not a url&lt;script&gt;\""), "kept, escaped: {page}");
    assert!(!page.contains("<script"));
    assert!(connections_of(&host, "acme").await.is_empty());
}

#[tokio::test]
async fn expired_and_unknown_links_show_pages_not_forms() {
    let host = Host::start().await;
    let mut body = session_body();
    body["expires_in"] = json!(1);
    let url = create_session(&host, &body).await["url"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    for page_url in [url.clone(), format!("{url}/maintainx")] {
        let (status, page) = get_page(&page_url).await;
        assert_eq!(status, 410);
        assert!(page.contains("expired") && !page.contains("<form"), "{page}");
    }
    let resp = post_raw(&format!("{url}/maintainx"), &csrf_of_session(&url), &[("api_key", MX_KEY), ("_base_url", &host.sandbox.maintainx_base_url())]).await;
    assert_eq!(resp.status().as_u16(), 410);
    assert!(connections_of(&host, "acme").await.is_empty());

    let forged = format!("{}/connect/mwl_{}", host.url, "A".repeat(43));
    assert_eq!(get_page(&forged).await.0, 404);
    assert_eq!(get_page(&format!("{}/connect/garbage", host.url)).await.0, 404);
}

#[tokio::test]
async fn codes_are_single_use_secret_and_need_the_admin_token() {
    let host = Host::start().await;
    let url = create_session(&host, &session_body()).await["url"].as_str().unwrap().to_string();
    let resp = post_form(&format!("{url}/maintainx"), &[("api_key", MX_KEY), ("_base_url", &host.sandbox.maintainx_base_url())]).await;
    let (code, _) = code_of(&resp);
    let token_url = format!("{}/v1/link/token", host.url);
    // Without the admin token, or with a connection token: refused, and the code still works.
    expect_problem(host.client.post(&token_url).json(&json!({"code": code})), 401, "unauthorized").await;
    expect_problem(host.client.post(&token_url).bearer_auth(&host.token).json(&json!({"code": code})), 401, "unauthorized").await;
    // Forged codes.
    let forged = format!("mwc_{}", "B".repeat(43));
    expect_problem(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": forged})), 400, "invalid_request").await;
    expect_problem(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": "guess"})), 400, "invalid_request").await;
    expect_problem(host.admin(Method::POST, "/v1/link/token").json(&json!({})), 422, "validation_failed").await;
    let (status, exchanged) = exchange(&host, &code).await;
    assert_eq!(status, 200, "{exchanged}");
    // Reused.
    expect_problem(host.admin(Method::POST, "/v1/link/token").json(&json!({"code": code})), 400, "invalid_request").await;
    let token = exchanged["token"].as_str().unwrap();
    assert_eq!(send(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(token)).await.0, 200, "a reuse changes nothing");
}

#[tokio::test]
async fn posts_without_the_form_token_or_from_another_site_are_refused() {
    let host = Host::start().await;
    let url = create_session(&host, &session_body()).await["url"].as_str().unwrap().to_string();
    let form_url = format!("{url}/maintainx");
    let fields = [("api_key", MX_KEY), ("_base_url", &host.sandbox.maintainx_base_url() as &str)];
    assert_eq!(post_raw(&form_url, "", &fields).await.status().as_u16(), 403);
    assert_eq!(post_raw(&form_url, "forged-token", &fields).await.status().as_u16(), 403);
    let body = url::form_urlencoded::Serializer::new(String::new()).append_pair("_csrf", &csrf_of_session(&url)).extend_pairs(fields).finish();
    let cross_site = browser()
        .post(&form_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status().as_u16(), 403);
    assert!(connections_of(&host, "acme").await.is_empty());
    // Same-origin browsers get through.
    let body = url::form_urlencoded::Serializer::new(String::new()).append_pair("_csrf", &csrf_of_session(&url)).extend_pairs(fields).finish();
    let same = browser()
        .post(&form_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &host.url)
        .header("sec-fetch-site", "same-origin")
        .body(body)
        .send()
        .await
        .unwrap();
    code_of(&same);
}

#[tokio::test]
async fn session_creation_validates_every_field() {
    let host = Host::start().await;
    let path = "/v1/admin/link-sessions";
    expect_problem(host.client.post(format!("{}{path}", host.url)).json(&session_body()), 401, "unauthorized").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("end_customer_id", Value::Null, "end_customer_id"),
        ("end_customer_id", json!(""), "end_customer_id"),
        ("redirect_uri", Value::Null, "redirect_uri"),
        ("redirect_uri", json!("/callback"), "redirect_uri"),
        ("redirect_uri", json!("ftp://app.example.com/cb"), "redirect_uri"),
        ("redirect_uri", json!("https://app.example.com/cb#frag"), "redirect_uri"),
        ("redirect_uri", json!("https://user:pw@app.example.com/cb"), "redirect_uri"),
        ("environment", json!("prod"), "environment"),
        ("environment", Value::Null, "environment"),
        ("allowed_connectors", json!([]), "allowed_connectors"),
        ("allowed_connectors", json!(["sap-s4"]), "allowed_connectors"),
        ("allowed_connectors", json!("maintainx"), "allowed_connectors"),
        ("expires_in", json!(0), "expires_in"),
        ("expires_in", json!(604_801), "expires_in"),
        ("expires_in", json!(1.5), "expires_in"),
        ("connection_id", json!("conn_nope"), "connection_id"),
        ("rotate_tokens", json!(true), "rotate_tokens"),
        ("rotate_tokens", json!("yes"), "rotate_tokens"),
        ("state", json!(42), "state"),
        ("allow_private", json!(["not a network or host"]), "allow_private"),
        ("colour", json!("red"), "colour"),
    ];
    for (field, value, named) in cases {
        let mut body = session_body();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(field);
        } else {
            body[field] = value.clone();
        }
        if field == "connection_id" {
            body.as_object_mut().unwrap().remove("allow_private");
        }
        let e = expect_problem(host.admin(Method::POST, path).json(&body), 422, "validation_failed").await;
        assert_eq!(e["field"], named, "{field} = {value}: {e}");
    }
    // https for live sessions, except on localhost.
    let mut live = session_body();
    live["environment"] = json!("live");
    live["redirect_uri"] = json!("http://app.example.com/cb");
    let e = expect_problem(host.admin(Method::POST, path).json(&live), 422, "validation_failed").await;
    assert_eq!(e["field"], "redirect_uri");
    live["redirect_uri"] = json!("http://localhost:3000/cb");
    assert_eq!(send(host.admin(Method::POST, path).json(&live)).await.0, 201);
    let mut max = session_body();
    max["expires_in"] = json!(604_800);
    assert_eq!(send(host.admin(Method::POST, path).json(&max)).await.0, 201);
    // A reconnect must match the connection's end customer and environment.
    let (connection_id, _) = link_new(&host).await;
    let mut other = session_body();
    other["connection_id"] = json!(connection_id);
    other.as_object_mut().unwrap().remove("allow_private");
    other["end_customer_id"] = json!("globex");
    let e = expect_problem(host.admin(Method::POST, path).json(&other), 422, "validation_failed").await;
    assert_eq!(e["field"], "end_customer_id");
    other["end_customer_id"] = json!("acme");
    other["environment"] = json!("live");
    let e = expect_problem(host.admin(Method::POST, path).json(&other), 422, "validation_failed").await;
    assert_eq!(e["field"], "environment");
    other["environment"] = json!("test");
    other["allow_private"] = json!(["10.0.0.0/8"]);
    let e = expect_problem(host.admin(Method::POST, path).json(&other), 422, "validation_failed").await;
    assert_eq!(e["field"], "allow_private", "a reconnect keeps the connection's network policy");
}

/// A reconnect session for `connection_id`.
pub(crate) async fn reconnect_url(host: &Host, connection_id: &str, rotate: bool) -> String {
    let body = json!({
        "end_customer_id": "acme",
        "redirect_uri": REDIRECT,
        "environment": "test",
        "connection_id": connection_id,
        "rotate_tokens": rotate,
    });
    create_session(host, &body).await["url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn reconnect_with_the_same_account_keeps_id_and_token() {
    let host = Host::start().await;
    let (connection_id, token) = link_new(&host).await;
    let before = host.app.store.connection(&connection_id).await.unwrap().unwrap();
    let url = reconnect_url(&host, &connection_id, false).await;
    let (status, page) = get_page(&url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Reconnect MaintainX") && page.contains("Bedford Plant Operations"), "{page}");
    assert!(page.contains(&format!("value=\"{}\"", host.sandbox.maintainx_base_url())), "the connection's base URL: {page}");
    let resp = post_form(&format!("{url}/maintainx"), &[("api_key", MX_KEY)]).await;
    let (code, _) = code_of(&resp);
    let (status, exchanged) = exchange(&host, &code).await;
    assert_eq!(status, 200, "{exchanged}");
    assert_eq!(exchanged["connection_id"], connection_id.as_str());
    assert!(exchanged["token"].is_null(), "no new token without rotate_tokens: {exchanged}");
    let after = host.app.store.connection(&connection_id).await.unwrap().unwrap();
    assert_eq!(after.credentials_version, before.credentials_version + 1);
    assert!(after.config_version > before.config_version);
    assert_eq!(after.status, "active");
    let (status, conn) = send(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(&token)).await;
    assert_eq!(status, 200, "the old token still works: {conn}");
    assert_eq!(send(host.client.get(format!("{}/v1/work-orders?page_size=1", host.url)).bearer_auth(&token)).await.0, 200);
    assert_eq!(connections_of(&host, "acme").await.len(), 1, "no second connection");
}

#[tokio::test]
async fn reconnect_refuses_credentials_of_another_account() {
    let host = Host::start().await;
    let (connection_id, token) = link_new(&host).await;
    let before = host.app.store.connection(&connection_id).await.unwrap().unwrap();
    // Another MaintainX (a second emulator) whose key reaches organization 5353, not the
    // connection's organization.
    let config = SandboxConfig { work_orders: 10, maintainx_multi_org_keys: vec![("mx-other-org".into(), vec!["5353".into()])], ..Default::default() };
    let other = Sandbox::bind("127.0.0.1:0", config).await.unwrap();
    let url = reconnect_url(&host, &connection_id, true).await;
    let fields = [("api_key", "mx-other-org"), ("organization_id", "5353"), ("_base_url", &other.maintainx_base_url() as &str)];
    let resp = post_form(&format!("{url}/maintainx"), &fields).await;
    assert_eq!(resp.status().as_u16(), 422);
    let page = resp.text().await.unwrap();
    assert!(page.contains("These credentials belong to another account"), "{page}");
    assert!(!page.contains("mx-other-org"));
    let after = host.app.store.connection(&connection_id).await.unwrap().unwrap();
    assert_eq!((after.credentials_version, &after.base_url), (before.credentials_version, &before.base_url), "nothing changed");
    assert_eq!(send(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(&token)).await.0, 200);
}

#[tokio::test]
async fn reconnect_with_rotate_tokens_revokes_the_old_token() {
    let host = Host::start().await;
    let (connection_id, old_token) = link_new(&host).await;
    let url = reconnect_url(&host, &connection_id, true).await;
    let resp = post_form(&format!("{url}/maintainx"), &[("api_key", MX_KEY)]).await;
    let (code, _) = code_of(&resp);
    // Until the exchange the old token keeps working.
    assert_eq!(send(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(&old_token)).await.0, 200);
    let (status, exchanged) = exchange(&host, &code).await;
    assert_eq!(status, 200, "{exchanged}");
    assert_eq!(exchanged["connection_id"], connection_id.as_str());
    let new_token = exchanged["token"].as_str().expect("a new token");
    expect_problem(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(&old_token), 401, "unauthorized").await;
    let (status, conn) = send(host.client.get(format!("{}/v1/connection", host.url)).bearer_auth(new_token)).await;
    assert_eq!(status, 200);
    assert_eq!(conn["id"], connection_id.as_str());
}
