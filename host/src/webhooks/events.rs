//! The events and their payloads: `{"type", "timestamp", "data": {...}}`, one id per event
//! (`evt_…`, sent as `webhook-id` on every attempt, retries and replays included).
//!
//! Builders only: the caller writes the event to the outbox in the same transaction as the
//! change it reports (`store::outbox::insert_event`).

use serde_json::{Value, json};

use crate::store::{NewEvent, new_id};

pub const CONNECTION_CREATED: &str = "connection.created";
pub const CONNECTION_STATUS_CHANGED: &str = "connection.status_changed";
pub const CONNECTION_REAUTH_REQUIRED: &str = "connection.reauth_required";
pub const CONNECTION_DELETED: &str = "connection.deleted";
pub const SYNC_COMPLETED: &str = "sync.completed";
pub const SYNC_FAILED: &str = "sync.failed";
pub const SYSTEM_ERROR: &str = "system.error";
pub const WEBHOOK_TEST: &str = "webhook.test";

/// Every event type an endpoint may subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    CONNECTION_CREATED,
    CONNECTION_STATUS_CHANGED,
    CONNECTION_REAUTH_REQUIRED,
    CONNECTION_DELETED,
    SYNC_COMPLETED,
    SYNC_FAILED,
    SYSTEM_ERROR,
    WEBHOOK_TEST,
];

/// The connection an event is about.
pub struct ConnectionRef<'a> {
    pub id: &'a str,
    pub end_customer_id: Option<&'a str>,
    pub connector_id: &'a str,
    pub environment: &'a str,
}

/// An event about a connection, for endpoints of the connection's environment. `details` are
/// merged into `data` after the connection's ids.
pub fn connection_event(event_type: &str, c: &ConnectionRef<'_>, details: Value, at: &str) -> NewEvent {
    let mut data = json!({
        "connection_id": c.id,
        "end_customer_id": c.end_customer_id,
        "connector_id": c.connector_id,
        "environment": c.environment,
    });
    if let (Value::Object(data), Value::Object(details)) = (&mut data, details) {
        data.extend(details);
    }
    NewEvent {
        id: new_id("evt"),
        event_type: event_type.to_string(),
        environment: Some(c.environment.to_string()),
        connection_id: Some(c.id.to_string()),
        end_customer_id: c.end_customer_id.map(str::to_string),
        payload: payload(event_type, at, data),
        created_at: at.to_string(),
    }
}

/// A status transition: `connection.reauth_required` when it enters `reauth_required`,
/// `connection.status_changed` otherwise; one event either way.
pub fn status_change(c: &ConnectionRef<'_>, old: &str, new: &str, reason: Option<&str>, error: Option<&str>, at: &str) -> NewEvent {
    let event_type = if new == "reauth_required" { CONNECTION_REAUTH_REQUIRED } else { CONNECTION_STATUS_CHANGED };
    let details = json!({ "old_status": old, "new_status": new, "reason": reason, "error": error });
    connection_event(event_type, c, details, at)
}

/// A host-level event for endpoints of every environment.
pub fn system_error(code: &str, message: &str, details: Value, at: &str) -> NewEvent {
    let mut data = json!({ "code": code, "message": message });
    if let (Value::Object(data), Value::Object(details)) = (&mut data, details) {
        data.extend(details);
    }
    NewEvent {
        id: new_id("evt"),
        event_type: SYSTEM_ERROR.into(),
        environment: None,
        connection_id: None,
        end_customer_id: None,
        payload: payload(SYSTEM_ERROR, at, data),
        created_at: at.to_string(),
    }
}

/// `webhook.test`, for one endpoint.
pub fn test_event(endpoint_id: &str, environment: &str, at: &str) -> NewEvent {
    let data = json!({ "endpoint_id": endpoint_id, "message": "This is a test event from Millwright." });
    NewEvent {
        id: new_id("evt"),
        event_type: WEBHOOK_TEST.into(),
        environment: Some(environment.to_string()),
        connection_id: None,
        end_customer_id: None,
        payload: payload(WEBHOOK_TEST, at, data),
        created_at: at.to_string(),
    }
}

fn payload(event_type: &str, at: &str, data: Value) -> String {
    // Second precision, as the spec's examples and most receivers expect.
    let timestamp = chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|_| at.to_string());
    json!({ "type": event_type, "timestamp": timestamp, "data": data }).to_string()
}
