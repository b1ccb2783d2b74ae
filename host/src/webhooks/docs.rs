//! The webhook routes in the OpenAPI document, and its `webhooks` section: every event an
//! endpoint can receive, with the envelope, the per-type `data`, and the Standard Webhooks headers.

use aide::axum::routing::{get_with, post_with};
use aide::transform::TransformOperation;
use serde_json::{Map, Value, json};

use super::events::{
    CONNECTION_CREATED, CONNECTION_DELETED, CONNECTION_REAUTH_REQUIRED, CONNECTION_STATUS_CHANGED, EVENT_TYPES, SYNC_COMPLETED, SYNC_FAILED, SYSTEM_ERROR,
    WEBHOOK_TEST,
};
use super::{admin, log};
use crate::openapi::ApiRouter;
use crate::openapi::ops::{self, no_content, ok, OperationDocs, object, page_of, types::*};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .api_route(
            "/v1/admin/webhook-endpoints",
            get_with(admin::list, |op| ok(doc(op, "listWebhookEndpoints", "List webhook endpoints"), page_of(endpoint())))
                .post_with(admin::create, |op| {
                    let op = doc(op, "createWebhookEndpoint", "Add an endpoint; its signing secret is shown once").body::<admin::CreateBody>();
                    ops::json_response(op, 201, "The endpoint and its secret", object(json!({ "endpoint": endpoint(), "secret": secret() })))
                }),
        )
        .api_route(
            "/v1/admin/webhook-endpoints/{id}",
            get_with(admin::fetch, |op| ok(doc(op, "getWebhookEndpoint", "Get an endpoint"), endpoint()))
                .patch_with(admin::update, |op| ok(doc(op, "updateWebhookEndpoint", "Change an endpoint (url, description, event types, enabled)").body::<UpdateBody>(), endpoint()))
                .delete_with(admin::remove, |op| doc(op, "deleteWebhookEndpoint", "Delete an endpoint").with(|op| no_content(op, "Deleted"))),
        )
        .api_route(
            "/v1/admin/webhook-endpoints/{id}/rotate-secret",
            post_with(admin::rotate, |op| {
                let schema = object(json!({ "endpoint": endpoint(), "secret": secret(), "previous_secret_expires_at": nullable_timestamp() }));
                ok(doc(op, "rotateWebhookSecret", "A new signing secret; the old one keeps signing for `overlap_seconds`").body::<RotateBody>(), schema)
            }),
        )
        .api_route(
            "/v1/admin/webhook-endpoints/{id}/test",
            post_with(admin::test, |op| {
                ops::json_response(doc(op, "testWebhookEndpoint", "Send a `webhook.test` event to the endpoint"), 202, "Queued", object(json!({ "event_id": string(), "endpoint_id": string(), "type": string() })))
            }),
        )
        .api_route(
            "/v1/admin/webhook-endpoints/{id}/deliveries",
            get_with(log::deliveries, |op| ok(doc(op, "listWebhookDeliveries", "Deliveries to the endpoint, newest first"), page_of(delivery()))),
        )
        .api_route(
            "/v1/admin/webhook-endpoints/{id}/attempts",
            get_with(log::attempts, |op| ok(doc(op, "listWebhookAttempts", "Every attempt (status, latency, the receiver's answer), newest first"), page_of(attempt()))),
        )
        .api_route(
            "/v1/admin/webhook-endpoints/{id}/deliveries/{event_id}/retry",
            post_with(log::retry, |op| {
                ops::json_response(doc(op, "retryWebhookDelivery", "Deliver one event again now"), 202, "Queued", object(json!({ "endpoint_id": string(), "event_id": string() })))
            }),
        )
        .api_route(
            "/v1/admin/webhook-endpoints/{id}/replay",
            post_with(log::replay, |op| {
                let op = doc(op, "replayWebhookEvents", "Deliver again every event of a time range the endpoint receives").body::<log::ReplayBody>();
                ops::json_response(op, 202, "Queued", object(json!({ "endpoint_id": string(), "events": integer() })))
            }),
        )
        .api_route(
            "/v1/admin/webhook-events",
            get_with(log::events, |op| {
                let item = object(json!({
                    "id": string(), "type": one_of(EVENT_TYPES), "created_at": timestamp(), "connection_id": nullable_string(),
                    "end_customer_id": nullable_string(), "environment": nullable_string(), "payload": { "$ref": "#/components/schemas/WebhookEvent" }
                }));
                ok(doc(op, "listWebhookEvents", "The event outbox, newest first"), page_of(item))
            }),
        )
}

fn doc<'t>(op: TransformOperation<'t>, id: &str, summary: &str) -> TransformOperation<'t> {
    op.id(id).tag("webhooks").summary(summary)
}


fn secret() -> Value {
    json!({ "type": "string", "description": "`whsec_…` (Standard Webhooks), shown only here." })
}

/// `admin::view`.
fn endpoint() -> Value {
    object(json!({
        "id": string(), "url": string(), "environment": string(), "description": nullable_string(),
        "event_types": { "type": ["array", "null"], "items": one_of(EVENT_TYPES) }, "end_customer_id": nullable_string(),
        "connection_id": nullable_string(), "enabled": boolean(), "disabled_reason": nullable_string(), "failing_since": nullable_timestamp(),
        "previous_secret_expires_at": nullable_timestamp(), "created_at": timestamp(), "updated_at": timestamp()
    }))
}

fn delivery() -> Value {
    let mut schema = ops::schema_of::<crate::store::DeliveryRow>();
    schema["properties"]["status"] = one_of(&["pending", "delivered", "failed"]);
    schema
}

fn attempt() -> Value {
    ops::schema_of::<crate::store::AttemptRow>()
}

/// `PATCH /v1/admin/webhook-endpoints/{id}` (checked field by field by the handler).
#[derive(schemars::JsonSchema)]
#[schemars(rename = "WebhookEndpointUpdate")]
#[allow(dead_code)] // documentation only
struct UpdateBody {
    url: Option<String>,
    description: Option<String>,
    /// `null`: every event type.
    event_types: Option<Vec<String>>,
    enabled: Option<bool>,
}

#[derive(schemars::JsonSchema)]
#[schemars(rename = "WebhookSecretRotate")]
#[allow(dead_code)] // documentation only
struct RotateBody {
    /// How long the previous secret keeps signing alongside the new one (default 24 h).
    overlap_seconds: Option<u64>,
}

/// The document's `webhooks` section (one entry per event type) and the envelope's schema.
pub fn section(components: &mut Value) -> Value {
    components["schemas"]["WebhookEvent"] = json!({
        "type": "object", "required": ["type", "timestamp", "data"],
        "properties": { "type": one_of(EVENT_TYPES), "timestamp": { "type": "string", "format": "date-time" }, "data": any_object() }
    });
    let mut section = Map::new();
    for event_type in EVENT_TYPES {
        let body = json!({
            "type": "object", "required": ["type", "timestamp", "data"],
            "properties": { "type": { "const": event_type }, "timestamp": { "type": "string", "format": "date-time" }, "data": data_schema(event_type) }
        });
        let header = |name: &str, description: &str| json!({ "in": "header", "name": name, "required": true, "description": description, "schema": string() });
        section.insert(
            (*event_type).to_string(),
            json!({ "post": {
                "operationId": format!("webhook_{}", event_type.replace('.', "_")),
                "summary": format!("`{event_type}`"),
                "tags": ["webhooks"],
                "description": description(event_type),
                "parameters": [
                    header("webhook-id", "The event's id (`evt_…`): the same on every attempt and retry; deduplicate on it."),
                    header("webhook-timestamp", "Unix seconds of this attempt."),
                    header("webhook-signature", "`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the endpoint's secret (Standard Webhooks); during a rotation, one signature per secret, space-separated.")
                ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": body } } },
                "responses": {
                    "2XX": { "description": "Received. Anything else (or no answer within the timeout) is retried with backoff; the endpoint is disabled after failing for the configured window." }
                }
            } }),
        );
    }
    Value::Object(section)
}

fn description(event_type: &str) -> &'static str {
    match event_type {
        CONNECTION_CREATED => "A connection was created (API, CLI or connect flow).",
        CONNECTION_STATUS_CHANGED => "A connection's health status changed (active, degraded, disabled).",
        CONNECTION_REAUTH_REQUIRED => "A connection's credentials stopped working: send the end customer a relink session.",
        CONNECTION_DELETED => "A connection was disconnected.",
        SYNC_COMPLETED => "A sync finished.",
        SYNC_FAILED => "A sync failed.",
        SYSTEM_ERROR => "A host-level problem an operator should know about.",
        WEBHOOK_TEST => "Sent by `POST /v1/admin/webhook-endpoints/{id}/test`.",
        _ => "",
    }
}

fn data_schema(event_type: &str) -> Value {
    let connection = || json!({ "connection_id": string(), "end_customer_id": nullable_string(), "connector_id": string(), "environment": string() });
    let with = |extra: Value| {
        let mut props = connection();
        props.as_object_mut().expect("an object").extend(extra.as_object().expect("an object").clone());
        object(props)
    };
    match event_type {
        CONNECTION_STATUS_CHANGED | CONNECTION_REAUTH_REQUIRED => {
            with(json!({ "old_status": string(), "new_status": string(), "reason": nullable_string(), "error": nullable_string() }))
        }
        CONNECTION_CREATED | CONNECTION_DELETED => with(json!({ "status": string() })),
        SYSTEM_ERROR => json!({ "type": "object", "required": ["code", "message"], "properties": { "code": string(), "message": string() } }),
        WEBHOOK_TEST => object(json!({ "endpoint_id": string(), "message": string() })),
        _ => object(connection()),
    }
}
