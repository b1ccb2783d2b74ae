//! Every list and get (and `GET /organizations`), with and without every `expand` the spec
//! declares, and the error bodies, validated against MaintainX's published schemas.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Mx, ids};
use crate::spec::{assert_invalid, assert_valid, param_enum};

/// (list path, list key, get path template, get key)
const ENTITIES: &[(&str, &str, &str, &str)] = &[
    ("/workorders", "workOrders", "/workorders/{id}", "workOrder"),
    (
        "/workrequests",
        "workRequests",
        "/workrequests/{id}",
        "workRequest",
    ),
    ("/assets", "assets", "/assets/{id}", "asset"),
    ("/locations", "locations", "/locations/{id}", "location"),
    ("/parts", "parts", "/parts/{id}", "part"),
    ("/vendors", "vendors", "/vendors/{id}", "vendor"),
    ("/users", "users", "/users/{id}", "user"),
    (
        "/purchaseorders",
        "purchaseOrders",
        "/purchaseorders/{id}",
        "purchaseOrder",
    ),
];

fn expand_query(values: &[String]) -> String {
    values
        .iter()
        .map(|e| format!("expand={e}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Pages through a whole list, validating every page against the spec; returns the ids.
async fn validate_list(mx: &Mx, list: &str, key: &str, query: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut url = format!("{list}?limit=200&{query}");
    loop {
        let body = mx.ok(&url).await;
        assert_valid(list, "get", 200, &body);
        out.extend(ids(body[key].as_array().unwrap()));
        match body["nextCursor"].as_str() {
            Some(c) => url = format!("{list}?limit=200&{query}&cursor={c}"),
            None => return out,
        }
    }
}

#[tokio::test]
async fn lists_and_gets_match_the_spec_schemas() {
    let mx = Mx::start(crate::common::config(1000)).await;
    for (list, key, get, get_key) in ENTITIES {
        let expand = param_enum(list, "expand").unwrap_or_default();
        let plain = validate_list(&mx, list, key, "").await;
        let expanded = validate_list(&mx, list, key, &expand_query(&expand)).await;
        assert_eq!(
            plain, expanded,
            "{list}: expand changes fields, not records"
        );
        assert!(plain.len() >= 8, "{list}");
        let get_expand = expand_query(&param_enum(get, "expand").unwrap_or_default());
        for id in [plain[0], plain[plain.len() / 2], plain[plain.len() - 1]] {
            let path = get.replace("{id}", &id.to_string());
            for query in ["", get_expand.as_str()] {
                let one = mx.ok(&format!("{path}?{query}")).await;
                assert_valid(get, "get", 200, &one);
                assert_eq!(one[*get_key]["id"], json!(id));
            }
        }
    }
    // The one list without a get.
    let orgs = validate_list(&mx, "/organizations", "organizations", "").await;
    assert_eq!(
        orgs.len(),
        1,
        "a single-organization key sees its organization"
    );
}

#[tokio::test]
async fn expanded_fields_appear_only_when_expanded() {
    let mx = Mx::small().await;
    let plain = mx.ok("/workorders?limit=100").await;
    let full = mx.ok("/workorders?limit=100&expand=extra_fields&expand=asset&expand=assignees&expand=location").await;
    for (p, f) in plain["workOrders"]
        .as_array()
        .unwrap()
        .iter()
        .zip(full["workOrders"].as_array().unwrap())
    {
        assert!(
            p.get("extraFields").is_none()
                && p.get("asset").is_none()
                && p.get("assignees").is_none()
        );
        assert!(
            f["extraFields"]["Cost Center"].is_string() && f["extraFields"]["Shift"].is_string()
        );
        assert!(f["extraFields"]["Downtime (h)"].is_string());
        assert_eq!(
            f["asset"]["id"], p["assetId"],
            "expanded asset is the referenced one"
        );
        assert_eq!(f["location"]["id"], p["locationId"]);
        let assignees: Vec<_> = f["assignees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].clone())
            .collect();
        assert_eq!(json!(assignees), p["assigneeIds"]);
    }
}

#[tokio::test]
async fn references_point_at_existing_records() {
    let mx = Mx::small().await;
    let wos = mx.all("/workorders", "workOrders", 200).await;
    assert_eq!(wos.len(), 200);
    for wo in wos.iter().take(40) {
        for (field, path) in [
            ("assetId", "/assets"),
            ("locationId", "/locations"),
            ("creatorId", "/users"),
        ] {
            if let Some(id) = wo[field].as_u64() {
                assert_eq!(
                    mx.get(&format!("{path}/{id}")).await.status,
                    StatusCode::OK,
                    "{field} {id} exists"
                );
            }
        }
        for u in wo["assigneeIds"].as_array().unwrap() {
            let user = mx.ok(&format!("/users/{u}")).await;
            assert_ne!(
                user["user"]["role"], "REQUESTER",
                "assignees are assignable users"
            );
        }
        if let Some(asset) = wo["assetId"].as_u64() {
            let a = mx.ok(&format!("/assets/{asset}")).await;
            assert_eq!(
                a["asset"]["locationId"], wo["locationId"],
                "a work order sits where its asset is"
            );
        }
        assert!(crate::common::ts(&wo["createdAt"]) <= crate::common::ts(&wo["updatedAt"]));
    }
}

#[tokio::test]
async fn error_bodies_match_the_spec_schemas() {
    let mx = Mx::small().await;
    // 400 on a list query: {"error"}.
    for (list, _, get, _) in ENTITIES {
        let r = mx.get(&format!("{list}?limit=0")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_valid(list, "get", 400, &r.body);
        let r = mx.get(&get.replace("{id}", "999999999")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{get}");
        assert_valid(get, "get", 404, &r.body);
        let r = mx.get(&get.replace("{id}", "abc")).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{get} with a non-integer id"
        );
        assert_valid(get, "get", 400, &r.body);
    }
    for bad in ["limit=0", "limit=201", "limit=ten", "cursor=not-a-cursor"] {
        let r = mx.get(&format!("/organizations?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "/organizations?{bad}");
        assert_valid("/organizations", "get", 400, &r.body);
    }
    // 400 on writes: {"errors": [{"error", "fieldPath", "fieldValue"}]}.
    let r = mx.post("/workorders", json!({"priority": "URGENT"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_valid("/workorders", "post", 400, &r.body);
    let r = mx.patch("/workorders/1000001", json!({"title": 5})).await;
    assert_valid("/workorders/{id}", "patch", 400, &r.body);
    let r = mx
        .patch("/workorders/1000001/status", json!({"status": "SKIPPED"}))
        .await;
    assert_valid("/workorders/{id}/status", "patch", 400, &r.body);
    let r = mx.post("/workrequests", json!({})).await;
    assert_valid("/workrequests", "post", 400, &r.body);
    let r = mx
        .patch("/workorders/999999999", json!({"title": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_valid("/workorders/{id}", "patch", 404, &r.body);
    let r = mx
        .call(
            Method::PATCH,
            "/workorders/999999999/status",
            Some(json!({"status": "DONE"})),
            &[],
        )
        .await;
    assert_valid("/workorders/{id}/status", "patch", 404, &r.body);
}

#[tokio::test]
async fn write_responses_match_the_spec_schemas() {
    let mx = Mx::small().await;
    let r = mx
        .post(
            "/workorders",
            json!({"title": "Replace V-belts on AHU-3", "priority": "HIGH"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_valid("/workorders", "post", 200, &r.body);
    let id = r.body["id"].as_u64().unwrap();
    let r = mx
        .patch(
            &format!("/workorders/{id}?expand=assignees&expand=extra_fields"),
            json!({"description": "Belts glazed"}),
        )
        .await;
    assert_valid("/workorders/{id}", "patch", 200, &r.body);
    let r = mx
        .patch(
            &format!("/workorders/{id}/status"),
            json!({"status": "IN_PROGRESS"}),
        )
        .await;
    assert_valid("/workorders/{id}/status", "patch", 200, &r.body);
    let r = mx
        .post(
            "/workrequests",
            json!({"title": "Oil on floor near press 2"}),
        )
        .await;
    assert_valid("/workrequests", "post", 200, &r.body);
}

#[tokio::test]
async fn the_schema_check_rejects_what_the_spec_forbids() {
    let mx = Mx::small().await;
    let body = mx.ok("/workorders?limit=3").await;
    assert_valid("/workorders", "get", 200, &body);
    let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut b = body.clone();
        f(&mut b["workOrders"][1]);
        b
    };
    assert_invalid(
        "/workorders",
        "get",
        200,
        &mutate(&|w| w["status"] = json!("CLOSED")),
    );
    assert_invalid(
        "/workorders",
        "get",
        200,
        &mutate(&|w| w["title"] = json!(null)),
    );
    assert_invalid(
        "/workorders",
        "get",
        200,
        &mutate(&|w| w["updatedAt"] = json!("last tuesday")),
    );
    assert_invalid(
        "/workorders",
        "get",
        200,
        &mutate(&|w| w["extraFields"] = json!({"Shift": 3})),
    );
    assert_invalid(
        "/workorders",
        "get",
        200,
        &mutate(&|w| {
            w.as_object_mut().unwrap().remove("sequentialId");
        }),
    );
    // `nullable` fields accept null.
    assert_valid(
        "/workorders",
        "get",
        200,
        &mutate(&|w| w["dueDate"] = json!(null)),
    );
    assert_invalid("/workorders", "get", 200, &json!({"workOrders": {}}));
    assert_invalid(
        "/workorders",
        "post",
        400,
        &json!({"errors": [{"fieldPath": "title"}]}),
    );
}
