//! `/v1/admin/connectors`: the module registry for the operator. Upload (raw `application/wasm`,
//! optional `x-millwright-signature`), list, inspect a version, activate (approving declared
//! hosts), roll back, deactivate, delete unused versions, per-connector limits, connection pins,
//! and the runtime's compile counters. Every change is audited.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::AdminAuth;
use super::module_upload::WasmUpload;
use crate::api::error::ApiError;
use crate::api::json_body::{JsonObject, MaybeJsonObject};
use crate::app::AppState;
use crate::registry::limits::{self, LimitOverrides};
use crate::registry::view;

fn parse<T: serde::de::DeserializeOwned + Default>(body: Option<serde_json::Map<String, Value>>) -> Result<T, ApiError> {
    match body {
        Some(b) => serde_json::from_value(Value::Object(b)).map_err(|e| ApiError::validation_failed(None, e.to_string())),
        None => Ok(T::default()),
    }
}

/// Every installed connector with its versions, the active one marked.
pub async fn list(State(app): State<AppState>, _auth: AdminAuth) -> Result<Json<Value>, ApiError> {
    let active: BTreeMap<String, String> = app.store.active_modules().await?.into_iter().collect();
    let mut connectors: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for row in app.store.modules().await? {
        let v = view::version(&row, active.get(&row.connector_id).map(String::as_str));
        connectors.entry(row.connector_id.clone()).or_default().push(v);
    }
    let mut data = vec![];
    for (id, versions) in connectors {
        data.push(connector_view(&app, &id, active.get(&id).map(String::as_str), versions).await?);
    }
    Ok(Json(json!({ "data": data, "next_cursor": null })))
}

/// One connector: its active version's description and every installed version.
pub async fn get(State(app): State<AppState>, _auth: AdminAuth, Path(connector_id): Path<String>) -> Result<Json<Value>, ApiError> {
    let active = app.store.active_digest(&connector_id).await?;
    let versions: Vec<Value> =
        app.store.modules().await?.iter().filter(|r| r.connector_id == connector_id).map(|r| view::version(r, active.as_deref())).collect();
    if versions.is_empty() {
        return Err(ApiError::not_found(format!("no connector `{connector_id}` is installed")));
    }
    Ok(Json(connector_view(&app, &connector_id, active.as_deref(), versions).await?))
}

async fn connector_view(app: &AppState, id: &str, active: Option<&str>, versions: Vec<Value>) -> Result<Value, ApiError> {
    let described = match active {
        Some(digest) => Some(view::info(&*app.registry.module(digest).await?)),
        None => None,
    };
    Ok(json!({
        "id": id,
        "name": described.as_ref().map(|d| d["name"].clone()),
        "active_version": described.as_ref().map(|d| d["version"].clone()),
        "active_digest": active,
        "default_base_url": described.as_ref().map(|d| d["default_base_url"].clone()),
        "form": described.as_ref().map(|d| d["form"].clone()),
        "entities": described.as_ref().map(|d| d["entities"].as_array().map(|a| a.iter().map(|e| e["entity"].clone()).collect::<Vec<_>>())),
        "extra_hosts": described.as_ref().map(|d| d["extra_hosts"].clone()),
        "versions": versions,
    }))
}

/// Installs an uploaded module: 201 when new, 200 when these bytes were already installed.
pub async fn upload(State(app): State<AppState>, auth: AdminAuth, upload: WasmUpload) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let installed = app.registry.install(upload.bytes, upload.signature.as_deref()).await?;
    let row = &installed.row;
    if installed.created {
        let details = json!({"connector_id": row.connector_id, "version": row.version, "signed_by": row.signed_by});
        app.store.audit(&auth.actor, "connector.install", Some(&row.digest), &details).await?;
    }
    let active = app.store.active_digest(&row.connector_id).await?;
    let status = if installed.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view::version(row, active.as_deref()))))
}

/// A version in full: what it declares (entities, operations, auth, hosts, default rules) and
/// the limits it runs under.
pub async fn inspect(State(app): State<AppState>, _auth: AdminAuth, Path((connector_id, version)): Path<(String, String)>) -> Result<Json<Value>, ApiError> {
    let row = app.registry.version(&connector_id, &version).await?;
    let module = app.registry.module(&row.digest).await?;
    let active = app.store.active_digest(&connector_id).await?;
    let mut body = view::version(&row, active.as_deref());
    body["describe"] = view::info(&module);
    body["limits"] = limits::view(&module.module.limits);
    Ok(Json(body))
}

/// The schema of [`inspect`]'s answer.
pub fn inspect_schema() -> Value {
    let mut schema = super::docs::module_version();
    schema["properties"]["describe"] = super::docs::module_info();
    schema["properties"]["limits"] = json!({ "type": "object" });
    schema["required"].as_array_mut().expect("required list").extend([json!("describe"), json!("limits")]);
    schema
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "ConnectorVersionActivate")]
#[serde(deny_unknown_fields)]
pub(crate) struct ActivateBody {
    approve_hosts: Option<Vec<String>>,
}

pub async fn activate(
    State(app): State<AppState>,
    auth: AdminAuth,
    Path((connector_id, version)): Path<(String, String)>,
    MaybeJsonObject(body): MaybeJsonObject,
) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let body: ActivateBody = parse(body)?;
    let row = app.registry.activate(&connector_id, &version, body.approve_hosts, &auth.actor).await?;
    let details = json!({"connector_id": connector_id, "version": row.version, "approved_hosts": view::version(&row, None)["approved_hosts"]});
    app.store.audit(&auth.actor, "connector.activate", Some(&row.digest), &details).await?;
    Ok(Json(view::version(&row, Some(&row.digest))))
}

pub async fn rollback(State(app): State<AppState>, auth: AdminAuth, Path(connector_id): Path<String>) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let row = app.registry.rollback(&connector_id, &auth.actor).await?;
    app.store.audit(&auth.actor, "connector.rollback", Some(&row.digest), &json!({"connector_id": connector_id, "version": row.version})).await?;
    Ok(Json(view::version(&row, Some(&row.digest))))
}

pub async fn deactivate(State(app): State<AppState>, auth: AdminAuth, Path(connector_id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    app.registry.deactivate(&connector_id, &auth.actor).await?;
    app.store.audit(&auth.actor, "connector.deactivate", Some(&connector_id), &json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_version(State(app): State<AppState>, auth: AdminAuth, Path((connector_id, version)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    let row = app.registry.delete_version(&connector_id, &version).await?;
    app.store.audit(&auth.actor, "connector.delete_version", Some(&row.digest), &json!({"connector_id": connector_id, "version": version})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The limits a connector's calls run under, and the operator's overrides.
pub async fn get_limits(State(app): State<AppState>, _auth: AdminAuth, Path(connector_id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(limits_view(&app, &connector_id).await?))
}

/// Replaces the overrides (`{}` restores the defaults).
pub async fn put_limits(State(app): State<AppState>, auth: AdminAuth, Path(connector_id): Path<String>, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let overrides: LimitOverrides = parse(Some(body.clone()))?;
    app.registry.set_limits(&connector_id, overrides).await?;
    app.store.audit(&auth.actor, "connector.limits", Some(&connector_id), &Value::Object(body)).await?;
    Ok(Json(limits_view(&app, &connector_id).await?))
}

async fn limits_view(app: &AppState, connector_id: &str) -> Result<Value, ApiError> {
    let overrides = LimitOverrides::stored(&app.store, connector_id).await?;
    Ok(json!({
        "connector_id": connector_id,
        "overrides": overrides,
        "effective": limits::view(&overrides.apply(app.runtime.limits())),
        "defaults": limits::view(app.runtime.limits()),
    }))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "ConnectionPin")]
#[serde(deny_unknown_fields)]
pub(crate) struct PinBody {
    version: String,
}

/// Pins a connection to one version of its connector.
pub async fn pin(State(app): State<AppState>, auth: AdminAuth, Path(connection_id): Path<String>, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let body: PinBody = parse(Some(body))?;
    let row = app.registry.pin(&connection_id, Some(&body.version)).await?.expect("a pin names a version");
    app.store.audit(&auth.actor, "connection.pin", Some(&connection_id), &json!({"version": row.version, "digest": row.digest})).await?;
    Ok(Json(json!({"connection_id": connection_id, "pinned": {"connector_id": row.connector_id, "version": row.version, "digest": row.digest}})))
}

/// Unpins: the connection follows its connector's active version again.
pub async fn unpin(State(app): State<AppState>, auth: AdminAuth, Path(connection_id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    app.registry.pin(&connection_id, None).await?;
    app.store.audit(&auth.actor, "connection.unpin", Some(&connection_id), &json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What this process has loaded, and how many modules it compiled versus took from the cache.
pub async fn runtime(State(app): State<AppState>, _auth: AdminAuth) -> Json<Value> {
    let (compiled, cache_hits) = app.runtime.compile_counts();
    Json(json!({
        "compile_cache": {"compiled": compiled, "cache_hits": cache_hits},
        "loaded_modules": app.registry.loaded_digests(),
    }))
}
