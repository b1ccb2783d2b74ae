//! MaintainX's JSON for a work order, shared by the list, the get and the write answers.
//!
//! Which fields appear follows the spec: fields it marks "(expand with query parameter)" are
//! there only when expanded (`assignees`, `asset`, `location`, `parts`, `extraFields`, and on
//! lists `categories` and `vendorIds`); `assigneeIds`/`teamIds` (documented on the get) are
//! always there.

use serde_json::{Map, Value, json};

use super::{assets, extra, locations, parts};
use crate::maintainx::data::work_orders::WorkOrder;
use crate::maintainx::data::{Dataset, iso, iso_opt};
use crate::maintainx::params::Expand;

#[derive(Clone, Copy, PartialEq)]
pub enum View {
    List,
    Get,
}

/// A work order in MaintainX's JSON, for a list item or a single get.
pub fn render(wo: &WorkOrder, ds: &Dataset, org_id: i64, view: View, ex: &Expand) -> Value {
    let mut m: Map<String, Value> = match json!({
        "id": wo.id,
        "sequentialId": wo.sequential_id,
        "title": wo.title,
        "description": wo.description,
        "status": wo.status,
        "priority": wo.priority,
        "type": wo.wo_type,
        "assetId": wo.asset_id,
        "locationId": wo.location_id,
        "assigneeIds": wo.assignee_ids,
        "teamIds": wo.team_ids,
        "createdAt": iso(wo.created_at),
        "updatedAt": iso(wo.updated_at),
        "completedAt": iso_opt(wo.completed_at),
        "completerId": wo.completer_id,
        "creatorId": wo.creator_id,
        "requesterId": wo.requester_id,
        "deletedAt": null,
        "dueDate": iso_opt(wo.due_date),
        "dueDateIsFullDay": wo.due_date_is_full_day,
        "startDate": iso_opt(wo.start_date),
        "lastMessageSentAt": iso_opt(wo.last_message_sent_at),
        "nextId": null,
        "previousId": null,
        "organizationId": org_id,
        "partStatus": wo.part_status,
        "partsAvailability": "PARTS_AVAILABLE",
        "recurrenceInfo": wo.recurrence,
        "workOrderSummary": null,
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    if view == View::Get {
        let more = json!({
            "categories": wo.categories,
            "vendorIds": wo.vendor_ids,
            "attachments": [],
            "thumbnail": null,
            "isParent": false,
            "parentId": null,
            "progress": null,
            "procedure": null,
            "externalData": null,
        });
        m.extend(more.as_object().cloned().unwrap_or_default());
    } else {
        if ex.has("categories") {
            m.insert("categories".into(), json!(wo.categories));
        }
        if ex.has("vendor_ids") {
            m.insert("vendorIds".into(), json!(wo.vendor_ids));
        }
    }
    if ex.has("assignees") {
        let users = wo
            .assignee_ids
            .iter()
            .map(|id| json!({"type": "USER", "id": id}));
        let teams = wo
            .team_ids
            .iter()
            .map(|id| json!({"type": "TEAM", "id": id}));
        m.insert(
            "assignees".into(),
            Value::Array(users.chain(teams).collect()),
        );
    }
    let asset_extra = ex.has("asset_extra_fields");
    if ex.has("asset") || asset_extra {
        m.insert(
            "asset".into(),
            assets::embedded(ds, wo.asset_id, asset_extra),
        );
    }
    let location_extra = ex.has("location_extra_fields");
    if ex.has("location") || location_extra {
        m.insert(
            "location".into(),
            locations::embedded(ds, wo.location_id, location_extra),
        );
    }
    if ex.has("parts") || ex.has("part_extra_fields") {
        let with_extra = ex.has("part_extra_fields");
        let lines = wo
            .parts
            .iter()
            .filter_map(|(id, qty)| parts::work_order_line(ds, *id, *qty, with_extra));
        m.insert("parts".into(), Value::Array(lines.collect()));
    }
    if ex.has("extra_fields") {
        m.insert("extraFields".into(), extra(&wo.extra_fields));
    }
    if ex.has("estimated_time") {
        m.insert("estimatedTime".into(), json!(wo.estimated_time));
    }
    for (e, k) in [
        ("times", "times"),
        ("time_items", "timeItems"),
        ("expenditures", "expenditures"),
    ] {
        if ex.has(e) {
            m.insert(k.into(), json!([]));
        }
    }
    Value::Object(m)
}
