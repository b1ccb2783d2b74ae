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
