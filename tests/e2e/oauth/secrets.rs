//! No OAuth secret reaches the logs: every flow (client credentials, JWT-bearer, authorization
//! code with refresh, a revoked grant) runs under a subscriber capturing everything at TRACE on
//! this test's thread (the `current_thread` runtime runs the host's server tasks here too);
//! then the client secret, the private key, and every access and refresh token the host held
//! are searched for in the output.

use std::collections::BTreeMap;
use std::time::Duration;

use millwright::vault::Sealed;
use serde_json::json;

use super::authorization_code::link_with_code;
use super::fixture::{App, CLIENT, Fixture, SECRET};
use crate::harness::LogCapture;


/// The grant the host stored for `connection_id` (its sealed credentials, opened).
async fn stored_grant(app: &App, connection_id: &str) -> BTreeMap<String, String> {
    let row = app.app.store.connection(connection_id).await.unwrap().unwrap();
    let plain = app.app.connections.vault().open(connection_id, &Sealed { ciphertext: row.credentials, wrapped_key: row.wrapped_key }).unwrap();
    serde_json::from_slice(&plain).unwrap()
}

#[tokio::test]
async fn oauth_flows_log_no_secret() {
    let capture = LogCapture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_ansi(false).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let f = Fixture::start().await;
    let app = f.app().await;
    app.set_oauth_app(json!({"client_id": CLIENT, "client_secret": SECRET, "private_key_pem": f.key.private_pem, "key_id": f.kid})).await;
    let mut secrets: Vec<String> = vec![SECRET.into()];
    // The key's base64 body lines, any of which would betray it.
    secrets.extend(f.key.private_pem.lines().filter(|l| !l.starts_with("-----")).map(str::to_string));

    let (cc_id, cc_token) = app.connect(&f.base_url(), "oauth2_client_credentials").await;
    let (jwt_id, jwt_token) = app.connect(&f.base_url(), "jwt_bearer").await;
    for token in [&cc_token, &jwt_token] {
        assert_eq!(app.work_orders(token).await.0, 200);
    }
    // A 401 and its refresh, for both (their access tokens live in memory only; the stored
    // authorization-code grant below is the one whose tokens the test can name).
    f.sandbox.revoke_oauth_grants(CLIENT);
    assert_eq!(app.work_orders(&cc_token).await.0, 200, "401 → refresh → retry");
    assert_eq!(app.work_orders(&jwt_token).await.0, 200);
    secrets.push(cc_token.clone());
    secrets.push(jwt_token.clone());
    let _ = (cc_id, jwt_id);

    // Authorization code: the grant is stored, so its tokens are known to the test.
    let (ac_id, ac_token) = link_with_code(&f, &app).await;
    secrets.extend(stored_grant(&app, &ac_id).await.into_iter().filter(|(k, _)| !k.ends_with("expires_at")).map(|(_, v)| v));
    app.advance(Duration::from_secs(3600));
    assert_eq!(app.work_orders(&ac_token).await.0, 200);
    secrets.extend(stored_grant(&app, &ac_id).await.into_iter().filter(|(k, _)| !k.ends_with("expires_at")).map(|(_, v)| v));
    f.sandbox.revoke_oauth_grants(CLIENT);
    assert_eq!(app.work_orders(&ac_token).await.0, 409);

    drop(_guard);
    let log = String::from_utf8(capture.bytes()).unwrap();
    assert!(log.contains("DEBUG") || log.contains("TRACE") || log.contains("INFO"), "something was logged");
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        assert!(!log.contains(secret.as_str()), "secret `{}…` found in the logs", &secret[..6]);
    }
}
