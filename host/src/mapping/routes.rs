//! `/v1/admin/connections/{id}/field-mappings…`: view the mapping in force, replace a
//! connection's override set for an entity, restore the defaults, list and restore versions.
//!
//! Every change is a new version (who, when, before, after), audited, and bumps the
//! connection's `config_version` in the same transaction as the version row.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use millwright_mapping::{RuleError, RuleOrigin, RuleSet};
use millwright_model::Entity;
use serde::Deserialize;
use serde_json::{Value, json};

use super::EntityMapping;
use crate::admin::auth::AdminAuth;
use crate::admin::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::api::query::StrictQuery;
use crate::app::AppState;
use crate::connections::LiveConnection;
use crate::store::{ConnectionRow, MappingVersionRow, NewMappingVersion};


pub(crate) async fn existing_connection(app: &AppState, id: &str) -> Result<ConnectionRow, ApiError> {
    let row = app.store.connection(id).await?.ok_or_else(|| ApiError::not_found(format!("no connection {id}")))?;
    if row.status == "disconnected" {
        return Err(ApiError::new(axum::http::StatusCode::CONFLICT, "connection_disabled", format!("connection {id} is disconnected")));
    }
    Ok(row)
}

/// The connection's live state at its current `config_version` (what its next request runs).
pub(crate) async fn live(app: &AppState, id: &str) -> Result<Arc<LiveConnection>, ApiError> {
    let row = existing_connection(app, id).await?;
    app.connections.live(id, row.config_version).await
}

/// The entity, refused with 404 when the connection's connector does not serve it.
pub(crate) fn served<'a>(live: &'a LiveConnection, segment: &str) -> Result<(Entity, &'a EntityMapping), ApiError> {
    let entity = super::entity_from_path(segment)?;
    let mapping = live
        .mappings
        .get(entity)
        .map_err(|_| ApiError::not_found(format!("the {} connector does not serve {segment}", live.module.info().name)))?;
    Ok((entity, mapping))
}

/// One entity's mapping as the operator sees it: every unified field with the rule that fills it
/// (or `null`), every custom-field rule and spread, the override set and the plugin.
fn entity_view(entity: Entity, m: &EntityMapping) -> Value {
    let rules = m.mapping.rules_for_view();
    let origin = |o: RuleOrigin| serde_json::to_value(o).expect("origins serialise");
    let fields: Vec<Value> = entity
        .fields()
        .iter()
        .filter(|f| !matches!(f.name, "id" | "deleted" | "custom_fields" | "remote_data" | "mapping_warnings"))
        .map(|f| match rules.iter().find(|(target, _, _)| target == f.name) {
            Some((_, rule, o)) => json!({ "field": f.name, "rule": rule, "origin": origin(*o) }),
            None => json!({ "field": f.name, "rule": null, "origin": null }),
        })
        .collect();
    let custom_fields: Vec<Value> = rules
        .iter()
        .filter_map(|(target, rule, o)| {
            let name = target.strip_prefix("custom_fields.")?;
            Some(match name {
                "*" => json!({ "spread": true, "rule": rule, "origin": origin(*o) }),
                _ => json!({ "name": name, "rule": rule, "origin": origin(*o) }),
            })
        })
        .collect();
    json!({
        "entity": entity.path_segment(),
        "version": m.override_version,
        "overrides": m.overrides.as_ref().map(RuleSet::to_json).unwrap_or_else(|| json!([])),
        "fields": fields,
        "custom_fields": custom_fields,
        "mapper": m.mapper.as_ref().map(|p| json!({ "digest": p.digest })),
    })
}

pub(super) async fn view_all(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let live = live(&app, &id).await?;
    let data: Vec<Value> = Entity::ALL
        .iter()
        .filter_map(|&e| live.mappings.get(e).ok().map(|m| entity_view(e, m)))
        .collect();
    Ok(Json(json!({ "data": data, "next_cursor": null })))
}

pub(super) async fn view_one(State(app): State<AppState>, _auth: AdminAuth, Path((id, segment)): Path<(String, String)>) -> Result<Json<Value>, ApiError> {
    let live = live(&app, &id).await?;
    let (entity, mapping) = served(&live, &segment)?;
    Ok(Json(entity_view(entity, mapping)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "FieldMappingRules")]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesBody {
    /// The override rules: `[{"target": "status", ...}, ...]`.
    pub rules: Value,
}

pub(crate) fn rules_body(body: serde_json::Map<String, Value>) -> Result<Value, ApiError> {
    let body: RulesBody = serde_json::from_value(Value::Object(body))
        .map_err(|e| ApiError::validation_failed(Some("rules"), format!("the body must be {{\"rules\": [...]}}: {e}")))?;
    Ok(body.rules)
}

/// Compiles a proposed override set; refuses it as a save would: 422 naming each rule and problem.
pub(crate) fn compile_overrides(entity: Entity, rules: &Value) -> Result<RuleSet, ApiError> {
    millwright_mapping::compile(entity, rules).map_err(|errors| rule_errors(entity, &errors))
}

fn rule_errors(entity: Entity, errors: &[RuleError]) -> ApiError {
    let first = &errors[0];
    let list: Vec<Value> = errors
        .iter()
        .map(|e| json!({ "rule": e.index, "target": e.target, "code": e.code, "message": e.message }))
        .collect();
    ApiError::validation_failed(Some(&format!("rules[{}]", first.index)), format!("invalid {} mapping: {first}", entity.name()))
        .with("errors", list)
}

/// `PUT …/field-mappings/{entity}`: the connection's whole override set for the entity.
pub(super) async fn replace(
    State(app): State<AppState>,
    auth: AdminAuth,
    Path((id, segment)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let live = live(&app, &id).await?;
    let (entity, _) = served(&live, &segment)?;
    let rules = compile_overrides(entity, &rules_body(body)?)?;
    // Pointers missing from real records are warnings; the save does not depend on the system
    // answering.
    let warnings = match super::preview::samples(&app, &live, entity).await {
        Ok(samples) => json!(super::preview::override_warnings(&live, entity, &rules, &samples)),
        Err(e) => json!([{ "code": "samples_unavailable", "message": format!("no sample records to check the rules against: {}", e.detail) }]),
    };
    let change = NewMappingVersion { connection_id: &id, entity: entity.name(), action: "replace", restored_from: None, rules_json: &rules.to_json().to_string(), actor: &auth.actor };
    save(&app, &auth, change, warnings).await
}

/// `DELETE …/field-mappings/{entity}`: back to the connector's defaults (a new, empty version).
pub(super) async fn reset(State(app): State<AppState>, auth: AdminAuth, Path((id, segment)): Path<(String, String)>) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let live = live(&app, &id).await?;
    let (entity, _) = served(&live, &segment)?;
    let change = NewMappingVersion { connection_id: &id, entity: entity.name(), action: "reset", restored_from: None, rules_json: "[]", actor: &auth.actor };
    save(&app, &auth, change, json!([])).await
}

/// `POST …/versions/{version}/restore`: a new version with that version's override set.
pub(super) async fn restore(
    State(app): State<AppState>,
    auth: AdminAuth,
    Path((id, segment, version)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let live = live(&app, &id).await?;
    let (entity, _) = served(&live, &segment)?;
    let number: i64 = version.parse().map_err(|_| ApiError::invalid_request("the version must be a positive integer"))?;
    let old = app
        .store
        .field_mapping_version(&id, entity.name(), Some(number))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no version {number} of the {} mapping", entity.path_segment())))?;
    compile_overrides(entity, &serde_json::from_str(&old.rules_json).map_err(anyhow::Error::from)?)?;
    let change = NewMappingVersion { connection_id: &id, entity: entity.name(), action: "restore", restored_from: Some(number), rules_json: &old.rules_json, actor: &auth.actor };
    save(&app, &auth, change, json!([])).await
}

async fn save(app: &AppState, auth: &AdminAuth, change: NewMappingVersion<'_>, warnings: Value) -> Result<Json<Value>, ApiError> {
    let row = app.store.save_field_mapping(&change).await?;
    app.store
        .audit(&auth.actor, &format!("field_mapping.{}", change.action), Some(change.connection_id), &json!({"entity": change.entity, "version": row.version}))
        .await?;
    let live = live(app, change.connection_id).await?;
    let entity = Entity::from_name(change.entity).expect("a served entity");
    let mut view = entity_view(entity, live.mappings.get(entity)?);
    view["warnings"] = warnings;
    Ok(Json(view))
}

fn version_view(row: &MappingVersionRow) -> Value {
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    json!({
        "version": row.version,
        "action": row.action,
        "restored_from": row.restored_from,
        "rules": parse(&row.rules_json),
        "previous_rules": parse(&row.previous_json),
        "actor": row.actor,
        "created_at": row.created_at,
    })
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "FieldMappingHistoryQuery")]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryQuery {
    page_size: Option<String>,
    cursor: Option<String>,
}

/// `GET …/versions`: newest first.
pub(super) async fn history(
    State(app): State<AppState>,
    _auth: AdminAuth,
    Path((id, segment)): Path<(String, String)>,
    StrictQuery(q): StrictQuery<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    existing_connection(&app, &id).await?;
    let entity = super::entity_from_path(&segment)?;
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let before = paging
        .after()?
        .map(|c| c.parse::<i64>().map_err(|_| ApiError::invalid_request("the cursor is invalid").with("field", "cursor")))
        .transpose()?;
    let rows = app.store.field_mapping_history(&id, entity.name(), before, limit).await?;
    let last = rows.last().map(|r| r.version.to_string());
    Ok(Json(json!({
        "data": rows.iter().map(version_view).collect::<Vec<_>>(),
        "next_cursor": next_cursor(last.as_deref(), rows.len(), limit),
    })))
}
