//! The unified routes' documentation: one operation per entity and verb, the records' schemas
//! from the unified model (`millwright_model::json_schema`), the write bodies' from
//! `write_json_schema`.

use aide::transform::TransformOperation;
use millwright_model::{Entity, WriteOp, json_schema, write_json_schema};
use serde_json::{Value, json};

use super::list_params::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::openapi::ops::{self, OperationDocs};

/// `WorkOrder` for `work_order`.
fn schema_name(entity: Entity) -> String {
    pascal(entity.name())
}

/// `WorkOrders` for `work-orders`, `WorkOrder` for `work_order`.
fn pascal(words: &str) -> String {
    words.split(['_', '-']).map(|w| w[..1].to_uppercase() + &w[1..]).collect()
}

fn human(entity: Entity) -> String {
    entity.path_segment().replace('-', " ")
}

fn record_ref(entity: Entity) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", schema_name(entity)) })
}

/// Every entity's record, create body and update body, as components.
pub fn add_entity_schemas(components: &mut Value) {
    for entity in Entity::ALL {
        let name = schema_name(entity);
        components["schemas"][&name] = json_schema(entity);
        components["schemas"][format!("{name}Create")] = strip_meta(write_json_schema(entity, WriteOp::Create));
        components["schemas"][format!("{name}Update")] = strip_meta(write_json_schema(entity, WriteOp::Update));
    }
}

fn strip_meta(mut schema: Value) -> Value {
    if let Some(o) = schema.as_object_mut() {
        o.remove("$schema");
    }
    schema
}

pub fn list(op: TransformOperation<'_>, entity: Entity) -> TransformOperation<'_> {
    let op = op
        .id(&format!("list{}", pascal(entity.path_segment())))
        .tag("unified")
        .summary(&format!("List {}", human(entity)))
        .description(&format!(
            "One page of {} from the connection's system, newest changes last as the system orders them. \
             Filters the connector cannot apply are refused with 400 (`GET /v1/connection` lists the ones it supports).",
            human(entity)
        ))
        .calls_connector()
        .with(|mut op| {
            let o = op.inner_mut();
            ops::query_parameter(o, "page_size", json!({ "type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE }), "Records per page (the connector may cap it lower).");
            ops::query_parameter(o, "cursor", json!({ "type": "string" }), "`next_cursor` of the previous page; sealed, valid only for this connection and query.");
            ops::query_parameter(o, "modified_after", json!({ "type": "string", "format": "date-time" }), "Only records changed after this instant (RFC 3339).");
            ops::query_parameter(o, "include_remote_data", json!({ "type": "boolean", "default": false }), "Include each record's original, system-shaped JSON as `remote_data`.");
            for filter in filters(entity) {
                let schema = match entity.field(filter).map(|f| &f.kind) {
                    Some(millwright_model::FieldKind::Enum(values)) => json!({ "type": "string", "enum": values }),
                    _ => json!({ "type": "string" }),
                };
                ops::query_parameter(o, filter, schema, "A unified filter, where the connector supports it.");
            }
            op
        });
    ops::json_response(
        op,
        200,
        &format!("A page of {}", human(entity)),
        json!({
            "type": "object",
            "required": ["data", "next_cursor"],
            "properties": {
                "data": { "type": "array", "items": record_ref(entity) },
                "next_cursor": { "type": ["string", "null"], "description": "Pass as `cursor` for the next page; `null` on the last page." }
            }
        }),
    )
}

/// The unified filters a list of this entity can take (where its connector supports them).
fn filters(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::WorkOrder => &["status", "asset_id", "location_id"],
        _ => &[],
    }
}

pub fn get(op: TransformOperation<'_>, entity: Entity) -> TransformOperation<'_> {
    let op = op
        .id(&format!("get{}", schema_name(entity)))
        .tag("unified")
        .summary(&format!("Get one of the {}", human(entity)))
        .calls_connector()
        .with(|mut op| {
            ops::query_parameter(op.inner_mut(), "include_remote_data", json!({ "type": "boolean", "default": false }), "Include the record's original JSON as `remote_data`.");
            op
        });
    ops::json_response(op, 200, "The record", record_ref(entity))
}

pub fn create(op: TransformOperation<'_>, entity: Entity) -> TransformOperation<'_> {
    let description = "Written through the connector; never retried. 501 `unsupported_operation` where the connector cannot create this entity.";
    write(op, entity, WriteOp::Create, description)
}

pub fn update(op: TransformOperation<'_>, entity: Entity) -> TransformOperation<'_> {
    write(op, entity, WriteOp::Update, "A partial update: fields left out are unchanged, `null` clears a field.")
}

fn write<'t>(op: TransformOperation<'t>, entity: Entity, write: WriteOp, description: &str) -> TransformOperation<'t> {
    let name = schema_name(entity);
    let (verb, suffix, status, answer) = match write {
        WriteOp::Create => ("create", "Create", 201, "The created record"),
        WriteOp::Update => ("update", "Update", 200, "The updated record"),
    };
    let op = op
        .id(&format!("{verb}{name}"))
        .tag("unified")
        .summary(&format!("{suffix} one of the {}", human(entity)))
        .description(description)
        .calls_connector()
        .with(|mut op| {
            ops::json_body(op.inner_mut(), json!({ "$ref": format!("#/components/schemas/{name}{suffix}") }));
            op
        });
    ops::json_response(op, status, answer, record_ref(entity))
}
