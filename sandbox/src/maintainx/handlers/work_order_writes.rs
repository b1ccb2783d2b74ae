//! `POST /workorders`, `PATCH /workorders/{id}`, `PATCH /workorders/{id}/status`.
//!
//! Bodies are validated like MaintainX does (required `title`, enums, types, references that
//! must exist) and rejected with `{"errors": [{"error", "fieldPath", "fieldValue"}]}`.
//! Accepted writes land in the overlay, stamped `updatedAt = now`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::parse_id;
use super::work_order_changes::{apply, changes};
use super::work_orders::{GET_EXPAND, View, find, render};
use crate::maintainx::Mx;
use crate::maintainx::auth::Caller;
use crate::maintainx::data::work_orders::WorkOrder;
use crate::maintainx::errors::MxError;
use crate::maintainx::params::Expand;
use crate::maintainx::query::RawQuery;
use crate::maintainx::validate::{Body, json_object};
const SETTABLE_STATUSES: &[&str] = &["OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED"];

pub async fn create(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Json<Value>, MxError> {
    let obj = json_object(&body)?;
    let c = changes(&mx.ds, &obj, true)?;
    let ids = mx.store.new_work_order(mx.ds.n.work_orders);
    let now = mx.store.now();
    let mut wo = WorkOrder {
        id: ids.id,
        sequential_id: ids.sequence,
        title: String::new(),
        description: None,
        status: "OPEN".into(),
        priority: "NONE".into(),
        wo_type: Some("REACTIVE".into()),
        asset_id: None,
        location_id: None,
        assignee_ids: Vec::new(),
        team_ids: Vec::new(),
        creator_id: Some(caller.user_id),
        requester_id: None,
        completer_id: None,
        created_at: now,
        updated_at: now,
        completed_at: None,
        due_date: None,
        due_date_is_full_day: None,
        start_date: None,
        last_message_sent_at: None,
        estimated_time: None,
        categories: Vec::new(),
        extra_fields: BTreeMap::new(),
        vendor_ids: Vec::new(),
        parts: Vec::new(),
        part_status: "NO_PARTS".into(),
        recurrence: None,
    };
    apply(&mut wo, c);
    mx.store.work_orders.write().unwrap().insert(wo.id, wo);
    Ok(Json(json!({ "id": ids.id })))
}

/// Loads the current version, edits it and stores it back as the overlay version.
fn write(mx: &Mx, id: u64, edit: impl FnOnce(&mut WorkOrder, i64)) -> Result<WorkOrder, MxError> {
    let mut wo = find(mx, id).ok_or_else(MxError::not_found)?;
    let mut overlay = mx.store.work_orders.write().unwrap();
    if let Some(newer) = overlay.get(&id) {
        wo = newer.clone();
    }
    let now = mx.store.now();
    edit(&mut wo, now);
    wo.updated_at = now;
    overlay.insert(id, wo.clone());
    Ok(wo)
}

pub async fn update(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    body: Bytes,
) -> Result<Json<Value>, MxError> {
    let ex = Expand::parse(&RawQuery::from_uri(&uri)?, GET_EXPAND)?;
    let id = parse_id(&id)?;
    find(&mx, id).ok_or_else(MxError::not_found)?;
    let c = changes(&mx.ds, &json_object(&body)?, false)?;
    let wo = write(&mx, id, |wo, _| apply(wo, c))?;
    Ok(Json(
        json!({ "workOrder": render(&wo, &mx.ds, caller.org_id, View::Get, &ex) }),
    ))
}

pub async fn update_status(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, MxError> {
    let id = parse_id(&id)?;
    find(&mx, id).ok_or_else(MxError::not_found)?;
    let obj = json_object(&body)?;
    let mut b = Body::new(&obj);
    b.require("status");
    let status = b.enumerated("status", SETTABLE_STATUSES);
    b.finish()?;
    let status = status.expect("validated");
    let user = caller.user_id;
    let wo = write(&mx, id, |wo, now| {
        // completedAt is "last marked as DONE": set on DONE, kept otherwise.
        if status == "DONE" && wo.status != "DONE" {
            wo.completed_at = Some(now);
            wo.completer_id = Some(user);
        }
        wo.status = status;
    })?;
    Ok(Json(
        json!({ "workOrder": render(&wo, &mx.ds, caller.org_id, View::Get, &Expand::default()) }),
    ))
}
