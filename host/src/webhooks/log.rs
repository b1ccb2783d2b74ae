//! The delivery log and redelivery: an endpoint's deliveries and every attempt (time, response
//! status, latency, the first KB of the response body), a manual retry of one event, a replay of
//! every event of a time range (same event ids), and the outbox's events.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Webhooks;
use crate::admin::auth::AdminAuth;
use crate::admin::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::api::query::StrictQuery;
use crate::app::AppState;
use crate::store::{EventRow, WebhookEndpointRow};

/// Events a replay may cover at once.
const MAX_REPLAY: usize = 10_000;


async fn endpoint(app: &AppState, id: &str) -> Result<WebhookEndpointRow, ApiError> {
    app.store.webhook_endpoint(id).await?.ok_or_else(|| ApiError::not_found(format!("no webhook endpoint {id}")))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "WebhookLogQuery")]
#[serde(deny_unknown_fields)]
pub(crate) struct LogQuery {
    status: Option<String>,
    event_id: Option<String>,
    page_size: Option<String>,
    cursor: Option<String>,
}

/// Deliveries, newest first; `status=pending|delivered|failed`.
pub(super) async fn deliveries(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>, StrictQuery(q): StrictQuery<LogQuery>) -> Result<Json<Value>, ApiError> {
    endpoint(&app, &id).await?;
    if let Some(s) = &q.status
        && !["pending", "delivered", "failed"].contains(&s.as_str())
    {
        return Err(ApiError::invalid_request("`status` must be pending, delivered or failed").with("field", "status"));
    }
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let rows = app.store.webhook_deliveries(&id, q.status.as_deref(), paging.after()?.as_deref(), limit).await?;
    let next = next_cursor(rows.last().map(|r| r.id.as_str()), rows.len(), limit);
    Ok(Json(json!({ "data": rows, "next_cursor": next })))
}

/// Every attempt, newest first; `event_id=` for one event's.
pub(super) async fn attempts(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>, StrictQuery(q): StrictQuery<LogQuery>) -> Result<Json<Value>, ApiError> {
    endpoint(&app, &id).await?;
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let rows = app.store.webhook_attempts(&id, q.event_id.as_deref(), paging.after()?.as_deref(), limit).await?;
    let next = next_cursor(rows.last().map(|r| r.id.as_str()), rows.len(), limit);
    Ok(Json(json!({ "data": rows, "next_cursor": next })))
}

/// Delivers one event to this endpoint again now (a fresh retry window, the same event id).
pub(super) async fn retry(State(app): State<AppState>, auth: AdminAuth, Path((id, event_id)): Path<(String, String)>) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let row = endpoint(&app, &id).await?;
    let event = app.store.event(&event_id).await?.ok_or_else(|| ApiError::not_found(format!("no event {event_id}")))?;
    if !Webhooks::receives(&row, &event) && event.event_type != super::events::WEBHOOK_TEST {
        return Err(ApiError::validation_failed(Some("event_id"), format!("endpoint {id} does not receive {} events of this kind", event.event_type)));
    }
    app.store.redeliver(std::slice::from_ref(&event.id), &id, &app.webhooks.config.clock.now_text()).await?;
    app.store.audit(&auth.actor, "webhook_endpoint.retry", Some(&id), &json!({ "event_id": event.id })).await?;
    app.webhooks.wake();
    Ok((StatusCode::ACCEPTED, Json(json!({ "endpoint_id": id, "event_id": event.id }))))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "WebhookReplay")]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplayBody {
    since: String,
    until: String,
}

/// `{"since", "until"}` (RFC 3339, `until` exclusive): every event of the range this endpoint
/// receives is delivered again, with its own id.
pub(super) async fn replay(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let body: ReplayBody = serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))?;
    let time = |name: &str, text: &str| {
        crate::clock::parse(text)
            .map(crate::clock::text)
            .ok_or_else(|| ApiError::validation_failed(Some(name), format!("`{name}` must be an RFC 3339 time, e.g. 2026-01-31T08:00:00Z")))
    };
    let (since, until) = (time("since", &body.since)?, time("until", &body.until)?);
    if since >= until {
        return Err(ApiError::validation_failed(Some("until"), "`until` must be after `since`"));
    }
    let row = endpoint(&app, &id).await?;
    let mut matched: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page: Vec<EventRow> = app.store.events_between(&since, &until, after.as_deref(), 500).await?;
        let full = page.len() == 500;
        after = page.last().map(|e| e.id.clone());
        matched.extend(page.iter().filter(|e| Webhooks::receives(&row, e)).map(|e| e.id.clone()));
        if matched.len() > MAX_REPLAY {
            return Err(ApiError::validation_failed(Some("until"), format!("more than {MAX_REPLAY} events in this range; replay a shorter one")));
        }
        if !full {
            break;
        }
    }
    app.store.redeliver(&matched, &id, &app.webhooks.config.clock.now_text()).await?;
    app.store.audit(&auth.actor, "webhook_endpoint.replay", Some(&id), &json!({ "since": since, "until": until, "events": matched.len() })).await?;
    app.webhooks.wake();
    Ok((StatusCode::ACCEPTED, Json(json!({ "endpoint_id": id, "events": matched.len() }))))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "WebhookEventsQuery")]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsQuery {
    #[serde(rename = "type")]
    event_type: Option<String>,
    page_size: Option<String>,
    cursor: Option<String>,
}

/// The outbox, newest first; `type=` filters.
pub(super) async fn events(State(app): State<AppState>, _auth: AdminAuth, StrictQuery(q): StrictQuery<EventsQuery>) -> Result<Json<Value>, ApiError> {
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let rows = app.store.list_events(q.event_type.as_deref(), paging.after()?.as_deref(), limit).await?;
    let next = next_cursor(rows.last().map(|r| r.id.as_str()), rows.len(), limit);
    let data: Vec<Value> = rows
        .iter()
        .map(|e| {
            let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            json!({ "id": e.id, "type": e.event_type, "created_at": e.created_at, "connection_id": e.connection_id,
                    "end_customer_id": e.end_customer_id, "environment": e.environment, "payload": payload })
        })
        .collect();
    Ok(Json(json!({ "data": data, "next_cursor": next })))
}
