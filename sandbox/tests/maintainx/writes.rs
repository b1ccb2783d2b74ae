//! Writes (create, patch, status) and how the overlay merges into lists.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Mx, ids, ts};

#[tokio::test]
async fn create_validates_and_persists() {
    let mx = Mx::small().await;
    let r = mx
        .post("/workorders", json!({"description": "no title"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["errors"][0]["fieldPath"], "title");
    let r = mx
        .post(
            "/workorders",
            json!({"title": "x", "priority": "Happy Birthday", "dueDate": "soon", "assetId": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let errors = r.body["errors"].as_array().unwrap();
    let paths: HashSet<&str> = errors
        .iter()
        .map(|e| e["fieldPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        HashSet::from(["priority", "dueDate", "assetId"]),
        "{}",
        r.body
    );
    let prio = errors
        .iter()
        .find(|e| e["fieldPath"] == "priority")
        .unwrap();
    assert_eq!(prio["error"], "Invalid priority");
    assert_eq!(prio["fieldValue"], "Happy Birthday");
    let r = mx.post("/workorders", json!({"title": "   "})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "empty title");
    let r = mx
        .call(
            reqwest::Method::POST,
            "/workorders",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no body");

    let asset = mx.ok("/assets?limit=1").await["assets"][0].clone();
    let user = mx.ok("/users?limit=2").await["users"][1].clone();
    let body = json!({
        "title": "Replace mechanical seal on P-1001",
        "priority": "HIGH",
        "type": "REACTIVE",
        "assetId": asset["id"],
        "locationId": asset["locationId"],
        "assignees": [{"type": "USER", "id": user["id"]}, {"type": "USER", "id": user["email"]}],
        "dueDate": "2030-01-15T08:00:00.000Z",
        "extraFields": {"Cost Center": "CC-4100", "Downtime (h)": "3.5"},
        "categories": ["Mechanical"],
    });
    let r = mx.post("/workorders", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.body["id"].as_u64().unwrap();
    assert_eq!(
        id,
        1_000_001 + 200,
        "created ids follow the generated range"
    );
    let wo = mx
        .ok(&format!(
            "/workorders/{id}?expand=extra_fields&expand=assignees"
        ))
        .await["workOrder"]
        .clone();
    assert_eq!(wo["status"], "OPEN");
    assert_eq!(wo["priority"], "HIGH");
    assert_eq!(wo["sequentialId"], 201);
    assert_eq!(wo["assetId"], asset["id"]);
    assert_eq!(
        wo["assigneeIds"],
        json!([user["id"]]),
        "the same user by id and by email"
    );
    assert_eq!(wo["extraFields"]["Downtime (h)"], "3.5");
    assert_eq!(wo["dueDate"], "2030-01-15T08:00:00.000Z");
    assert_eq!(wo["createdAt"], wo["updatedAt"]);
    let by_seq = mx.ok("/workorders/201?useSequentialId=true").await;
    assert_eq!(by_seq["workOrder"]["id"], id);
    // Future start dates are hidden from lists unless show_upcoming.
    let listed = mx.all("/workorders", "workOrders", 200).await;
    assert_eq!(listed.len(), 201);
    assert_eq!(listed.last().unwrap()["id"], id);

    let r = mx.post("/workrequests", json!({"title": "Oil on floor near press 2", "priority": "MEDIUM", "assetId": asset["id"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let wr = r.body["id"].as_u64().unwrap();
    let got = mx.ok(&format!("/workrequests/{wr}?expand=asset")).await["workRequest"].clone();
    assert_eq!(got["requestStatus"], "PENDING");
    assert_eq!(got["asset"]["id"], asset["id"]);
    let r = mx
        .post(
            "/workrequests",
            json!({"title": "x", "priority": "CRITICAL"}),
        )
        .await;
    assert_eq!(r.body["errors"][0]["fieldPath"], "priority");
}

#[tokio::test]
async fn upcoming_work_orders_need_show_upcoming() {
    let mx = Mx::small().await;
    let r = mx.post("/workorders", json!({"title": "Annual boiler inspection", "dueDate": "2099-02-01T00:00:00Z", "startDate": "2099-01-01T00:00:00Z"})).await;
    let id = r.body["id"].as_u64().unwrap();
    let hidden = ids(&mx.all("/workorders", "workOrders", 200).await);
    assert!(!hidden.contains(&id));
    let shown = ids(&mx
        .all("/workorders?show_upcoming=true", "workOrders", 200)
        .await);
    assert!(shown.contains(&id));
}

#[tokio::test]
async fn patched_record_moves_to_its_new_updated_at() {
    let mx = Mx::small().await;
    let before_all = mx
        .all("/workorders?sort=updatedAt", "workOrders", 200)
        .await;
    let target = before_all[17].clone();
    let id = target["id"].as_u64().unwrap();
    let just_before = chrono::Utc::now() - chrono::Duration::milliseconds(5);
    let stamp = just_before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let r = mx.patch(&format!("/workorders/{id}"), json!({"title": "Realign coupling - P-1017 (rework)", "priority": "HIGH", "extraFields": {"Shift": "Night"}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let patched = r.body["workOrder"].clone();
    assert_eq!(patched["title"], "Realign coupling - P-1017 (rework)");
    assert!(ts(&patched["updatedAt"]) >= just_before);
    assert_eq!(
        patched["createdAt"], target["createdAt"],
        "createdAt is kept"
    );

    let since = mx
        .all(
            &format!("/workorders?updatedAt[gte]={stamp}"),
            "workOrders",
            10,
        )
        .await;
    assert_eq!(
        ids(&since),
        vec![id],
        "only the patched record changed since just before the patch"
    );
    let after_all = mx.all("/workorders?sort=updatedAt", "workOrders", 13).await;
    assert_eq!(after_all.len(), 200, "still every record exactly once");
    assert_eq!(
        after_all.len(),
        ids(&after_all).into_iter().collect::<HashSet<_>>().len()
    );
    assert_eq!(
        after_all.last().unwrap()["id"],
        id,
        "the patched record sorts last by updatedAt"
    );
    let desc = mx.ok("/workorders?sort=-updatedAt&limit=1").await;
    assert_eq!(desc["workOrders"][0]["id"], id);
    let by_id = mx.all("/workorders", "workOrders", 9).await;
    assert_eq!(
        ids(&by_id).iter().position(|x| *x == id),
        Some(17),
        "id order is unchanged"
    );
    // Filters see the new values.
    let high = ids(&mx
        .all("/workorders?priorities=HIGH", "workOrders", 200)
        .await);
    assert!(high.contains(&id));
    let r = mx
        .patch(&format!("/workorders/{id}"), json!({"priority": "URGENT"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["errors"][0]["fieldValue"], "URGENT");
}

#[tokio::test]
async fn status_changes_and_completion() {
    let mx = Mx::small().await;
    let open = mx.all("/workorders?statuses=OPEN", "workOrders", 200).await;
    let id = open[0]["id"].as_u64().unwrap();
    assert!(open[0]["completedAt"].is_null());
    let r = mx
        .patch(
            &format!("/workorders/{id}/status"),
            json!({"status": "DONE"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = &r.body["workOrder"];
    assert_eq!(done["status"], "DONE");
    assert_eq!(done["completedAt"], done["updatedAt"]);
    assert!(done["completerId"].is_u64());
    let listed = ids(&mx
        .all(
            "/workorders?statuses=DONE&sort=-completedAt",
            "workOrders",
            200,
        )
        .await);
    assert_eq!(listed[0], id, "the newest completion first");
    let r = mx
        .patch(
            &format!("/workorders/{id}/status"),
            json!({"status": "SKIPPED"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "SKIPPED cannot be set");
    assert_eq!(r.body["errors"][0]["fieldPath"], "status");
    let r = mx
        .patch(&format!("/workorders/{id}/status"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = mx
        .patch(
            &format!("/workorders/{id}/status"),
            json!({"status": "IN_PROGRESS"}),
        )
        .await;
    assert_eq!(r.body["workOrder"]["status"], "IN_PROGRESS");
    assert_eq!(
        r.body["workOrder"]["completedAt"], done["completedAt"],
        "completedAt is the last completion"
    );
}
