//! `/v1/admin/webhook-endpoints`: create (the secret shown once), list, get, update, delete,
//! rotate the secret (the old one keeps signing for an overlap), send a test event.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use super::events::{EVENT_TYPES, test_event};
use super::signing::generate_secret;
use super::target;
use crate::admin::auth::AdminAuth;
use crate::admin::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::api::query::StrictQuery;
use crate::app::AppState;
use crate::store::{EndpointChange, NewWebhookEndpoint, RotatedSecret, WebhookEndpointRow, new_id};


/// An endpoint as the operator sees it: never its secret.
pub fn view(e: &WebhookEndpointRow) -> Value {
    json!({
        "id": e.id,
        "url": e.url,
        "environment": e.environment,
        "description": e.description,
        "event_types": e.event_types(),
        "end_customer_id": e.end_customer_id,
        "connection_id": e.connection_id,
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "failing_since": e.failing_since,
        "previous_secret_expires_at": e.previous_expires_at,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    })
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "WebhookEndpointCreate")]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateBody {
    url: String,
    #[serde(default = "test_env")]
    environment: String,
    #[serde(default)]
    description: Option<String>,
    /// `null` or absent: every event type.
    #[serde(default)]
    event_types: Option<Vec<String>>,
    #[serde(default)]
    end_customer_id: Option<String>,
    #[serde(default)]
    connection_id: Option<String>,
}

fn test_env() -> String {
    "test".into()
}

fn parse<T: serde::de::DeserializeOwned>(body: serde_json::Map<String, Value>) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))
}

fn check_event_types(types: &Option<Vec<String>>) -> Result<Option<String>, ApiError> {
    let Some(types) = types else { return Ok(None) };
    if let Some(unknown) = types.iter().find(|t| !EVENT_TYPES.contains(&t.as_str())) {
        return Err(ApiError::validation_failed(Some("event_types"), format!("unknown event type `{unknown}`; known: {}", EVENT_TYPES.join(", "))));
    }
    if types.is_empty() {
        return Err(ApiError::validation_failed(Some("event_types"), "give at least one event type, or null for all"));
    }
    Ok(Some(serde_json::to_string(types).expect("strings serialise")))
}

async fn existing(app: &AppState, id: &str) -> Result<WebhookEndpointRow, ApiError> {
    app.store.webhook_endpoint(id).await?.ok_or_else(|| ApiError::not_found(format!("no webhook endpoint {id}")))
}

pub(super) async fn create(State(app): State<AppState>, auth: AdminAuth, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let body: CreateBody = parse(body)?;
    if body.environment != "test" && body.environment != "live" {
        return Err(ApiError::validation_failed(Some("environment"), "environment must be `test` or `live`"));
    }
    let url = target::check(&body.url, &body.environment, app.webhooks.config.allow_private)?;
    let event_types_json = check_event_types(&body.event_types)?;
    let id = new_id("whep");
    let (secret_text, key) = generate_secret();
    let sealed = app.webhooks.seal_secret(&id, &key, false)?;
    let endpoint = NewWebhookEndpoint {
        id: id.clone(),
        url,
        environment: body.environment,
        description: body.description,
        event_types_json,
        end_customer_id: body.end_customer_id,
        connection_id: body.connection_id,
        secret: sealed.ciphertext,
        secret_key: sealed.wrapped_key,
    };
    app.store.insert_webhook_endpoint(&endpoint, &app.webhooks.config.clock.now_text()).await?;
    app.store.audit(&auth.actor, "webhook_endpoint.create", Some(&id), &json!({"url": endpoint.url, "environment": endpoint.environment})).await?;
    let row = existing(&app, &id).await?;
    // The only time the secret is shown.
    Ok((StatusCode::CREATED, Json(json!({ "endpoint": view(&row), "secret": secret_text }))))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "WebhookEndpointListQuery")]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    page_size: Option<String>,
    cursor: Option<String>,
}

pub(super) async fn list(State(app): State<AppState>, _auth: AdminAuth, StrictQuery(q): StrictQuery<ListQuery>) -> Result<Json<Value>, ApiError> {
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let rows = app.store.webhook_endpoints(false, paging.after()?.as_deref(), limit).await?;
    let next = next_cursor(rows.last().map(|r| r.id.as_str()), rows.len(), limit);
    Ok(Json(json!({ "data": rows.iter().map(view).collect::<Vec<_>>(), "next_cursor": next })))
}

pub(super) async fn fetch(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(view(&existing(&app, &id).await?)))
}

/// Changes what is given; `null` clears an optional field. `enabled: true` re-enables an
/// endpoint the dispatcher disabled.
pub(super) async fn update(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    const FIELDS: &[&str] = &["url", "description", "event_types", "end_customer_id", "connection_id", "enabled"];
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::validation_failed(Some(unknown), format!("unknown field `{unknown}`; accepted: {}", FIELDS.join(", "))));
    }
    let row = existing(&app, &id).await?;
    let text = |name: &str| -> Result<Option<Option<String>>, ApiError> {
        match body.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(ApiError::validation_failed(Some(name), format!("`{name}` must be a string or null"))),
        }
    };
    let url = match text("url")? {
        None => None,
        Some(None) => return Err(ApiError::validation_failed(Some("url"), "`url` cannot be null")),
        Some(Some(u)) => Some(target::check(&u, &row.environment, app.webhooks.config.allow_private)?),
    };
    let event_types_json = match body.get("event_types") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => {
            let types: Vec<String> = serde_json::from_value(v.clone())
                .map_err(|_| ApiError::validation_failed(Some("event_types"), "`event_types` must be a list of event types or null"))?;
            Some(check_event_types(&Some(types))?)
        }
    };
    let enabled = match body.get("enabled") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(ApiError::validation_failed(Some("enabled"), "`enabled` must be true or false")),
    };
    let change = EndpointChange {
        url,
        description: text("description")?,
        event_types_json,
        end_customer_id: text("end_customer_id")?,
        connection_id: text("connection_id")?,
        enabled,
    };
    app.store.update_webhook_endpoint(&id, &change, &app.webhooks.config.clock.now_text()).await?;
    let fields: Vec<&String> = body.keys().collect();
    app.store.audit(&auth.actor, "webhook_endpoint.update", Some(&id), &json!({ "fields": fields })).await?;
    app.webhooks.wake();
    Ok(Json(view(&existing(&app, &id).await?)))
}

pub(super) async fn remove(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    if !app.store.delete_webhook_endpoint(&id).await? {
        return Err(ApiError::not_found(format!("no webhook endpoint {id}")));
    }
    app.store.audit(&auth.actor, "webhook_endpoint.delete", Some(&id), &json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{"overlap_seconds": n}` (0 to 7 days; default the host's overlap, 24 h): a new secret, shown
/// once; the old one keeps signing beside it until the overlap ends.
pub(super) async fn rotate(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    if let Some(unknown) = body.keys().find(|k| *k != "overlap_seconds") {
        return Err(ApiError::validation_failed(Some(unknown), format!("unknown field `{unknown}`; accepted: overlap_seconds")));
    }
    let overlap = match body.get("overlap_seconds") {
        None | Some(Value::Null) => app.webhooks.config.secret_overlap,
        Some(v) => std::time::Duration::from_secs(v.as_u64().filter(|s| *s <= 7 * 86_400).ok_or_else(|| {
            ApiError::validation_failed(Some("overlap_seconds"), "`overlap_seconds` must be an integer from 0 to 604800")
        })?),
    };
    let row = existing(&app, &id).await?;
    let old_key = app.webhooks.current_key(&row)?;
    let (secret_text, key) = generate_secret();
    let current = app.webhooks.seal_secret(&id, &key, false)?;
    let previous = app.webhooks.seal_secret(&id, &old_key, true)?;
    let clock = &app.webhooks.config.clock;
    let rotated = RotatedSecret {
        secret: current.ciphertext,
        secret_key: current.wrapped_key,
        previous_secret: previous.ciphertext,
        previous_secret_key: previous.wrapped_key,
        previous_expires_at: clock.after(overlap),
    };
    app.store.rotate_webhook_secret(&id, &rotated, &clock.now_text()).await?;
    app.store.audit(&auth.actor, "webhook_endpoint.rotate_secret", Some(&id), &json!({ "overlap_seconds": overlap.as_secs() })).await?;
    let row = existing(&app, &id).await?;
    Ok(Json(json!({ "endpoint": view(&row), "secret": secret_text, "previous_secret_expires_at": rotated.previous_expires_at })))
}

/// Sends a `webhook.test` event to this endpoint only.
pub(super) async fn test(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let row = existing(&app, &id).await?;
    let event = test_event(&row.id, &row.environment, &app.webhooks.config.clock.now_text());
    app.store.insert_test_event(&row.id, &event).await?;
    app.webhooks.wake();
    Ok((StatusCode::ACCEPTED, Json(json!({ "event_id": event.id, "endpoint_id": row.id, "type": event.event_type }))))
}
