//! Sample records from the system, and what the operator does with them: discover the source
//! fields (`GET …/{entity}/source-fields`), check proposed rules against them (warnings on save)
//! and preview a rule set before and after (`POST …/{entity}/preview`, nothing saved).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use millwright_mapping::{Mapping, RuleOrigin, RuleSet, RuleWarning};
use millwright_model::Entity;
use serde_json::{Value, json};

use super::routes::{compile_overrides, live, rules_body, served};
use crate::admin::auth::AdminAuth;
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::app::AppState;
use crate::connections::LiveConnection;
use crate::runtime::bindings::{ListQuery, SourceRecord};

/// How many recent records the mapping tools look at.
pub const SAMPLE_SIZE: u32 = 25;

/// A page of the system's records: the most recently changed ones where the connector can sort
/// by `updated_at`, the system's first page otherwise.
pub(crate) async fn samples(app: &AppState, live: &LiveConnection, entity: Entity) -> Result<Vec<SourceRecord>, ApiError> {
    let usable = crate::api::auth::usable(live)?;
    let query = ListQuery { modified_after: None, cursor: None, page_size: SAMPLE_SIZE.min(usable.module.info().max_page_size.max(1)), filters: vec![] };
    let page = app
        .runtime
        .list(&usable.module.module, &usable.binding, entity.into(), query)
        .await
        .map_err(|e| ApiError::from_call(e, &live.id))?;
    Ok(page.records)
}

fn parsed(records: &[SourceRecord]) -> Vec<Value> {
    records.iter().filter_map(|r| serde_json::from_str::<Value>(&r.data).ok().filter(Value::is_object)).collect()
}

/// Warnings for the connection's own rules (pointers absent from every sample).
pub(crate) fn override_warnings(live: &LiveConnection, entity: Entity, overrides: &RuleSet, samples: &[SourceRecord]) -> Vec<RuleWarning> {
    let proposed = proposed_mapping(live, entity, overrides);
    proposed.sample_warnings(&parsed(samples)).into_iter().filter(|w| w.origin == RuleOrigin::Override).collect()
}

fn proposed_mapping(live: &LiveConnection, entity: Entity, overrides: &RuleSet) -> Mapping {
    let (defaults, _) = &live.module.defaults[&entity];
    Mapping::new(entity, defaults, (!overrides.is_empty()).then_some(overrides))
}

/// `GET …/{entity}/source-fields`: every pointer present in the sample, with types and examples.
pub async fn source_fields(State(app): State<AppState>, _auth: AdminAuth, Path((id, segment)): Path<(String, String)>) -> Result<Json<Value>, ApiError> {
    let live = live(&app, &id).await?;
    let (entity, _) = served(&live, &segment)?;
    let records = samples(&app, &live, entity).await?;
    let values = parsed(&records);
    Ok(Json(json!({
        "entity": entity.path_segment(),
        "sampled_records": values.len(),
        "data": super::discover::source_fields(&values),
    })))
}

/// `POST …/{entity}/preview` with `{"rules": [...]}`: validated exactly as a save (422 on the
/// same errors), applied to the sample; before (what runs now) and after, nothing saved.
pub async fn preview(
    State(app): State<AppState>,
    _auth: AdminAuth,
    Path((id, segment)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> Result<Json<Value>, ApiError> {
    let live = live(&app, &id).await?;
    let (entity, current) = served(&live, &segment)?;
    let overrides = compile_overrides(entity, &rules_body(body)?)?;
    let records = samples(&app, &live, entity).await?;
    let warnings = override_warnings(&live, entity, &overrides, &records);
    let proposed = Arc::new(proposed_mapping(&live, entity, &overrides));
    let mapper = current.mapper.as_deref();
    let before = super::unify_page(&app.runtime, entity, &current.mapping, mapper, records.clone(), false).await?;
    let after = super::unify_page(&app.runtime, entity, &proposed, mapper, records, false).await?;
    let data: Vec<Value> = before
        .into_iter()
        .zip(after)
        .map(|(before, after)| json!({ "id": before["id"], "before": before, "after": after }))
        .collect();
    Ok(Json(json!({ "entity": entity.path_segment(), "warnings": warnings, "data": data })))
}
