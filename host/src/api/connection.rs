//! `GET /v1/connection`: the connection's status and what it can do. Always answers (even when
//! the connection needs reauthorization), so a client can see why its data calls fail.

use axum::Json;
use axum::extract::State;
use millwright_model::Entity;
use serde_json::{Value, json};

use super::auth::ConnectionAuth;
use super::error::ApiError;
use crate::app::AppState;
use crate::runtime::bindings::operation_names;

pub async fn connection(State(app): State<AppState>, auth: ConnectionAuth) -> Result<Json<Value>, ApiError> {
    let live = &auth.0;
    let info = live.module.info();
    let entities: Vec<Value> = info
        .entities
        .iter()
        .map(|s| {
            let entity: Entity = s.entity.into();
            let operations = operation_names(s.operations);
            let fields = live.mappings.get(entity).map(|m| m.mapping.targets()).unwrap_or_default();
            json!({
                "entity": entity.name(),
                "path": format!("/v1/{}", entity.path_segment()),
                "operations": operations,
                "filters": s.filters,
                "modified_after": s.incremental,
                "supported_fields": fields,
            })
        })
        .collect();
    let health = app.store.connection_health(&live.id).await?;
    Ok(Json(json!({
        "id": live.id,
        "status": live.status,
        "reauth_required": live.status == "reauth_required",
        "health": crate::health::routes::view(&live.status, health.as_ref()),
        "environment": live.environment,
        "connector": { "id": info.id, "name": info.name, "version": info.version },
        "account": { "id": live.account_id, "name": live.account_name },
        "base_url": live.base_url,
        "capabilities": {
            "entities": entities,
            "passthrough": info.supports_passthrough,
            "max_page_size": info.max_page_size.min(super::list_params::MAX_PAGE_SIZE),
        },
    })))
}

pub fn docs(op: aide::transform::TransformOperation<'_>) -> aide::transform::TransformOperation<'_> {
    use crate::openapi::ops::{self, object, types::*};
    let entity = object(json!({
        "entity": string(), "path": string(), "operations": strings(), "filters": strings(),
        "modified_after": boolean(), "supported_fields": strings()
    }));
    let schema = object(json!({
        "id": string(),
        "status": one_of(&["active", "degraded", "reauth_required", "disabled", "disconnected"]),
        "reauth_required": boolean(),
        "health": crate::health::routes::view_schema(),
        "environment": string(),
        "connector": object(json!({ "id": string(), "name": string(), "version": string() })),
        "account": object(json!({ "id": nullable_string(), "name": nullable_string() })),
        "base_url": nullable_string(),
        "capabilities": object(json!({ "entities": array_of(entity), "passthrough": boolean(), "max_page_size": integer() })),
    }));
    let op = op
        .id("getConnection")
        .tag("connection")
        .summary("The calling connection: status, health and capabilities")
        .description("Answers even when the connection needs reauthorization, so a client can see why its data calls fail.");
    ops::json_response(op, 200, "The connection", schema)
}
