//! The unified entity routes: `GET` list, `GET /{id}`, `POST` create, `PATCH /{id}` update.
//!
//! Request path: auth (token → connection) → entity support → parameters → connector call in the
//! sandbox → mapping → response.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use aide::axum::routing::get_with;
use axum::Json;
use millwright_model::{Entity, WriteOp, validate_write};
use serde_json::{Value, json};

use super::auth::ConnectionAuth;
use super::cursor::CursorScope;
use super::error::ApiError;
use super::json_body::JsonObject;
use super::list_params::ListParams;
use super::unified_docs as docs;
use crate::app::AppState;
use crate::openapi::ApiRouter;
use crate::connections::LiveConnection;
use crate::registry::ActiveModule;
use crate::runtime::bindings::{EntitySupport, ListQuery, Operations, SourceRecord};

/// Concrete routes for every entity (`/v1/work-orders`, `/v1/assets`, ...).
pub fn routes() -> ApiRouter {
    let mut router = ApiRouter::new();
    for entity in Entity::ALL.iter().copied() {
        let collection = format!("/v1/{}", entity.path_segment());
        let item = format!("{collection}/{{id}}");
        router = router
            .api_route(
                &collection,
                get_with(move |app, auth, query| list(app, auth, entity, query), move |op| docs::list(op, entity))
                    .post_with(move |app, auth, body| create(app, auth, entity, body), move |op| docs::create(op, entity)),
            )
            .api_route(
                &item,
                get_with(move |app, auth, id, query| fetch(app, auth, entity, id, query), move |op| docs::get(op, entity))
                    .patch_with(move |app, auth, id, body| update(app, auth, entity, id, body), move |op| docs::update(op, entity)),
            );
    }
    router
}

fn support<'a>(module: &'a ActiveModule, entity: Entity, op: Operations, verb: &str) -> Result<&'a EntitySupport, ApiError> {
    match module.support(entity) {
        Some(s) if s.operations.contains(op) => Ok(s),
        _ => Err(ApiError::unsupported_operation(format!(
            "the {} connector does not support {verb} on {}",
            module.info().name,
            entity.path_segment()
        ))),
    }
}

async fn list(State(app): State<AppState>, auth: ConnectionAuth, entity: Entity, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let live = auth.usable()?;
    let module = &live.module;
    let support = support(module, entity, Operations::LIST, "list")?;
    let params = ListParams::parse(entity, raw.as_deref(), &support.filters)?;
    let query_hash = params.query_hash(entity);
    let scope = CursorScope { connection_id: &live.id, entity: entity.name(), connector_id: &module.info().id, query_hash: &query_hash };
    let vendor_cursor = params.cursor.as_deref().map(|c| app.cursors.open(&scope, c)).transpose()?;
    let query = ListQuery {
        modified_after: params.modified_after.clone(),
        cursor: vendor_cursor,
        page_size: params.page_size.min(module.info().max_page_size.max(1)),
        filters: params.filters.clone().into_iter().collect(),
    };
    let page = app.runtime.list(&module.module, &live.binding, entity.into(), query).await;
    // Passive health: every upstream outcome counts, recorded off the request path.
    let page = app.health.observed(&live.id, page)?;
    // `{"data": [...], "next_cursor": ...}` written into one buffer sized for a typical page.
    let mut body = Vec::with_capacity(1024 * (page.records.len() + 1));
    body.extend_from_slice(b"{\"data\":");
    live.mappings.get(entity)?.unify_json(&app.runtime, entity, page.records, params.include_remote_data, &mut body).await?;
    let next_cursor = page.next_cursor.filter(|c| !c.is_empty()).map(|c| app.cursors.seal(&scope, &c));
    body.extend_from_slice(b",\"next_cursor\":");
    serde_json::to_writer(&mut body, &next_cursor).expect("a string serialises");
    body.push(b'}');
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

async fn fetch(
    State(app): State<AppState>,
    auth: ConnectionAuth,
    entity: Entity,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let live = auth.usable()?;
    let module = &live.module;
    support(module, entity, Operations::GET, "get")?;
    let include_remote_data = super::list_params::include_remote_data_only(raw.as_deref())?;
    let record = app.runtime.get(&module.module, &live.binding, entity.into(), id).await;
    // Passive health: every upstream outcome counts, recorded off the request path.
    let record = app.health.observed(&live.id, record)?;
    Ok(Json(one(&app, live, entity, record, include_remote_data).await?))
}

async fn create(State(app): State<AppState>, auth: ConnectionAuth, entity: Entity, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    let live = auth.usable()?;
    let module = &live.module;
    support(module, entity, Operations::CREATE, "create")?;
    let body = prepare_write(live, entity, WriteOp::Create, body)?;
    let record = app.runtime.create(&module.module, &live.binding, entity.into(), body).await;
    // Passive health: every upstream outcome counts, recorded off the request path.
    let record = app.health.observed(&live.id, record)?;
    Ok((StatusCode::CREATED, Json(one(&app, live, entity, record, false).await?)))
}

async fn update(
    State(app): State<AppState>,
    auth: ConnectionAuth,
    entity: Entity,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<Value>, ApiError> {
    let live = auth.usable()?;
    let module = &live.module;
    support(module, entity, Operations::UPDATE, "update")?;
    let body = prepare_write(live, entity, WriteOp::Update, body)?;
    let record = app.runtime.update(&module.module, &live.binding, entity.into(), id, body).await;
    // Passive health: every upstream outcome counts, recorded off the request path.
    let record = app.health.observed(&live.id, record)?;
    Ok(Json(one(&app, live, entity, record, false).await?))
}

/// One record through the connection's mapping (rules, then the plugin).
async fn one(app: &AppState, live: &LiveConnection, entity: Entity, record: SourceRecord, include_remote_data: bool) -> Result<Value, ApiError> {
    let mut unified = live.mappings.get(entity)?.unify(&app.runtime, entity, vec![record], include_remote_data).await?;
    unified.pop().ok_or_else(|| ApiError::internal("the mapping returned no record"))
}

/// A write body as the connector receives it: checked against the unified model, then its
/// custom fields reversed into the system's shape through the connection's mapping.
fn prepare_write(live: &LiveConnection, entity: Entity, op: WriteOp, body: serde_json::Map<String, Value>) -> Result<String, ApiError> {
    let body = Value::Object(body);
    check_write(entity, op, &body)?;
    let Value::Object(mut body) = body else { unreachable!("built from an object") };
    crate::mapping::writes::reverse_custom_fields(&live.mappings.get(entity)?.mapping, &mut body)?;
    Ok(Value::Object(body).to_string())
}

/// The unified model's own checks, before the system sees anything.
fn check_write(entity: Entity, op: WriteOp, body: &Value) -> Result<(), ApiError> {
    validate_write(entity, op, body).map_err(|errors| {
        let first = &errors[0];
        let all: Vec<Value> = errors.iter().map(|e| json!({"field": e.field, "message": e.message})).collect();
        ApiError::validation_failed(Some(&first.field), format!("`{}`: {}", first.field, first.message)).with("errors", all)
    })
}
