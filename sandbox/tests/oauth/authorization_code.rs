//! The authorization endpoint and the authorization-code grant.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::common::{As, CLIENT, REDIRECT, SECRET, location_params, param, reply};

fn base(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut p = vec![
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
    ];
    p.extend_from_slice(extra);
    p
}

#[tokio::test]
async fn consent_page_posts_back_and_redirects_with_code_and_state() {
    let a = As::default().await;
    let page = a.authorize(&base(&[("scope", "read")])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("<form method=\"post\" action=\"authorize\">"),
        "{}",
        page.text
    );
    assert!(page.text.contains("value=\"allow\">Allow</button>"));
    // What the browser would submit: the hidden fields plus the button.
    let mut form = base(&[("scope", "read")]);
    form.push(("decision", "allow"));
    let resp = a
        .http
        .post(a.sandbox.oauth_authorize_url())
        .form(&form)
        .send()
        .await
        .unwrap();
    let r = reply(resp).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(
        r.header("location")
            .unwrap()
            .starts_with("http://127.0.0.1:9/callback?")
    );
    let params = location_params(&r);
    assert_eq!(param(&params, "state"), Some("xyz"));
    let code = param(&params, "code").unwrap();
    let t = a.exchange(code).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["scope"], "read");
    assert!(t.body["refresh_token"].is_string());

    form.pop();
    form.push(("decision", "deny"));
    let resp = a
        .http
        .post(a.sandbox.oauth_authorize_url())
        .form(&form)
        .send()
        .await
        .unwrap();
    let params = location_params(&reply(resp).await);
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some("xyz"));
}

#[tokio::test]
async fn bad_client_or_redirect_is_a_page_never_a_redirect() {
    let a = As::default().await;
    for (name, value) in [
        ("redirect_uri", "http://evil.example/cb"),
        ("redirect_uri", "http://127.0.0.1:80@evil.example/cb"),
        ("redirect_uri", "https://127.0.0.1:9/callback"),
        ("client_id", "nobody"),
    ] {
        let params: Vec<_> = base(&[("auto_approve", "1")])
            .into_iter()
            .map(|(k, v)| if k == name { (k, value) } else { (k, v) })
            .collect();
        let r = a.authorize(&params).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}={value}");
        assert!(r.header("location").is_none());
        assert!(r.text.contains("Authorization error"));
    }
    // With a trustworthy redirect URI, other problems go back to the client.
    let r = a
        .authorize(&base(&[("auto_approve", "1"), ("scope", "admin")]))
        .await;
    assert_eq!(param(&location_params(&r), "error"), Some("invalid_scope"));
    let wrong_type: Vec<_> = base(&[("auto_approve", "1")])
        .into_iter()
        .map(|(k, v)| {
            if k == "response_type" {
                (k, "token")
            } else {
                (k, v)
            }
        })
        .collect();
    let r = a.authorize(&wrong_type).await;
    assert_eq!(
        param(&location_params(&r), "error"),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn codes_are_single_use_and_reuse_revokes_their_tokens() {
    let a = As::default().await;
    let code = a.code().await;
    let first = a.exchange(&code).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let access = first.body["access_token"].as_str().unwrap();
    assert_eq!(a.maintainx(access).await.status, StatusCode::OK);
    a.exchange(&code).await.assert_error("invalid_grant");
    assert_eq!(
        a.maintainx(access).await.status,
        StatusCode::UNAUTHORIZED,
        "RFC 6749 §4.1.2"
    );
    let refresh = first.body["refresh_token"].as_str().unwrap();
    a.refresh(refresh).await.assert_error("invalid_grant");
    a.exchange("sbx_code_made-up")
        .await
        .assert_error("invalid_grant");
}

#[tokio::test]
async fn redirect_and_client_must_match_the_authorization() {
    let a = As::default().await;
    let code = a.code().await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9/other"),
    ];
    a.token_basic(CLIENT, SECRET, &form)
        .await
        .assert_error("invalid_grant");
    a.exchange(&code).await.assert_error("invalid_grant");

    let code = a.code().await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
    ];
    let r = a.token_basic(CLIENT, SECRET, &form).await;
    r.assert_error("invalid_grant");
    assert!(r.text.contains("redirect_uri"), "{}", r.text);

    let code = a.code().await;
    a.token_basic(
        CLIENT,
        "wrong",
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await
    .assert_error("invalid_client");
}

#[tokio::test]
async fn pkce_s256_is_checked() {
    let a = As::default().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let code = param(&a.approve(&pkce).await, "code").unwrap().to_string();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    form.push(("code_verifier", verifier));
    let r = a.token_basic(CLIENT, SECRET, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let code = param(&a.approve(&pkce).await, "code").unwrap().to_string();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        (
            "code_verifier",
            "not-the-verifier-not-the-verifier-not-the-verifier",
        ),
    ];
    a.token_basic(CLIENT, SECRET, &form)
        .await
        .assert_error("invalid_grant");
}

#[tokio::test]
async fn sandbox_wide_auto_approval() {
    let a = As::default().await;
    assert_eq!(
        a.authorize(&base(&[])).await.status,
        StatusCode::OK,
        "consent page"
    );
    a.sandbox.set_oauth_auto_approve(true);
    let r = a.authorize(&base(&[])).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(param(&location_params(&r), "code").is_some());
}
