//! The field-mapping routes in the OpenAPI document.

use aide::axum::routing::{get_with, post_with, put_with};
use aide::transform::TransformOperation;
use serde_json::{Value, json};

use super::routes::{RulesBody, history, replace, reset, restore, view_all, view_one};
use crate::openapi::ApiRouter;
use crate::openapi::ops::{self, no_content, ok, OperationDocs, object, page_of, types::*};

pub fn routes() -> ApiRouter {
    let base = "/v1/admin/connections/{id}/field-mappings";
    ApiRouter::new()
        .api_route(base, get_with(view_all, |op| ok(doc(op, "listFieldMappings", "The mapping in force for every entity"), page_of(entity_mapping()))))
        .api_route(
            &format!("{base}/{{entity}}"),
            get_with(view_one, |op| ok(doc(op, "getFieldMapping", "The mapping in force for one entity: every field's rule and where it comes from"), entity_mapping()))
                .put_with(replace, |op| {
                    ok(doc(op, "replaceFieldMapping", "Replace the connection's override rules for the entity (a new version)").body::<RulesBody>(), saved())
                })
                .delete_with(reset, |op| ok(doc(op, "resetFieldMapping", "Back to the connector's defaults (a new version)"), saved())),
        )
        .api_route(
            &format!("{base}/{{entity}}/versions"),
            get_with(history, |op| ok(doc(op, "listFieldMappingVersions", "The override set's history, newest first"), page_of(version()))),
        )
        .api_route(
            &format!("{base}/{{entity}}/versions/{{version}}/restore"),
            post_with(restore, |op| ok(doc(op, "restoreFieldMappingVersion", "Restore an earlier version (as a new version)"), saved())),
        )
        .api_route(
            &format!("{base}/{{entity}}/source-fields"),
            get_with(super::preview::source_fields, |op| {
                let schema = object(json!({ "entity": string(), "sampled_records": integer(), "data": array_of(any_object()) }));
                ok(doc(op, "listSourceFields", "The system's fields found in sampled records: pointers, JSON types, format hints, examples").calls_connector(), schema)
            }),
        )
        .api_route(
            &format!("{base}/{{entity}}/preview"),
            post_with(super::preview::preview, |op| {
                let schema = object(json!({ "entity": string(), "warnings": array_of(any_object()), "data": array_of(any_object()) }));
                ok(doc(op, "previewFieldMapping", "Apply proposed rules to sampled records, before and after; nothing is saved").body::<RulesBody>().calls_connector(), schema)
            }),
        )
        .api_route(
            &format!("{base}/{{entity}}/mapper"),
            put_with(super::plugins::attach, |op| {
                let schema = object(json!({ "entity": string(), "mapper": object(json!({ "digest": string() })), "replaced": boolean() }));
                let op = doc(op, "attachMapper", "Attach a mapping plugin (a `mapper` component, as the body) to the entity");
                let mut op = ok(op, schema);
                ops::binary_body(op.inner_mut(), "application/wasm", "The mapper component's bytes.");
                op
            })
            .delete_with(super::plugins::detach, |op| doc(op, "detachMapper", "Detach the entity's mapping plugin").with(|op| no_content(op, "Detached"))),
        )
}

/// Every route reads the connection's live mapping: a disconnected one is 409.
fn doc<'t>(op: TransformOperation<'t>, id: &str, summary: &str) -> TransformOperation<'t> {
    op.id(id).tag("field-mappings").summary(summary).codes(&["connection_disabled"])
}


fn rule_ref() -> Value {
    json!({ "type": ["object", "null"], "description": "A mapping rule (DESIGN.md's rule language)" })
}

fn origin() -> Value {
    json!({ "type": ["string", "null"], "enum": ["default", "override", null] })
}

fn entity_mapping() -> Value {
    object(json!({
        "entity": string(),
        "version": nullable_integer(),
        "overrides": { "type": "array" },
        "fields": array_of(object(json!({ "field": string(), "rule": rule_ref(), "origin": origin() }))),
        "custom_fields": array_of(json!({ "type": "object", "required": ["rule", "origin"] })),
        "mapper": json!({ "type": ["object", "null"], "properties": { "digest": string() } }),
    }))
}

fn saved() -> Value {
    let mut schema = entity_mapping();
    schema["properties"]["warnings"] = array_of(any_object());
    schema["required"].as_array_mut().expect("required list").push(json!("warnings"));
    schema
}

fn version() -> Value {
    object(json!({
        "version": integer(), "action": string(), "restored_from": nullable_integer(), "rules": {}, "previous_rules": {},
        "actor": string(), "created_at": timestamp()
    }))
}
