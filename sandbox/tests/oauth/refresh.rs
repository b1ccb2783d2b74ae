//! Rotating refresh tokens and revocation of a client's grants.

use reqwest::StatusCode;

use crate::common::{As, CLIENT, SECRET};

#[tokio::test]
async fn refresh_tokens_rotate_and_old_ones_are_refused() {
    let a = As::default().await;
    let first = a.exchange(&a.code().await).await;
    let r0 = first.body["refresh_token"].as_str().unwrap().to_string();
    let second = a.refresh(&r0).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let r1 = second.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r0, r1, "a new refresh token each time");
    assert_ne!(second.body["access_token"], first.body["access_token"]);
    assert_eq!(second.body["scope"], "read write");

    let reuse = a.refresh(&r0).await;
    reuse.assert_error("invalid_grant");
    assert!(reuse.text.contains("already used"), "{}", reuse.text);
    let third = a.refresh(&r1).await;
    assert_eq!(
        third.status,
        StatusCode::OK,
        "the newest token survives the reuse attempt"
    );
    a.refresh(&r1).await.assert_error("invalid_grant");

    // Narrower scope for one access token; the grant keeps its scope.
    let r2 = third.body["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", r2),
        ("scope", "read"),
    ];
    let narrow = a.token_basic(CLIENT, SECRET, &form).await;
    assert_eq!(narrow.body["scope"], "read", "{}", narrow.text);
    let r3 = narrow.body["refresh_token"].as_str().unwrap();
    assert_eq!(a.refresh(r3).await.body["scope"], "read write");
    a.refresh("sbx_rt_made-up")
        .await
        .assert_error("invalid_grant");
}

#[tokio::test]
async fn refresh_tokens_belong_to_their_client() {
    let mut config = crate::common::config();
    config.oauth_clients.push(millwright_sandbox::OAuthClient {
        client_id: "other".into(),
        client_secret: "other-secret".into(),
        ..Default::default()
    });
    let a = As::start(config).await;
    let rt = a.exchange(&a.code().await).await.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    a.token_basic("other", "other-secret", &form)
        .await
        .assert_error("invalid_grant");
    assert_eq!(
        a.refresh(&rt).await.status,
        StatusCode::OK,
        "not spent by the other client"
    );
}

#[tokio::test]
async fn revoked_grants_kill_access_and_refresh_tokens() {
    let a = As::default().await;
    let t = a.exchange(&a.code().await).await;
    let access = t.body["access_token"].as_str().unwrap();
    let refresh = t.body["refresh_token"].as_str().unwrap();
    let cc = a.client_credentials().await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(a.maintainx(access).await.status, StatusCode::OK);
    a.sandbox.revoke_oauth_grants(CLIENT);
    assert_eq!(a.maintainx(access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.maintainx(&cc).await.status, StatusCode::UNAUTHORIZED);
    a.refresh(refresh).await.assert_error("invalid_grant");
    // The client itself still works: a new grant is a new start.
    let fresh = a.client_credentials().await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(a.maintainx(&fresh).await.status, StatusCode::OK);

    // The same over HTTP.
    let url = format!(
        "http://{}/_sandbox/oauth/clients/{CLIENT}/revoke",
        a.sandbox.addr()
    );
    assert_eq!(
        a.http.post(url).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(a.maintainx(&fresh).await.status, StatusCode::UNAUTHORIZED);
}
