//! `/v1/admin/trusted-keys`: the partners' ed25519 public keys whose signatures this host
//! accepts on modules (see `registry::trust`). Keys are public: listing them shows them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::AdminAuth;
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::app::AppState;
use crate::registry::trust::{check_key_id, parse_public_key};

pub async fn list(State(app): State<AppState>, _auth: AdminAuth) -> Result<Json<Value>, ApiError> {
    let keys = app.store.trusted_keys().await?;
    Ok(Json(json!({ "data": keys, "require_signed": app.registry.config().require_signed, "next_cursor": null })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "TrustedKeyAdd")]
#[serde(deny_unknown_fields)]
pub(crate) struct AddBody {
    key_id: String,
    /// base64 of the 32-byte public key (`millwright connectors keygen` prints it).
    public_key: String,
}

pub async fn add(State(app): State<AppState>, auth: AdminAuth, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let body: AddBody = serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))?;
    check_key_id(&body.key_id).map_err(|e| ApiError::validation_failed(Some("key_id"), e))?;
    parse_public_key(&body.public_key).map_err(|e| ApiError::validation_failed(Some("public_key"), e))?;
    if !app.store.insert_trusted_key(&body.key_id, body.public_key.trim(), &auth.actor).await? {
        return Err(ApiError::validation_failed(Some("key_id"), format!("a trusted key `{}` already exists; delete it first to replace it", body.key_id)));
    }
    app.store.audit(&auth.actor, "trusted_key.add", Some(&body.key_id), &json!({})).await?;
    let row = app.store.trusted_key(&body.key_id).await?.ok_or_else(|| ApiError::internal("trusted key vanished"))?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(row).map_err(anyhow::Error::from)?)))
}

/// Removes a key: modules it signed stay installed, new uploads signed with it are refused.
pub async fn remove(State(app): State<AppState>, auth: AdminAuth, Path(key_id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    if !app.store.delete_trusted_key(&key_id).await? {
        return Err(ApiError::not_found(format!("no trusted key `{key_id}`")));
    }
    app.store.audit(&auth.actor, "trusted_key.remove", Some(&key_id), &json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
