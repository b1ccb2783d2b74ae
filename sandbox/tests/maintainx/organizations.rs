//! `GET /organizations`: what single- and multi-organization keys see, paging, errors, auth.

use millwright_sandbox::SandboxConfig;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{Mx, Reply, config, reply};
use crate::spec::assert_valid;

const MULTI: &str = "mx-multi";

/// GET with the multi-organization key and any extra headers.
async fn multi_get(mx: &Mx, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = mx.http.get(format!("{}{path}", mx.base)).bearer_auth(MULTI);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send().await.unwrap()).await
}

#[tokio::test]
async fn a_single_organization_key_sees_its_organization() {
    let mx = Mx::small().await;
    let body = mx.ok("/organizations").await;
    assert_valid("/organizations", "get", 200, &body);
    let orgs = body["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 1, "{body}");
    let org = &orgs[0];
    assert_eq!(org["name"], "Bedford Plant Operations");
    assert_eq!(org["currency"], "USD");
    assert_eq!(org["timeZone"], "America/New_York");
    assert!(org["dateFormatLocale"].is_string());
    assert!(body["nextCursor"].is_null() && body["nextPageUrl"].is_null());
    let wo = mx.ok("/workorders?limit=1").await;
    assert_eq!(
        org["id"], wo["workOrders"][0]["organizationId"],
        "the organization the key's records belong to"
    );
    // Stable: the same for another seed and on every call.
    let other = Mx::start(SandboxConfig {
        seed: 7,
        ..config(50)
    })
    .await;
    assert_eq!(other.ok("/organizations?limit=1").await, body);
    assert_eq!(mx.ok("/organizations").await, body);
}

#[tokio::test]
async fn a_multi_organization_key_sees_each_configured_organization() {
    let cfg = SandboxConfig {
        maintainx_multi_org_keys: vec![(
            MULTI.into(),
            vec!["222".into(), "111".into(), "acme-west".into(), "111".into()],
        )],
        ..config(50)
    };
    let mx = Mx::start(cfg).await;
    // No x-organization-id needed; a page of one at a time, following nextPageUrl.
    let mut orgs: Vec<Value> = Vec::new();
    let mut path = "/organizations?limit=1".to_string();
    loop {
        let r = multi_get(&mx, &path, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_valid("/organizations", "get", 200, &r.body);
        let page = r.body["organizations"].as_array().unwrap();
        assert_eq!(page.len(), 1);
        orgs.extend(page.iter().cloned());
        match r.body["nextPageUrl"].as_str() {
            Some(url) => {
                assert!(url.contains("limit=1") && url.contains("cursor="), "{url}");
                path = url.trim_start_matches("/maintainx/v1").to_string();
            }
            None => break,
        }
    }
    let ids: Vec<i64> = orgs.iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 3, "each configured organization once: {ids:?}");
    assert_eq!(&ids[..2], &[111, 222], "integer ids as configured, by id");
    let derived = ids[2].to_string();
    let names: std::collections::HashSet<&str> =
        orgs.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3, "distinct names");
    // The whole list in one page matches, organization headers or not.
    let all = multi_get(&mx, "/organizations", &[("x-organization-id", "222")]).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["organizations"], Value::Array(orgs));
    assert!(all.body["nextCursor"].is_null());
    // Every listed id is usable as x-organization-id, the non-integer one included.
    let r = multi_get(
        &mx,
        "/workorders?limit=1",
        &[("x-organization-id", &derived)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["workOrders"][0]["organizationId"], ids[2]);
}

#[tokio::test]
async fn bad_parameters_are_400_and_bad_keys_401() {
    let mx = Mx::small().await;
    for bad in ["limit=0", "limit=500", "cursor=bm9wZQ"] {
        let r = mx.get(&format!("/organizations?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.body["error"].is_string(), "{}", r.body);
    }
    let url = format!("{}/organizations", mx.base);
    let r = reply(mx.http.get(&url).send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "no key");
    let r = reply(mx.http.get(&url).bearer_auth("nope").send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "unknown key");
    assert_eq!(
        mx.sandbox.request_count(),
        5,
        "organization requests count like any vendor request"
    );
    mx.sandbox.revoke_key(crate::common::KEY);
    assert_eq!(
        mx.get("/organizations").await.status,
        StatusCode::UNAUTHORIZED
    );
}
