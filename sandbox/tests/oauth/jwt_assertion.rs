//! NetSuite-style client credentials with a JWT client assertion (PS256 and ES256).

use millwright_sandbox::oauth::JWT_BEARER_ASSERTION;
use millwright_sandbox::{OAuthClient, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{As, Reply};
use crate::keys::{self, KeyPair, claims, now, sign};

const NS: &str = "ns-client";

fn ns_client(public_pem: &str) -> OAuthClient {
    OAuthClient {
        client_id: NS.into(),
        client_secret: "unused-secret".into(),
        redirect_uris: Vec::new(),
        scopes: vec!["restlets".into(), "rest_webservices".into()],
        jwt_public_key_pem: Some(public_pem.to_string()),
    }
}

async fn server(public_pem: &str) -> (As, String) {
    let client = ns_client(public_pem);
    let kid = client.jwt_kid().expect("kid of a registered key");
    let config = SandboxConfig {
        oauth_clients: vec![client],
        ..crate::common::config()
    };
    (As::start(config).await, kid)
}

async fn assert_with(a: &As, jwt: &str) -> Reply {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER_ASSERTION),
        ("client_assertion", jwt),
    ];
    a.token(&form).await
}

async fn valid_assertion_gets_a_token(key: &KeyPair) {
    let (a, kid) = server(&key.public_pem).await;
    let aud = a.sandbox.oauth_token_url();
    let jwt = sign(key, &kid, &claims(NS, &aud, "restlets,rest_webservices"));
    let r = assert_with(&a, &jwt).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["scope"], "restlets rest_webservices");
    assert!(r.body.get("refresh_token").is_none());
    let token = r.body["access_token"].as_str().unwrap();
    assert_eq!(a.maintainx(token).await.status, StatusCode::OK);

    let mut c = claims(NS, &aud, "rest_webservices");
    c["aud"] = json!([aud]);
    let r = assert_with(&a, &sign(key, &kid, &c)).await;
    assert_eq!(r.body["scope"], "rest_webservices", "{}", r.text);
}

#[tokio::test]
async fn ps256_assertion_is_accepted() {
    valid_assertion_gets_a_token(keys::rsa(0)).await;
}

#[tokio::test]
async fn es256_assertion_is_accepted() {
    valid_assertion_gets_a_token(&keys::ec()).await;
}

/// Each tampering of a valid assertion and the error it must get.
#[tokio::test]
async fn invalid_assertions_are_refused() {
    let key = keys::ec();
    let (a, kid) = server(&key.public_pem).await;
    let aud = a.sandbox.oauth_token_url();
    let good = claims(NS, &aud, "restlets");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = good.clone();
        f(&mut c);
        c
    };
    let netsuite_aud =
        "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
    let signed = |f: &dyn Fn(&mut Value)| sign(&key, &kid, &with(f));
    // (case, assertion, error, what the description must name)
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "wrong key",
            sign(&keys::ec(), &kid, &good),
            "invalid_client",
            "signature",
        ),
        (
            "alg unlike the key",
            sign(keys::rsa(0), &kid, &good),
            "invalid_client",
            "alg",
        ),
        (
            "wrong kid",
            sign(&key, "some-other-kid", &good),
            "invalid_client",
            "kid",
        ),
        (
            "expired",
            signed(&|c| {
                c["iat"] = json!(now() - 600);
                c["exp"] = json!(now() - 60);
            }),
            "invalid_client",
            "expired",
        ),
        (
            "over 60 minutes",
            signed(&|c| c["exp"] = json!(now() + 3700)),
            "invalid_client",
            "60 minutes",
        ),
        (
            "wrong aud",
            signed(&|c| c["aud"] = json!(netsuite_aud)),
            "invalid_client",
            "aud",
        ),
        (
            "no aud",
            signed(&|c| {
                c.as_object_mut().unwrap().remove("aud");
            }),
            "invalid_client",
            "aud",
        ),
        (
            "unknown iss",
            signed(&|c| c["iss"] = json!("nobody")),
            "invalid_client",
            "iss",
        ),
        (
            "scope not allowed",
            signed(&|c| c["scope"] = json!("restlets,suiteanalytics")),
            "invalid_scope",
            "suiteanalytics",
        ),
        (
            "garbage",
            "not.a.jwt".to_string(),
            "invalid_client",
            "malformed",
        ),
    ];
    for (name, jwt, error, fragment) in cases {
        let r = assert_with(&a, &jwt).await;
        assert_eq!(r.body["error"], error, "{name}: {}", r.text);
        let description = r.body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains(fragment), "{name}: {}", r.text);
        assert!(r.body.get("access_token").is_none(), "{name}");
    }
    // Tampered claims under the original signature.
    let jwt = sign(&key, &kid, &good);
    let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
    let forged = with(&|c| c["scope"] = json!("restlets,rest_webservices"));
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&forged).unwrap(),
    );
    assert_with(&a, &parts.join("."))
        .await
        .assert_error("invalid_client");
    // The assertion must be declared as such.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", "urn:example:other"),
        ("client_assertion", jwt.as_str()),
    ];
    a.token(&form).await.assert_error("invalid_request");
    assert_eq!(
        assert_with(&a, &jwt).await.status,
        StatusCode::OK,
        "the untampered one passes"
    );
}

#[tokio::test]
async fn clients_without_a_key_cannot_assert() {
    let a = As::default().await;
    let key = keys::ec();
    let jwt = sign(
        &key,
        "kid",
        &claims("mx-client", &a.sandbox.oauth_token_url(), "read"),
    );
    assert_with(&a, &jwt).await.assert_error("invalid_client");
}

#[tokio::test]
async fn unusable_keys_fail_at_start() {
    let bad = SandboxConfig {
        oauth_clients: vec![ns_client(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        )],
        ..crate::common::config()
    };
    assert!(
        millwright_sandbox::Sandbox::bind("127.0.0.1:0", bad)
            .await
            .is_err()
    );
    let private = SandboxConfig {
        oauth_clients: vec![ns_client(&keys::ec().private_pem)],
        ..crate::common::config()
    };
    assert!(
        millwright_sandbox::Sandbox::bind("127.0.0.1:0", private)
            .await
            .is_err()
    );
}
