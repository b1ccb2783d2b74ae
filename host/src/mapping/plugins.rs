//! Mapping plugins: installing one (validated as a `mapper` component, stored by digest so
//! every replica can load it), keeping the loaded ones, and running one over a page.
//!
//! Routes: `PUT /v1/admin/connections/{id}/field-mappings/{entity}/mapper` with the component
//! bytes (`Content-Type: application/wasm`) attaches or replaces the plugin; `DELETE` detaches
//! it. Both bump `config_version`, so the next request uses the change; in-flight requests
//! finish with the plugin they started with (they hold its `Arc`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use millwright_model::Entity;
use serde_json::{Map, Value, json};

use crate::admin::auth::AdminAuth;
use crate::api::error::ApiError;
use crate::app::AppState;
use crate::runtime::mapper::{LoadedMapper, MapInput};
use crate::runtime::Runtime;
use crate::store::Store;

/// The loaded mapping plugins, by digest.
pub struct Mappers {
    runtime: Arc<Runtime>,
    store: Store,
    loaded: RwLock<HashMap<String, Arc<LoadedMapper>>>,
}

impl Mappers {
    pub fn new(runtime: Arc<Runtime>, store: Store) -> Mappers {
        Mappers { runtime, store, loaded: RwLock::new(HashMap::new()) }
    }

    /// Loads every attached plugin (start-up: compiled or taken from the compile cache here, so
    /// requests never compile).
    pub async fn preload(&self) -> anyhow::Result<()> {
        for digest in self.store.attached_mapper_digests().await? {
            self.get(&digest).await.map_err(|e| anyhow::anyhow!("loading mapping plugin {digest}: {}", e.detail))?;
        }
        Ok(())
    }

    /// Validates and stores a plugin; `422 validation_failed` when it is not a `mapper` component.
    pub async fn install(&self, bytes: Vec<u8>) -> Result<Arc<LoadedMapper>, ApiError> {
        let loaded = self
            .runtime
            .load_mapper(bytes.clone())
            .await
            .map_err(|e| ApiError::validation_failed(None, format!("not a usable mapping plugin: {e:#}")))?;
        self.store.insert_mapper_module(&loaded.digest, &bytes).await?;
        let loaded = Arc::new(loaded);
        self.loaded.write().unwrap().insert(loaded.digest.clone(), loaded.clone());
        Ok(loaded)
    }

    /// A loaded plugin; one attached on another replica is loaded from the database once.
    pub async fn get(&self, digest: &str) -> Result<Arc<LoadedMapper>, ApiError> {
        if let Some(m) = self.loaded.read().unwrap().get(digest) {
            return Ok(m.clone());
        }
        let bytes = self.store.mapper_module_bytes(digest).await?.ok_or_else(|| ApiError::internal(format!("mapping plugin {digest} is missing")))?;
        let loaded = Arc::new(self.runtime.load_mapper(bytes).await?);
        self.loaded.write().unwrap().insert(digest.to_string(), loaded.clone());
        Ok(loaded)
    }
}

/// Runs the plugin after the rules. Per record, the plugin's answer replaces the rules' output
/// ([`normalise`] keeps the host's fields and the model's shape); a plugin error on one record
/// keeps the rules' output and adds a `mapping_warnings` entry. A trap, deadline or memory-limit
/// hit fails the request (`connector_failed`, as for connectors).
pub async fn run_plugin(runtime: &Runtime, mapper: &LoadedMapper, entity: Entity, records: &mut [Value], sources: Vec<String>) -> Result<(), ApiError> {
    let inputs = records.iter().zip(sources).map(|(unified, source)| MapInput { unified: unified.to_string(), source }).collect();
    let answers = runtime
        .map_page(mapper, entity.into(), inputs)
        .await
        .map_err(|e| ApiError::from_call(e, "").with("plugin", mapper.digest.as_str()))?;
    for (record, answer) in records.iter_mut().zip(answers) {
        let Value::Object(rules_output) = record else { continue };
        match answer.map_err(|e| format!("the mapping plugin refused the record: {e}")).and_then(|text| parse_object(&text)) {
            Ok(returned) => *rules_output = normalise(entity, rules_output, returned),
            Err(reason) => push_warning(rules_output, "mapper", reason),
        }
    }
    Ok(())
}

fn parse_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err("the mapping plugin did not return a JSON object".into()),
    }
}

/// The plugin's output in the model's shape: every documented field in model order (the rules'
/// value where the plugin dropped one), `custom_fields` an object, the host's own fields (`id`,
/// `deleted`, `remote_data`) kept from the rules' output, unknown keys dropped with a warning.
fn normalise(entity: Entity, rules_output: &Map<String, Value>, mut returned: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for spec in entity.fields() {
        let name = spec.name;
        let value = match name {
            "id" | "deleted" | "remote_data" | "mapping_warnings" => rules_output.get(name).cloned(),
            "custom_fields" => match returned.remove(name) {
                Some(Value::Object(m)) => Some(Value::Object(m)),
                _ => rules_output.get(name).cloned(),
            },
            _ => returned.remove(name).or_else(|| rules_output.get(name).cloned()),
        };
        if let Some(v) = value {
            out.insert(name.to_string(), v);
        }
    }
    returned.remove("mapping_warnings");
    for key in returned.keys().cloned().collect::<Vec<_>>() {
        push_warning(&mut out, &key, "the mapping plugin returned a field the unified model does not have; it was dropped".into());
    }
    out
}

fn push_warning(record: &mut Map<String, Value>, field: &str, reason: String) {
    let warnings = record.entry("mapping_warnings").or_insert_with(|| Value::Array(vec![]));
    if let Value::Array(list) = warnings {
        list.push(json!({ "field": field, "reason": reason }));
    }
}

/// `PUT …/field-mappings/{entity}/mapper`: attach (or replace) the plugin of an entity.
pub async fn attach(
    State(app): State<AppState>,
    auth: AdminAuth,
    Path((id, segment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let entity = super::entity_from_path(&segment)?;
    super::routes::existing_connection(&app, &id).await?;
    let is_wasm = headers.get(axum::http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == b"application/wasm");
    if !is_wasm {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "upload the component's bytes with `Content-Type: application/wasm`"));
    }
    let loaded = app.mappers.install(body.to_vec()).await?;
    let replaced = app.store.set_connection_mapper(&id, entity.name(), Some(&loaded.digest), &auth.actor).await?;
    app.store
        .audit(&auth.actor, "field_mapping.attach_mapper", Some(&id), &json!({"entity": entity.name(), "digest": loaded.digest, "replaced": replaced}))
        .await?;
    Ok(Json(json!({ "entity": entity.name(), "mapper": { "digest": loaded.digest }, "replaced": replaced })))
}

/// `DELETE …/field-mappings/{entity}/mapper`.
pub async fn detach(State(app): State<AppState>, auth: AdminAuth, Path((id, segment)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    let entity = super::entity_from_path(&segment)?;
    super::routes::existing_connection(&app, &id).await?;
    if !app.store.set_connection_mapper(&id, entity.name(), None, &auth.actor).await? {
        return Err(ApiError::not_found(format!("no mapping plugin is attached to {} of connection {id}", entity.path_segment())));
    }
    app.store.audit(&auth.actor, "field_mapping.detach_mapper", Some(&id), &json!({"entity": entity.name()})).await?;
    Ok(StatusCode::NO_CONTENT)
}
