//! Health in the APIs: `GET /v1/admin/connections/{id}/health` (and `PATCH` for the
//! connection's own check interval), `.../health-history`, `POST .../disable` and `.../enable`
//! (the operator's `disabled` status), and the health part of `GET /v1/connection`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use aide::axum::routing::{get_with, post_with};
use aide::transform::TransformOperation;
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use super::monitor::{keep, operator_reason, transition};
use crate::admin::auth::AdminAuth;
use crate::admin::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::api::query::StrictQuery;
use crate::app::AppState;
use crate::openapi::ApiRouter;
use crate::openapi::ops::{self, OperationDocs, object, types::*};
use crate::store::{ConnectionRow, HealthRow};

/// An operation answering with the connection's health.
fn health_of<'t>(op: TransformOperation<'t>, id: &str, summary: &str) -> TransformOperation<'t> {
    ops::json_response(op.id(id).tag("health").summary(summary), 200, "The connection's health", object(json!({ "connection_id": string(), "health": view_schema() })))
}

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .api_route(
            "/v1/admin/connections/{id}/health",
            get_with(health, |op| health_of(op, "getConnectionHealth", "A connection's health"))
                .patch_with(set_interval, |op| health_of(op.body::<IntervalBody>(), "setConnectionCheckInterval", "Set a connection's check interval")),
        )
        .api_route(
            "/v1/admin/connections/{id}/health-history",
            get_with(history, |op| {
                let item = ops::schema_of::<crate::store::HealthHistoryRow>();
                ops::json_response(op.id("listConnectionHealthHistory").tag("health").summary("Checks and status changes, newest first"), 200, "A page of history", ops::page_of(item))
            }),
        )
        .api_route(
            "/v1/admin/connections/{id}/disable",
            post_with(disable, |op| health_of(op.codes(&["connection_disabled"]), "disableConnection", "Disable a connection (its tokens answer 409 until enabled)")),
        )
        .api_route(
            "/v1/admin/connections/{id}/enable",
            post_with(enable, |op| health_of(op.codes(&["connection_disabled"]), "enableConnection", "Enable a disabled connection")),
        )
}

/// The schema of [`view`].
pub fn view_schema() -> Value {
    object(json!({
        "status": string(),
        "reauth_required": boolean(),
        "reason": nullable_string(),
        "last_error": nullable_string(),
        "consecutive_failures": integer(),
        "failing_since": nullable_timestamp(),
        "last_checked_at": nullable_timestamp(),
        "last_check_ok": { "type": ["boolean", "null"] },
        "next_check_at": nullable_timestamp(),
        "check_interval_seconds": nullable_integer(),
        "last_healthy_at": nullable_timestamp(),
        "status_changed_at": nullable_timestamp(),
        "last_synced_at": nullable_timestamp(),
    }))
}

/// `PATCH …/health`.
#[derive(schemars::JsonSchema)]
#[schemars(rename = "HealthCheckInterval")]
#[allow(dead_code)] // documentation only: the handler checks the field itself
struct IntervalBody {
    /// Seconds between checks, 10 to 86400; `null` for the host's default.
    check_interval_seconds: Option<u32>,
}

/// The health fields of a connection, for operators and for the connection's own clients.
pub fn view(status: &str, h: Option<&HealthRow>) -> Value {
    let h = h.cloned().unwrap_or_default();
    json!({
        "status": status,
        "reauth_required": status == "reauth_required",
        "reason": h.reason,
        "last_error": h.last_error,
        "consecutive_failures": h.consecutive_failures,
        "failing_since": h.failing_since,
        "last_checked_at": h.last_checked_at,
        "last_check_ok": h.last_check_ok,
        "next_check_at": (status != "reauth_required" && status != "disabled" && !h.next_check_at.is_empty()).then_some(h.next_check_at),
        "check_interval_seconds": h.check_interval_seconds,
        "last_healthy_at": h.last_healthy_at,
        "status_changed_at": h.status_changed_at,
        "last_synced_at": h.last_synced_at,
    })
}

async fn existing(app: &AppState, id: &str) -> Result<ConnectionRow, ApiError> {
    app.store.connection(id).await?.ok_or_else(|| ApiError::not_found(format!("no connection {id}")))
}

async fn health(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let row = existing(&app, &id).await?;
    let health = app.store.connection_health(&id).await?;
    Ok(Json(json!({ "connection_id": id, "health": view(&row.status, health.as_ref()) })))
}

/// `{"check_interval_seconds": 60}` (10 s to 1 day) or `null` for the host's default.
async fn set_interval(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    if let Some(unknown) = body.keys().find(|k| *k != "check_interval_seconds") {
        return Err(ApiError::validation_failed(Some(unknown), format!("unknown field `{unknown}`; accepted: check_interval_seconds")));
    }
    let seconds = match body.get("check_interval_seconds") {
        None => return Err(ApiError::validation_failed(Some("check_interval_seconds"), "`check_interval_seconds` is required (a number of seconds, or null)")),
        Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().filter(|s| (10..=86_400).contains(s)).ok_or_else(|| {
            ApiError::validation_failed(Some("check_interval_seconds"), "`check_interval_seconds` must be an integer from 10 to 86400, or null")
        })?),
    };
    let row = existing(&app, &id).await?;
    let next = app.health.next_check_at(seconds.map(|s| std::time::Duration::from_secs(s as u64)));
    app.store.set_check_interval(&id, seconds, &next).await?;
    app.store.audit(&auth.actor, "connection.health_settings", Some(&id), &json!({"check_interval_seconds": seconds})).await?;
    let health = app.store.connection_health(&id).await?;
    Ok(Json(json!({ "connection_id": id, "health": view(&row.status, health.as_ref()) })))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "HealthHistoryQuery")]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    page_size: Option<String>,
    cursor: Option<String>,
}

/// Checks and status changes, newest first.
async fn history(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>, StrictQuery(q): StrictQuery<HistoryQuery>) -> Result<Json<Value>, ApiError> {
    existing(&app, &id).await?;
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let rows = app.store.health_history(&id, paging.after()?.as_deref(), limit).await?;
    let next = next_cursor(rows.last().map(|r| r.id.as_str()), rows.len(), limit);
    Ok(Json(json!({ "data": rows, "next_cursor": next })))
}

async fn disable(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    set_operator_status(&app, &auth, &id, true).await
}

/// Back to what the connection was before it was disabled when that was `reauth_required` (its
/// credentials are still known bad), else `active` (the monitor's next check judges it).
async fn enable(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    set_operator_status(&app, &auth, &id, false).await
}

async fn set_operator_status(app: &AppState, auth: &AdminAuth, id: &str, disable: bool) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let row = existing(app, id).await?;
    if row.status == "disconnected" {
        return Err(ApiError::new(StatusCode::CONFLICT, "connection_disabled", "a disconnected connection cannot be changed"));
    }
    let health = app.store.connection_health(id).await?.unwrap_or_default();
    let to = match (disable, row.status.as_str()) {
        (true, _) => "disabled",
        (false, "disabled") if health.status_before_disable.as_deref() == Some("reauth_required") => "reauth_required",
        (false, "disabled") => "active",
        (false, other) => other,
    };
    if to != row.status {
        let at = app.health.config.clock.now_text();
        let mut update = transition(&row, to, Some(operator_reason(to).as_str().into()), None, &at, &keep(&health));
        update.remember_before_disable = disable;
        if !app.store.apply_health(&update).await? {
            return Err(ApiError::invalid_request("the connection's status changed meanwhile; try again"));
        }
        let action = if disable { "connection.disable" } else { "connection.enable" };
        app.store.audit(&auth.actor, action, Some(id), &json!({"old_status": row.status, "new_status": to})).await?;
    }
    let row = existing(app, id).await?;
    let health = app.store.connection_health(id).await?;
    Ok(Json(json!({ "connection_id": id, "health": view(&row.status, health.as_ref()) })))
}
