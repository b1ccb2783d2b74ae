//! Writes: work orders (create, update) and maintenance requests (= work requests, create).
//!
//! | unified | MaintainX |
//! |---|---|
//! | `title`, `description` | `title`, `description` |
//! | `priority` none/low/medium/high/urgent | `priority` NONE/LOW/MEDIUM/HIGH/HIGH (MaintainX has no "urgent") |
//! | `status` open/in_progress/on_hold/completed/cancelled | `PATCH /workorders/{id}/status` OPEN/IN_PROGRESS/ON_HOLD/DONE/CANCELED |
//! | `type` (preventive, reactive, other; any case) | `type` PREVENTIVE/REACTIVE/OTHER |
//! | `asset_id`, `location_id`, `requester_id` | `assetId`, `locationId`, `requesterId` (integers) |
//! | `assignee_ids` | `assignees: [{"type": "USER", "id": n}]` |
//! | `due_at` | `dueDate` (RFC 3339 UTC) |
//! | `custom_fields` | `extraFields` (values as text; `null` clears to `""`) |
//!
//! MaintainX sets `started_at`/`completed_at` itself and a work request's requester and work
//! order: those unified fields are ignored on writes (logged at warn). A create with a status
//! other than `open` creates the work order, then sets the status; if that second call fails
//! the created record is returned (with its actual status) rather than an error, so a retry
//! does not create a duplicate.

use millwright_sdk::error::parse_unified;
use millwright_sdk::model::{
    MaintenanceRequestCreate, MaintenanceRequestStatus, Patch, Priority, WorkOrderCreate,
    WorkOrderPatch, WorkOrderStatus,
};
use millwright_sdk::{ConnectionContext, ConnectorError, Entity, SourceRecord, ids, log, time};
use serde_json::{Map, Value, json};

use crate::client::{id_text, request, send_json};
use crate::read;

pub fn priority(p: Priority) -> &'static str {
    match p {
        Priority::None => "NONE",
        Priority::Low => "LOW",
        Priority::Medium => "MEDIUM",
        Priority::High | Priority::Urgent => "HIGH",
    }
}

pub fn work_order_status(s: WorkOrderStatus) -> &'static str {
    match s {
        WorkOrderStatus::Open => "OPEN",
        WorkOrderStatus::InProgress => "IN_PROGRESS",
        WorkOrderStatus::OnHold => "ON_HOLD",
        WorkOrderStatus::Completed => "DONE",
        WorkOrderStatus::Cancelled => "CANCELED",
    }
}

/// Unified `type` → MaintainX's writable types.
pub fn work_order_type(t: &str) -> Result<&'static str, ConnectorError> {
    let norm = t.trim().to_ascii_uppercase().replace([' ', '-'], "_");
    match norm.as_str() {
        "PREVENTIVE" => Ok("PREVENTIVE"),
        "REACTIVE" => Ok("REACTIVE"),
        "OTHER" => Ok("OTHER"),
        _ => Err(ConnectorError::invalid_field(
            "type",
            format!("MaintainX work order types are preventive, reactive and other, not {t:?}"),
        )),
    }
}

fn int_id(field: &str, id: &str) -> Result<Value, ConnectorError> {
    ids::parse_int(id).map(Value::from).map_err(|_| {
        ConnectorError::invalid_field(
            field,
            format!("`{field}` must be a MaintainX id (an integer), got {id:?}"),
        )
    })
}

fn assignees(ids: &[String]) -> Result<Value, ConnectorError> {
    ids.iter()
        .map(|id| int_id("assignee_ids", id).map(|n| json!({"type": "USER", "id": n})))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// `custom_fields` → `extraFields` (MaintainX custom field values are text; `null` → `""`).
fn extra_fields(custom: &Map<String, Value>, skip_nulls: bool) -> Map<String, Value> {
    custom
        .iter()
        .filter(|(_, v)| !(skip_nulls && v.is_null()))
        .map(|(k, v)| {
            let text = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Bool(_) | Value::Number(_) => v.to_string(),
                other => other.to_string(),
            };
            (k.clone(), Value::String(text))
        })
        .collect()
}

/// The host's `source_fields` (the write's custom fields in MaintainX's shape, built through the
/// connection's mapping) merged into the request body. `extraFields` values are text in
/// MaintainX, converted as for `custom_fields`.
fn merge_source_fields(body: &mut Map<String, Value>, source: &Map<String, Value>, skip_nulls: bool) {
    for (key, value) in source {
        let value = match (key.as_str(), value) {
            ("extraFields", Value::Object(extra)) => Value::Object(extra_fields(extra, skip_nulls)),
            _ => value.clone(),
        };
        match (body.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(patch)) => merge_objects(existing, patch),
            (_, value) => {
                body.insert(key.clone(), value);
            }
        }
    }
}

fn merge_objects(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        match (target.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(inner)) => merge_objects(existing, inner),
            (_, value) => {
                target.insert(key, value);
            }
        }
    }
}

fn ignored(fields: &[(&str, bool)]) {
    for (name, present) in fields {
        if *present {
            log::warn(format!(
                "MaintainX does not accept `{name}` on this write; ignored"
            ));
        }
    }
}

/// A planned work order create: the POST body and the status to set afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrderCreatePlan {
    pub body: Value,
    pub status: Option<&'static str>,
}

pub fn plan_work_order_create(unified: &str) -> Result<WorkOrderCreatePlan, ConnectorError> {
    let c: WorkOrderCreate = parse_unified(unified)?;
    if c.title.trim().is_empty() {
        return Err(ConnectorError::invalid_field(
            "title",
            "title must not be empty",
        ));
    }
    let mut body = Map::new();
    body.insert("title".into(), Value::String(c.title.clone()));
    if let Some(d) = &c.description {
        body.insert("description".into(), Value::String(d.clone()));
    }
    if let Some(p) = c.priority {
        body.insert("priority".into(), priority(p).into());
    }
    if let Some(t) = &c.r#type {
        body.insert("type".into(), work_order_type(t)?.into());
    }
    if let Some(a) = &c.asset_id {
        body.insert("assetId".into(), int_id("asset_id", a)?);
    }
    if let Some(l) = &c.location_id {
        body.insert("locationId".into(), int_id("location_id", l)?);
    }
    if let Some(a) = &c.assignee_ids {
        body.insert("assignees".into(), assignees(a)?);
    }
    if let Some(r) = &c.requester_id {
        body.insert("requesterId".into(), int_id("requester_id", r)?);
    }
    if let Some(d) = &c.due_at {
        body.insert(
            "dueDate".into(),
            time::format_rfc3339_ms(d.timestamp_millis()).into(),
        );
    }
    if !c.custom_fields.is_empty() {
        body.insert(
            "extraFields".into(),
            Value::Object(extra_fields(&c.custom_fields, true)),
        );
    }
    merge_source_fields(&mut body, &c.source_fields, true);
    ignored(&[
        ("started_at", c.started_at.is_some()),
        ("completed_at", c.completed_at.is_some()),
    ]);
    let status = c
        .status
        .filter(|s| *s != WorkOrderStatus::Open)
        .map(work_order_status);
    Ok(WorkOrderCreatePlan {
        body: Value::Object(body),
        status,
    })
}

/// A planned work order update: the PATCH body (when any field besides status changes) and
/// the status to set.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrderUpdatePlan {
    pub body: Option<Value>,
    pub status: Option<&'static str>,
}

pub fn plan_work_order_update(patch: &str) -> Result<WorkOrderUpdatePlan, ConnectorError> {
    let p: WorkOrderPatch = parse_unified(patch)?;
    let cannot_clear =
        |f: &str| ConnectorError::invalid_field(f, format!("MaintainX cannot clear `{f}`"));
    let mut body = Map::new();
    match &p.title {
        Patch::Absent => {}
        Patch::Null => return Err(cannot_clear("title")),
        Patch::Value(t) if t.trim().is_empty() => {
            return Err(ConnectorError::invalid_field(
                "title",
                "title must not be empty",
            ));
        }
        Patch::Value(t) => {
            body.insert("title".into(), t.clone().into());
        }
    }
    match &p.description {
        Patch::Absent => {}
        Patch::Null => {
            body.insert("description".into(), Value::Null);
        }
        Patch::Value(d) => {
            body.insert("description".into(), d.clone().into());
        }
    }
    match p.priority {
        Patch::Absent => {}
        Patch::Null => {
            body.insert("priority".into(), "NONE".into());
        }
        Patch::Value(v) => {
            body.insert("priority".into(), priority(v).into());
        }
    }
    match &p.r#type {
        Patch::Absent => {}
        Patch::Null => return Err(cannot_clear("type")),
        Patch::Value(t) => {
            body.insert("type".into(), work_order_type(t)?.into());
        }
    }
    for (field, key, value) in [
        ("asset_id", "assetId", &p.asset_id),
        ("location_id", "locationId", &p.location_id),
        ("requester_id", "requesterId", &p.requester_id),
    ] {
        match value {
            Patch::Absent => {}
            Patch::Null => {
                body.insert(key.into(), Value::Null);
            }
            Patch::Value(id) => {
                body.insert(key.into(), int_id(field, id)?);
            }
        }
    }
    match &p.assignee_ids {
        Patch::Absent => {}
        Patch::Null => {
            body.insert("assignees".into(), json!([]));
        }
        Patch::Value(ids) => {
            body.insert("assignees".into(), assignees(ids)?);
        }
    }
    match &p.due_at {
        Patch::Absent => {}
        Patch::Null => {
            body.insert("dueDate".into(), Value::Null);
        }
        Patch::Value(d) => {
            body.insert(
                "dueDate".into(),
                time::format_rfc3339_ms(d.timestamp_millis()).into(),
            );
        }
    }
    if !p.custom_fields.is_empty() {
        body.insert(
            "extraFields".into(),
            Value::Object(extra_fields(&p.custom_fields, false)),
        );
    }
    merge_source_fields(&mut body, &p.source_fields, false);
    let status = match p.status {
        Patch::Absent => None,
        Patch::Null => return Err(cannot_clear("status")),
        Patch::Value(s) => Some(work_order_status(s)),
    };
    ignored(&[
        ("started_at", !p.started_at.is_absent()),
        ("completed_at", !p.completed_at.is_absent()),
    ]);
    Ok(WorkOrderUpdatePlan {
        body: if body.is_empty() {
            None
        } else {
            Some(Value::Object(body))
        },
        status,
    })
}

pub fn plan_request_create(unified: &str) -> Result<Value, ConnectorError> {
    let c: MaintenanceRequestCreate = parse_unified(unified)?;
    if c.title.trim().is_empty() {
        return Err(ConnectorError::invalid_field(
            "title",
            "title must not be empty",
        ));
    }
    if let Some(s) = c.status.filter(|s| *s != MaintenanceRequestStatus::Pending) {
        return Err(ConnectorError::invalid_field(
            "status",
            format!("MaintainX creates work requests as pending; cannot create one as {s}"),
        ));
    }
    let mut body = Map::new();
    body.insert("title".into(), c.title.clone().into());
    if let Some(d) = &c.description {
        body.insert("description".into(), d.clone().into());
    }
    if let Some(p) = c.priority {
        body.insert("priority".into(), priority(p).into());
    }
    if let Some(a) = &c.asset_id {
        body.insert("assetId".into(), int_id("asset_id", a)?);
    }
    if let Some(l) = &c.location_id {
        body.insert("locationId".into(), int_id("location_id", l)?);
    }
    if !c.custom_fields.is_empty() {
        body.insert(
            "extraFields".into(),
            Value::Object(extra_fields(&c.custom_fields, true)),
        );
    }
    merge_source_fields(&mut body, &c.source_fields, true);
    ignored(&[
        ("requester_id", c.requester_id.is_some()),
        ("work_order_id", c.work_order_id.is_some()),
    ]);
    Ok(Value::Object(body))
}

fn created_id(body: &Value) -> Result<String, ConnectorError> {
    body.get("id")
        .or_else(|| body.get("workOrder").and_then(|w| w.get("id")))
        .or_else(|| body.get("workRequest").and_then(|w| w.get("id")))
        .and_then(id_text)
        .ok_or_else(|| ConnectorError::internal("MaintainX create answered without an id"))
}

fn set_status(ctx: &ConnectionContext, id: &str, status: &str) -> Result<(), ConnectorError> {
    send_json(
        request(ctx, "PATCH", &format!("/workorders/{id}/status")).json(&json!({"status": status})),
    )?;
    Ok(())
}

pub fn create(
    ctx: &ConnectionContext,
    entity: Entity,
    unified: &str,
) -> Result<SourceRecord, ConnectorError> {
    match entity {
        Entity::WorkOrder => {
            let plan = plan_work_order_create(unified)?;
            let created = send_json(request(ctx, "POST", "/workorders").json(&plan.body))?;
            let id = created_id(&created)?;
            if let Some(status) = plan.status
                && let Err(e) = set_status(ctx, &id, status)
            {
                log::warn(format!(
                    "work order {id} created, but setting its status to {status} failed: {e:?}"
                ));
            }
            read::get(ctx, entity, &id)
        }
        Entity::MaintenanceRequest => {
            let body = plan_request_create(unified)?;
            let created = send_json(request(ctx, "POST", "/workrequests").json(&body))?;
            let id = created_id(&created)?;
            read::get(ctx, entity, &id)
        }
        other => Err(ConnectorError::unsupported(format!(
            "create {}",
            millwright_sdk::connector::entity_name(other)
        ))),
    }
}

pub fn update(
    ctx: &ConnectionContext,
    entity: Entity,
    id: &str,
    patch: &str,
) -> Result<SourceRecord, ConnectorError> {
    if entity != Entity::WorkOrder {
        return Err(ConnectorError::unsupported(format!(
            "update {}",
            millwright_sdk::connector::entity_name(entity)
        )));
    }
    let n = ids::parse_int(id)?;
    let plan = plan_work_order_update(patch)?;
    if let Some(body) = &plan.body {
        send_json(request(ctx, "PATCH", &format!("/workorders/{n}")).json(body))?;
    }
    if let Some(status) = plan.status {
        set_status(ctx, &n.to_string(), status)?;
    }
    read::get(ctx, entity, &n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body() {
        let plan = plan_work_order_create(
            r#"{"title":"Fix pump","description":"leaks","status":"in_progress","priority":"urgent","type":"Preventive",
                "asset_id":"12","location_id":"7","assignee_ids":["3","4"],"requester_id":"9",
                "due_at":"2026-01-31T09:00:00+01:00","custom_fields":{"Budget":1200,"Shift":"night","Gone":null},
                "number":"ignored","remote_status":"ignored"}"#,
        )
        .unwrap();
        assert_eq!(
            plan.body,
            json!({
                "title": "Fix pump", "description": "leaks", "priority": "HIGH", "type": "PREVENTIVE",
                "assetId": 12, "locationId": 7, "assignees": [{"type": "USER", "id": 3}, {"type": "USER", "id": 4}],
                "requesterId": 9, "dueDate": "2026-01-31T08:00:00Z",
                "extraFields": {"Budget": "1200", "Shift": "night"}
            })
        );
        assert_eq!(plan.status, Some("IN_PROGRESS"));
        assert_eq!(
            plan_work_order_create(r#"{"title":"x","status":"open"}"#)
                .unwrap()
                .status,
            None
        );
    }

    #[test]
    fn source_fields_are_merged_as_text() {
        let plan = plan_work_order_create(
            r#"{"title":"Fix pump","custom_fields":{"Shift":"night"},
                "source_fields":{"extraFields":{"Cost Center":42,"Gone":null},"procedure":{"id":"P1"}}}"#,
        )
        .unwrap();
        assert_eq!(plan.body["extraFields"], json!({"Shift": "night", "Cost Center": "42"}));
        assert_eq!(plan.body["procedure"], json!({"id": "P1"}));
        let plan = plan_work_order_update(r#"{"source_fields":{"extraFields":{"Budget":null}}}"#).unwrap();
        assert_eq!(plan.body.unwrap()["extraFields"], json!({"Budget": ""}), "null clears on update");
    }

    #[test]
    fn create_validation() {
        let field = |json: &str| match plan_work_order_create(json).unwrap_err() {
            ConnectorError::InvalidRequest(i) => i.field,
            e => panic!("{e:?}"),
        };
        assert_eq!(field(r#"{"priority":"high"}"#).as_deref(), Some("title"));
        assert_eq!(field(r#"{"title":"  "}"#).as_deref(), Some("title"));
        assert_eq!(
            field(r#"{"title":"x","asset_id":"abc"}"#).as_deref(),
            Some("asset_id")
        );
        assert_eq!(
            field(r#"{"title":"x","assignee_ids":["1","x"]}"#).as_deref(),
            Some("assignee_ids")
        );
        assert_eq!(
            field(r#"{"title":"x","type":"cycle count"}"#).as_deref(),
            Some("type")
        );
        assert!(plan_work_order_create("not json").is_err());
    }

    #[test]
    fn update_body() {
        let plan = plan_work_order_update(
            r#"{"description":null,"priority":null,"asset_id":null,"assignee_ids":null,"due_at":"2026-02-01T00:00:00Z",
                "custom_fields":{"Budget":null},"status":"completed"}"#,
        )
        .unwrap();
        assert_eq!(
            plan.body,
            Some(json!({
                "description": null, "priority": "NONE", "assetId": null, "assignees": [],
                "dueDate": "2026-02-01T00:00:00Z", "extraFields": {"Budget": ""}
            }))
        );
        assert_eq!(plan.status, Some("DONE"));
        let only_status = plan_work_order_update(r#"{"status":"cancelled"}"#).unwrap();
        assert_eq!(
            only_status,
            WorkOrderUpdatePlan {
                body: None,
                status: Some("CANCELED")
            }
        );
        let nothing = plan_work_order_update("{}").unwrap();
        assert_eq!(
            nothing,
            WorkOrderUpdatePlan {
                body: None,
                status: None
            }
        );
        for (json, f) in [
            (r#"{"title":null}"#, "title"),
            (r#"{"status":null}"#, "status"),
            (r#"{"type":null}"#, "type"),
            (r#"{"location_id":"1.5"}"#, "location_id"),
        ] {
            match plan_work_order_update(json).unwrap_err() {
                ConnectorError::InvalidRequest(i) => {
                    assert_eq!(i.field.as_deref(), Some(f), "{json}")
                }
                e => panic!("{e:?}"),
            }
        }
    }

    #[test]
    fn request_body() {
        let body = plan_request_create(
            r#"{"title":"Leak","priority":"low","asset_id":"5","custom_fields":{"Area":"B"}}"#,
        )
        .unwrap();
        assert_eq!(
            body,
            json!({"title": "Leak", "priority": "LOW", "assetId": 5, "extraFields": {"Area": "B"}})
        );
        assert!(plan_request_create(r#"{"title":"Leak","status":"approved"}"#).is_err());
        assert!(plan_request_create(r#"{"title":"Leak","status":"pending"}"#).is_ok());
    }

    #[test]
    fn created_ids() {
        assert_eq!(created_id(&json!({"id": 159})).unwrap(), "159");
        assert_eq!(created_id(&json!({"workOrder": {"id": 3}})).unwrap(), "3");
        assert!(created_id(&json!({})).is_err());
    }
}
