//! Connection tokens for the operator: list, create (optionally expiring), rotate with a grace
//! period, revoke. Revocation is effective on the next request on every replica (the token row is
//! read on every request).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::AdminAuth;
use crate::api::error::ApiError;
use crate::api::json_body::MaybeJsonObject;
use crate::app::AppState;

/// Longest lifetime a token may be created with: ten years.
const MAX_SECONDS: u64 = 10 * 365 * 24 * 3600;

fn at_seconds_from_now(seconds: u64, field: &str) -> Result<String, ApiError> {
    if seconds > MAX_SECONDS {
        return Err(ApiError::validation_failed(Some(field), format!("`{field}` must be at most {MAX_SECONDS} seconds")));
    }
    Ok((chrono::Utc::now() + chrono::Duration::seconds(seconds as i64)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

fn parse<T: serde::de::DeserializeOwned>(body: serde_json::Map<String, Value>) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))
}

pub async fn list(State(app): State<AppState>, _auth: AdminAuth, Path(connection_id): Path<String>) -> Result<Json<Value>, ApiError> {
    app.store.connection(&connection_id).await?.ok_or_else(|| ApiError::not_found(format!("no connection {connection_id}")))?;
    let tokens = app.store.tokens_of(&connection_id).await?;
    Ok(Json(json!({ "data": tokens, "next_cursor": null })))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "TokenCreate")]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateBody {
    #[serde(default)]
    expires_in: Option<u64>,
}

pub async fn create(
    State(app): State<AppState>,
    auth: AdminAuth,
    Path(connection_id): Path<String>,
    MaybeJsonObject(body): MaybeJsonObject,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let body: CreateBody = match body {
        Some(b) => parse(b)?,
        None => CreateBody::default(),
    };
    let conn = app.store.connection(&connection_id).await?.ok_or_else(|| ApiError::not_found(format!("no connection {connection_id}")))?;
    if conn.status == "disconnected" {
        return Err(ApiError::new(StatusCode::CONFLICT, "connection_disabled", "the connection is disconnected"));
    }
    let expires_at = body.expires_in.map(|s| at_seconds_from_now(s, "expires_in")).transpose()?;
    let token = app.connections.mint_token(&connection_id, &conn.environment, expires_at.clone()).await?;
    app.store.audit(&auth.actor, "token.create", Some(&connection_id), &json!({"prefix": token.prefix})).await?;
    Ok((StatusCode::CREATED, Json(json!({ "token": token.plaintext, "prefix": token.prefix, "expires_at": expires_at }))))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "TokenRotate")]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateBody {
    /// How long the old token stays valid; none by default.
    #[serde(default)]
    grace_period_seconds: u64,
}

pub async fn rotate(State(app): State<AppState>, auth: AdminAuth, Path(token_id): Path<String>, MaybeJsonObject(body): MaybeJsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let body: RotateBody = match body {
        Some(b) => parse(b)?,
        None => RotateBody::default(),
    };
    let old = app.store.token(&token_id).await?.ok_or_else(|| ApiError::not_found(format!("no token {token_id}")))?;
    if old.revoked_at.is_some() {
        return Err(ApiError::validation_failed(None, "a revoked token cannot be rotated"));
    }
    let token = app.connections.mint_token(&old.connection_id, &old.environment, old.expires_at.clone()).await?;
    if body.grace_period_seconds == 0 {
        app.store.revoke_token(&token_id).await?;
    } else {
        app.store.expire_token_at(&token_id, &at_seconds_from_now(body.grace_period_seconds, "grace_period_seconds")?).await?;
    }
    app.store.audit(&auth.actor, "token.rotate", Some(&token_id), &json!({"grace_period_seconds": body.grace_period_seconds})).await?;
    Ok((StatusCode::CREATED, Json(json!({ "token": token.plaintext, "prefix": token.prefix, "connection_id": old.connection_id }))))
}

pub async fn revoke(State(app): State<AppState>, auth: AdminAuth, Path(token_id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    app.store.token(&token_id).await?.ok_or_else(|| ApiError::not_found(format!("no token {token_id}")))?;
    app.store.revoke_token(&token_id).await?;
    app.store.audit(&auth.actor, "token.revoke", Some(&token_id), &json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
