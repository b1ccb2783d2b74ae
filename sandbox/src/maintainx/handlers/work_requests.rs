//! `GET /workrequests`, `GET /workrequests/{id}`, `POST /workrequests`.
//!
//! The spec's work-request list has no date filters and no `sort`; they are ignored here as
//! MaintainX ignores undeclared parameters.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::work_orders::{self as wo_handlers, PRIORITIES, View};
use super::{assets, extra, index_of, list_response, locations, parse_id};
use crate::maintainx::Mx;
use crate::maintainx::auth::Caller;
use crate::maintainx::data::assets::Assets;
use crate::maintainx::data::locations::Locations;
use crate::maintainx::data::work_requests::{self, WorkRequest, WorkRequests};
use crate::maintainx::data::{Dataset, iso};
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Filter;
use crate::maintainx::params::{Expand, ListSpec, list_query};
use crate::maintainx::query::RawQuery;
use crate::maintainx::validate::{Body, json_object};

const EXPAND: &[&str] = &["asset", "location", "work_order", "extra_fields"];
const SPEC: ListSpec = ListSpec {
    sorts: &[],
    dated: false,
    expand: EXPAND,
};
const STATUSES: &[&str] = &["PENDING", "REJECTED", "APPROVED", "DONE"];

fn render(mx: &Mx, wr: &WorkRequest, org_id: i64, ex: &Expand) -> Value {
    let ds: &Dataset = &mx.ds;
    let mut m: Map<String, Value> = match json!({
        "id": wr.id,
        "title": wr.title,
        "description": wr.description,
        "priority": wr.priority,
        "requestStatus": wr.request_status,
        "assetId": wr.asset_id,
        "locationId": wr.location_id,
        "workOrderId": wr.work_order_id,
        "sendEmailNotification": false,
        "approverTeamId": null,
        "creatorContactInfo": wr.contact_email.as_ref().map(|e| json!({"type": "EMAIL", "value": e})),
        "attachments": [],
        "thumbnail": null,
        "createdAt": iso(wr.created_at),
        "updatedAt": iso(wr.updated_at),
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    // In work requests the embedded objects are not nullable: absent when there is none.
    if ex.has("asset")
        && let v @ Value::Object(_) = assets::embedded(ds, wr.asset_id, false)
    {
        m.insert("asset".into(), v);
    }
    if ex.has("location")
        && let v @ Value::Object(_) = locations::embedded(ds, wr.location_id, false)
    {
        m.insert("location".into(), v);
    }
    if ex.has("work_order")
        && let Some(wo) = wr.work_order_id.and_then(|id| wo_handlers::find(mx, id))
    {
        m.insert(
            "workOrder".into(),
            wo_handlers::render(&wo, ds, org_id, View::Get, &Expand::default()),
        );
    }
    if ex.has("extra_fields") {
        m.insert("extraFields".into(), extra(&wr.extra_fields));
    }
    Value::Object(m)
}

fn find(mx: &Mx, id: u64) -> Option<WorkRequest> {
    if let Some(wr) = mx.store.work_requests.read().unwrap().get(&id) {
        return Some(wr.clone());
    }
    index_of(&WorkRequests(&mx.ds), id).map(|i| work_requests::generate(&mx.ds, i))
}

pub async fn list(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, ex) = list_query(&raw, &SPEC)?;
    let title = raw.first("title").map(str::to_lowercase);
    let assets_in = raw.ids("assets")?;
    let locs_in = raw.ids("locations")?;
    let priorities = raw.enums("priorities", PRIORITIES)?;
    let statuses = raw.enums("statuses", STATUSES)?;
    let check_base = title.is_some()
        || assets_in.is_some()
        || locs_in.is_some()
        || priorities.is_some()
        || statuses.is_some();
    let filter = Filter {
        test: Box::new(|wr: &WorkRequest| {
            title
                .as_ref()
                .is_none_or(|t| wr.title.to_lowercase().contains(t.as_str()))
                && assets_in
                    .as_ref()
                    .is_none_or(|s| wr.asset_id.is_some_and(|a| s.contains(&a)))
                && locs_in
                    .as_ref()
                    .is_none_or(|s| wr.location_id.is_some_and(|l| s.contains(&l)))
                && priorities.as_ref().is_none_or(|s| s.contains(&wr.priority))
                && statuses
                    .as_ref()
                    .is_none_or(|s| s.contains(&wr.request_status))
        }),
        check_base,
    };
    let overlay = mx.store.work_requests.read().unwrap();
    let render = |wr: &WorkRequest| render(&mx, wr, caller.org_id, &ex);
    Ok(list_response(
        "workRequests",
        &WorkRequests(&mx.ds),
        &overlay,
        &q,
        &filter,
        &raw,
        render,
    ))
}

pub async fn get(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let ex = Expand::parse(&RawQuery::from_uri(&uri)?, EXPAND)?;
    let wr = find(&mx, parse_id(&id)?).ok_or_else(MxError::not_found)?;
    Ok(Json(
        json!({ "workRequest": render(&mx, &wr, caller.org_id, &ex) }),
    ))
}

pub async fn create(State(mx): State<Mx>, body: Bytes) -> Result<Json<Value>, MxError> {
    let obj = json_object(&body)?;
    let ds = &mx.ds;
    let mut b = Body::new(&obj);
    b.require("title");
    let title = b.text("title");
    let description = b.string("description", true).flatten();
    let priority = b
        .enumerated("priority", PRIORITIES)
        .unwrap_or_else(|| "NONE".into());
    let asset_id = b.id("assetId", true).flatten();
    let location_id = b.id("locationId", true).flatten();
    if let Some(a) = asset_id.filter(|a| index_of(&Assets(ds), *a).is_none()) {
        b.fail("Asset not found", "assetId", Some(&json!(a)));
    }
    if let Some(l) = location_id.filter(|l| index_of(&Locations(ds), *l).is_none()) {
        b.fail("Location not found", "locationId", Some(&json!(l)));
    }
    let extra_fields = b.string_map("extraFields").unwrap_or_default();
    b.id("approverTeamId", true);
    let contact = b.string("creatorContactInfo", true).flatten();
    b.finish()?;
    let ids = mx.store.new_work_request(ds.n.work_requests);
    let now = mx.store.now();
    let wr = WorkRequest {
        id: ids.id,
        title: title.unwrap_or_default(),
        description,
        priority,
        request_status: "PENDING".into(),
        asset_id,
        location_id,
        work_order_id: None,
        contact_email: contact,
        created_at: now,
        updated_at: now,
        extra_fields: extra_fields.into_iter().collect::<BTreeMap<_, _>>(),
    };
    mx.store.work_requests.write().unwrap().insert(wr.id, wr);
    Ok(Json(json!({ "id": ids.id })))
}
