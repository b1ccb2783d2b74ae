//! Validation of `POST /v1/admin/link-sessions`: every field checked, every failure a 422
//! `validation_failed` naming the field.

use crate::runtime::outbound::egress::PrivateTarget;
use serde_json::{Map, Value};

use crate::api::error::ApiError;
use crate::app::AppState;
use crate::store::ConnectionRow;

/// Longest a session may live: 7 days.
pub const MAX_EXPIRES_IN: u64 = 7 * 24 * 3600;
/// Unless told otherwise: a day, long enough for a link sent by email.
pub const DEFAULT_EXPIRES_IN: u64 = 24 * 3600;

const FIELDS: &[&str] = &[
    "end_customer_id",
    "redirect_uri",
    "environment",
    "allowed_connectors",
    "expires_in",
    "connection_id",
    "rotate_tokens",
    "state",
    "allow_private",
    "approve_hosts",
];

pub struct SessionRequest {
    pub end_customer_id: String,
    pub redirect_uri: url::Url,
    pub environment: String,
    pub allowed_connectors: Option<Vec<String>>,
    pub expires_in: u64,
    pub connection_id: Option<String>,
    pub rotate_tokens: bool,
    /// Passed back untouched on the redirect (the operator's own CSRF/correlation value).
    pub state: Option<String>,
    /// Private networks (CIDR) the new connection may reach: on-prem systems, the sandbox.
    pub allow_private: Vec<PrivateTarget>,
    pub approve_hosts: Vec<String>,
}

fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::validation_failed(Some(field), detail)
}

/// A present, non-null member.
fn member<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    body.get(field).filter(|v| !v.is_null())
}

fn text(body: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, ApiError> {
    match member(body, field) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(invalid(field, format!("`{field}` must not be empty"))),
        Some(Value::String(s)) if s.chars().count() > max => Err(invalid(field, format!("`{field}` must be at most {max} characters"))),
        Some(Value::String(s)) if s.chars().any(char::is_control) => Err(invalid(field, format!("`{field}` must not contain control characters"))),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(field, format!("`{field}` must be a string"))),
    }
}

fn required(body: &Map<String, Value>, field: &str, max: usize) -> Result<String, ApiError> {
    text(body, field, max)?.ok_or_else(|| invalid(field, format!("`{field}` is required")))
}

fn strings(body: &Map<String, Value>, field: &str) -> Result<Option<Vec<String>>, ApiError> {
    match member(body, field) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().filter(|s| !s.trim().is_empty()).map(str::to_string).ok_or_else(|| invalid(field, format!("`{field}` must be a list of non-empty strings"))))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid(field, format!("`{field}` must be a list of strings"))),
    }
}

/// Absolute http(s), a host, no user info or fragment; https for live sessions except on
/// localhost (a developer's machine).
pub fn redirect_uri(text: &str, environment: &str) -> Result<url::Url, ApiError> {
    const F: &str = "redirect_uri";
    let url = url::Url::parse(text).map_err(|e| invalid(F, format!("`redirect_uri` must be an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(F, "`redirect_uri` must be an http(s) URL with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(F, "`redirect_uri` must not carry user info"));
    }
    if url.fragment().is_some() {
        return Err(invalid(F, "`redirect_uri` must not have a fragment (`#…`)"));
    }
    if url.query_pairs().any(|(k, _)| k == "code" || k == "state") {
        return Err(invalid(F, "`redirect_uri` must not already carry a `code` or `state` query parameter: the flow adds them"));
    }
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if environment == "live" && url.scheme() != "https" && !local {
        return Err(invalid(F, "`redirect_uri` must use https for live sessions (http is accepted for localhost only)"));
    }
    Ok(url)
}

/// Parses and checks the body on its own (shape, types, ranges).
pub fn parse(body: &Map<String, Value>) -> Result<SessionRequest, ApiError> {
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(invalid(unknown, format!("unknown field `{unknown}`; accepted: {}", FIELDS.join(", "))));
    }
    let end_customer_id = required(body, "end_customer_id", 255)?;
    let environment = required(body, "environment", 16)?;
    if environment != "test" && environment != "live" {
        return Err(invalid("environment", "`environment` must be `test` or `live`"));
    }
    let redirect_uri = redirect_uri(&required(body, "redirect_uri", 2000)?, &environment)?;
    let allowed_connectors = strings(body, "allowed_connectors")?;
    if allowed_connectors.as_ref().is_some_and(Vec::is_empty) {
        return Err(invalid("allowed_connectors", "`allowed_connectors` must name at least one connector (omit it to allow every installed one)"));
    }
    let expires_in = match member(body, "expires_in") {
        None => DEFAULT_EXPIRES_IN,
        Some(v) => match v.as_u64() {
            Some(s) if (1..=MAX_EXPIRES_IN).contains(&s) => s,
            _ => return Err(invalid("expires_in", format!("`expires_in` must be a whole number of seconds from 1 to {MAX_EXPIRES_IN} (7 days)"))),
        },
    };
    let connection_id = text(body, "connection_id", 255)?;
    let rotate_tokens = match member(body, "rotate_tokens") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("rotate_tokens", "`rotate_tokens` must be true or false")),
    };
    if rotate_tokens && connection_id.is_none() {
        return Err(invalid("rotate_tokens", "`rotate_tokens` applies to a reconnect (with `connection_id`); a new connection always gets a new token"));
    }
    let state = match member(body, "state") {
        None => None,
        Some(Value::String(s)) if s.len() <= 1024 => Some(s.clone()),
        Some(_) => return Err(invalid("state", "`state` must be a string of at most 1024 bytes")),
    };
    let allow_private = strings(body, "allow_private")?
        .unwrap_or_default()
        .iter()
        .map(|n| n.parse::<PrivateTarget>().map_err(|m| invalid("allow_private", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let approve_hosts = strings(body, "approve_hosts")?.unwrap_or_default();
    if connection_id.is_some() {
        for field in ["allow_private", "approve_hosts"] {
            if member(body, field).is_some() {
                return Err(invalid(field, format!("`{field}` cannot be set on a reconnect: the connection keeps its network policy")));
            }
        }
    }
    Ok(SessionRequest { end_customer_id, redirect_uri, environment, allowed_connectors, expires_in, connection_id, rotate_tokens, state, allow_private, approve_hosts })
}

/// Checks against what is installed and stored: connectors exist; a reconnected connection
/// exists, is not disconnected, and belongs to this end customer and environment. Returns the
/// reconnected connection.
pub async fn check(app: &AppState, req: &SessionRequest) -> Result<Option<ConnectionRow>, ApiError> {
    if let Some(ids) = &req.allowed_connectors {
        let installed: Vec<String> = app.store.active_modules().await?.into_iter().map(|(id, _)| id).collect();
        if let Some(missing) = ids.iter().find(|id| !installed.contains(id)) {
            return Err(invalid("allowed_connectors", format!("no connector `{missing}` is installed; installed: {}", installed.join(", "))));
        }
    }
    let Some(id) = &req.connection_id else { return Ok(None) };
    const F: &str = "connection_id";
    let row = app.store.connection(id).await?.ok_or_else(|| invalid(F, format!("no connection {id}")))?;
    if row.status == "disconnected" {
        return Err(invalid(F, format!("connection {id} is disconnected; create a new connection instead")));
    }
    if row.end_customer_id.as_deref() != Some(req.end_customer_id.as_str()) {
        return Err(invalid("end_customer_id", format!("connection {id} does not belong to end customer `{}`", req.end_customer_id)));
    }
    if row.environment != req.environment {
        return Err(invalid("environment", format!("connection {id} is a `{}` connection", row.environment)));
    }
    if let Some(ids) = &req.allowed_connectors
        && !ids.contains(&row.connector_id)
    {
        return Err(invalid("allowed_connectors", format!("connection {id} uses `{}`, which `allowed_connectors` leaves out", row.connector_id)));
    }
    Ok(Some(row))
}
