//! Cursor paging, limits, filters, sorting, determinism and scale.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{Mx, config, ids, ts};
use crate::spec::param_enum;

fn assert_each_once(records: &[Value], expected: usize, what: &str) {
    let ids = ids(records);
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), expected, "{what}: record count");
    assert_eq!(unique.len(), expected, "{what}: every record exactly once");
}

#[tokio::test]
async fn paging_returns_every_record_exactly_once() {
    let mx = Mx::start(config(250)).await;
    // 250 work orders → 25 assets, 5 locations, 40 parts, 8 vendors, 12 users, 12 POs, 62 WRs.
    for (path, key, n) in [
        ("/workorders", "workOrders", 250),
        ("/workorders?sort=-updatedAt", "workOrders", 250),
        ("/workorders?sort=dueDate", "workOrders", 250),
        ("/workorders?sort=-completedAt", "workOrders", 250),
        ("/workorders?sort=startedAt", "workOrders", 250),
        ("/workrequests", "workRequests", 62),
        ("/assets?sort=-createdAt", "assets", 25),
        ("/locations", "locations", 5),
        ("/parts?sort=updatedAt", "parts", 40),
        ("/vendors", "vendors", 8),
        ("/users", "users", 12),
        ("/purchaseorders?sort=-id", "purchaseOrders", 12),
    ] {
        for limit in [1, 7, 200] {
            let all = mx.all(path, key, limit).await;
            assert_each_once(&all, n, &format!("{path} limit={limit}"));
        }
    }
}

#[tokio::test]
async fn next_page_url_continues_the_list() {
    let mx = Mx::small().await;
    let first = mx
        .ok("/workorders?limit=5&sort=updatedAt&statuses=DONE")
        .await;
    let url = first["nextPageUrl"].as_str().expect("nextPageUrl");
    assert!(
        url.starts_with("/maintainx/v1/workorders?") && url.contains("statuses=DONE"),
        "{url}"
    );
    let second = mx.ok(url.trim_start_matches("/maintainx/v1")).await;
    let via_cursor = mx
        .ok(&format!(
            "/workorders?limit=5&sort=updatedAt&statuses=DONE&cursor={}",
            first["nextCursor"].as_str().unwrap()
        ))
        .await;
    assert_eq!(second, via_cursor);
    assert!(
        second["workOrders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["status"] == "DONE")
    );
}

#[tokio::test]
async fn sorting_follows_the_sort_parameter() {
    let mx = Mx::small().await;
    let allowed = param_enum("/workorders", "sort").expect("spec sort enum");
    for sort in &allowed {
        let (field, desc) = sort
            .strip_prefix('-')
            .map_or((sort.as_str(), false), |f| (f, true));
        let field = if field == "startedAt" {
            "startDate"
        } else {
            field
        };
        let all = mx
            .all(&format!("/workorders?sort={sort}"), "workOrders", 200)
            .await;
        assert_eq!(all.len(), 200);
        let values: Vec<Option<chrono::DateTime<chrono::Utc>>> = all
            .iter()
            .map(|w| (!w[field].is_null()).then(|| ts(&w[field])))
            .collect();
        // Values in order, nulls last ascending / first descending (NULLS LAST semantics).
        let mut expected = values.clone();
        expected.sort_by(|a, b| match (a, b) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, _) => std::cmp::Ordering::Greater,
            (_, None) => std::cmp::Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        });
        if desc {
            expected.reverse();
        }
        assert_eq!(values, expected, "sort={sort}");
    }
    let r = mx.get("/workorders?sort=title").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["error"].as_str().unwrap().contains("sort"));
}

#[tokio::test]
async fn updated_at_filters_are_inclusive() {
    let mx = Mx::small().await;
    let all = mx
        .all("/workorders?sort=updatedAt", "workOrders", 200)
        .await;
    let pivot = &all[120];
    let t = pivot["updatedAt"].as_str().unwrap();
    let since = mx
        .all(
            &format!("/workorders?sort=updatedAt&updatedAt[gte]={t}"),
            "workOrders",
            33,
        )
        .await;
    assert_eq!(since.len(), 80, "records 120..200");
    assert_eq!(
        since[0]["id"], pivot["id"],
        "gte includes the boundary record"
    );
    let until = mx
        .all(
            &format!("/workorders?updatedAt%5Blte%5D={t}"),
            "workOrders",
            50,
        )
        .await;
    assert_eq!(
        until.len(),
        121,
        "lte is inclusive too (and brackets may be percent-encoded)"
    );
    let (a, b) = (
        all[10]["updatedAt"].as_str().unwrap(),
        all[19]["updatedAt"].as_str().unwrap(),
    );
    let window = mx
        .all(
            &format!("/workorders?updatedAt[gte]={a}&updatedAt[lte]={b}"),
            "workOrders",
            3,
        )
        .await;
    assert_eq!(ids(&window), ids(&all[10..20]));
    // createdAt filters, on another entity that declares them.
    let assets = mx.all("/assets?sort=createdAt", "assets", 200).await;
    let c = assets[5]["createdAt"].as_str().unwrap();
    let newer = mx
        .all(&format!("/assets?createdAt[gte]={c}"), "assets", 200)
        .await;
    assert_eq!(newer.len(), assets.len() - 5);
    let r = mx.get("/workorders?updatedAt[gte]=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn limit_bounds_and_default() {
    let mx = Mx::small().await;
    assert_eq!(
        mx.ok("/workorders").await["workOrders"]
            .as_array()
            .unwrap()
            .len(),
        100,
        "default limit"
    );
    assert_eq!(
        mx.ok("/workorders?limit=200").await["workOrders"]
            .as_array()
            .unwrap()
            .len(),
        200
    );
    assert_eq!(
        mx.ok("/workorders?limit=1").await["workOrders"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for bad in ["0", "201", "-1", "ten", "1.5"] {
        let r = mx.get(&format!("/workorders?limit={bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "limit={bad}");
        assert!(r.body["error"].is_string());
    }
    let last = mx.ok("/workorders?limit=200").await;
    assert!(
        last["nextCursor"].is_null() && last["nextPageUrl"].is_null(),
        "no cursor after the last page"
    );
}

#[tokio::test]
async fn bad_cursors_are_rejected() {
    let mx = Mx::small().await;
    for bad in ["garbage", "bXgxfHh8eXx6", "%00", "mx1"] {
        let r = mx.get(&format!("/workorders?cursor={bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "cursor={bad}");
        assert!(
            r.body["error"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("cursor")
                || bad == "%00"
        );
    }
    let c = mx.ok("/workorders?limit=5&sort=updatedAt").await["nextCursor"]
        .as_str()
        .unwrap()
        .to_string();
    let r = mx
        .get(&format!("/workorders?sort=-createdAt&cursor={c}"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a cursor is bound to its sort order"
    );
}

#[tokio::test]
async fn list_filters_select_matching_records() {
    let mx = Mx::small().await;
    let all = mx.all("/workorders", "workOrders", 200).await;
    let done = mx
        .all(
            "/workorders?statuses=DONE&statuses=CANCELED",
            "workOrders",
            30,
        )
        .await;
    let expected: Vec<u64> = ids(&all
        .iter()
        .filter(|w| w["status"] == "DONE" || w["status"] == "CANCELED")
        .cloned()
        .collect::<Vec<_>>());
    assert!(!expected.is_empty());
    assert_eq!(ids(&done), expected);
    let asset = all.iter().find_map(|w| w["assetId"].as_u64()).unwrap();
    let on_asset = mx
        .all(&format!("/workorders?assets={asset}"), "workOrders", 200)
        .await;
    assert!(!on_asset.is_empty() && on_asset.iter().all(|w| w["assetId"] == asset));
    let high = mx
        .all("/workorders?priorities=HIGH", "workOrders", 200)
        .await;
    assert!(!high.is_empty() && high.iter().all(|w| w["priority"] == "HIGH"));
    let r = mx.get("/workorders?statuses=CLOSED").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "enum values are checked");
    let techs = mx
        .all("/users?onlyAssignable=true&expand=role", "users", 200)
        .await;
    assert!(!techs.is_empty() && techs.iter().all(|u| u["role"] != "REQUESTER"));
    let crit_a = mx
        .all("/assets?Criticality=A&expand=extra_fields", "assets", 200)
        .await;
    assert!(
        !crit_a.is_empty()
            && crit_a
                .iter()
                .all(|a| a["extraFields"]["Criticality"] == "A"),
        "custom-field filter"
    );
}

#[tokio::test]
async fn same_seed_same_data_other_seed_other_data() {
    let (a, b, c) = (
        Mx::small().await,
        Mx::small().await,
        Mx::start(millwright_sandbox::SandboxConfig {
            seed: 7,
            ..config(200)
        })
        .await,
    );
    for path in [
        "/workorders?limit=50&expand=extra_fields",
        "/assets?limit=20",
        "/purchaseorders?limit=5&sort=-updatedAt",
    ] {
        assert_eq!(
            a.ok(path).await,
            b.ok(path).await,
            "{path}: same seed, identical pages"
        );
    }
    assert_ne!(
        a.ok("/workorders?limit=50").await,
        c.ok("/workorders?limit=50").await,
        "another seed, other data"
    );
}

#[tokio::test]
async fn a_million_work_orders_page_without_materializing() {
    let mx = Mx::start(config(1_000_000)).await;
    let first = mx.ok("/workorders?limit=200").await;
    assert_eq!(first["workOrders"].as_array().unwrap().len(), 200);
    let mut cursor = first["nextCursor"].as_str().unwrap().to_string();
    for _ in 0..5 {
        let page = mx
            .ok(&format!("/workorders?limit=200&cursor={cursor}"))
            .await;
        cursor = page["nextCursor"].as_str().unwrap().to_string();
    }
    // The newest records, by time and by id, come straight from arithmetic.
    let newest = mx.ok("/workorders?sort=-updatedAt&limit=3").await;
    assert_eq!(newest["workOrders"][0]["id"], 1_000_001 + 999_999);
    let t = newest["workOrders"][2]["updatedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let recent = mx
        .ok(&format!("/workorders?updatedAt[gte]={t}&sort=updatedAt"))
        .await;
    assert_eq!(recent["workOrders"].as_array().unwrap().len(), 3);
    assert!(recent["nextCursor"].is_null());
    let last = mx.ok("/workorders/2000000").await;
    assert_eq!(last["workOrder"]["sequentialId"], 1_000_000);
    assert_eq!(
        mx.get("/workorders/2000001").await.status,
        StatusCode::NOT_FOUND
    );
    let due = mx.ok("/workorders?sort=-dueDate&limit=10").await;
    assert_eq!(due["workOrders"].as_array().unwrap().len(), 10);
    assert_eq!(
        mx.ok("/assets?limit=1&sort=-id").await["assets"][0]["id"],
        200_001 + 100_000 - 1
    );
}

#[tokio::test]
async fn sparse_filters_page_within_a_scan_budget() {
    // 25,000 work orders: a sparse filter cannot be answered by scanning everything in one
    // request; pages may come back short (even empty) with a cursor, and paging on still
    // returns exactly the matching records.
    let mx = Mx::start(config(25_000)).await;
    let asset = mx.ok("/workorders/1000001").await["workOrder"]["assetId"]
        .as_u64()
        .unwrap();
    let filter = format!("assets={asset}");
    let paged = mx
        .all(&format!("/workorders?{filter}"), "workOrders", 200)
        .await;
    assert!(paged.iter().all(|w| w["assetId"] == asset));
    // Ground truth from updatedAt windows small enough to be scanned whole.
    let mut truth = Vec::new();
    for w in 0..5u64 {
        let from = mx
            .ok(&format!("/workorders/{}", 1_000_001 + w * 5_000))
            .await["workOrder"]["updatedAt"]
            .clone();
        let to = mx
            .ok(&format!("/workorders/{}", 1_000_001 + w * 5_000 + 4_999))
            .await["workOrder"]["updatedAt"]
            .clone();
        let q = format!(
            "/workorders?{filter}&updatedAt[gte]={}&updatedAt[lte]={}",
            from.as_str().unwrap(),
            to.as_str().unwrap()
        );
        let page = mx.ok(&q).await;
        assert!(
            page["nextCursor"].is_null(),
            "a 5,000-record window fits the budget"
        );
        truth.extend(ids(page["workOrders"].as_array().unwrap()));
    }
    assert!(!truth.is_empty());
    assert_eq!(ids(&paged), truth);
}
