//! `POST /v1/passthrough`: a raw call to the system through the connector, with the host's auth
//! injection and egress policy. The system's own status comes back inside a 200.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::ConnectionAuth;
use super::error::ApiError;
use super::json_body::JsonObject;
use crate::app::AppState;
use crate::runtime::bindings::HttpRequest;

/// A request to send to the system, relative to the connection's base URL.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PassthroughRequest")]
#[serde(deny_unknown_fields)]
struct PassthroughBody {
    /// GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.
    method: String,
    /// Relative to the connection's base URL; may not leave it.
    path: String,
    #[serde(default)]
    query: BTreeMap<String, String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    body_base64: Option<String>,
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

pub async fn passthrough(State(app): State<AppState>, auth: ConnectionAuth, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    let live = auth.usable()?;
    if !live.module.info().supports_passthrough {
        return Err(ApiError::unsupported_operation("this connector does not support passthrough requests"));
    }
    let req: PassthroughBody = serde_json::from_value(Value::Object(body))
        .map_err(|e| ApiError::validation_failed(None, format!("invalid passthrough request: {e}")))?;
    let method = req.method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(ApiError::validation_failed(Some("method"), format!("method must be one of {}", METHODS.join(", "))));
    }
    check_path(&req.path)?;
    let body = match (req.body, req.body_base64) {
        (Some(_), Some(_)) => return Err(ApiError::validation_failed(Some("body"), "give `body` or `body_base64`, not both")),
        (Some(Value::Null), None) | (None, None) => None,
        (Some(json), None) => Some(json.to_string().into_bytes()),
        (None, Some(b64)) => Some(B64.decode(b64).map_err(|_| ApiError::validation_failed(Some("body_base64"), "not valid base64"))?),
    };
    let request = HttpRequest {
        method,
        path: req.path,
        query: req.query.into_iter().collect(),
        headers: req.headers.into_iter().collect(),
        body,
    };
    let response = app.runtime.passthrough(&live.module.module, &live.binding, request).await;
    // Passive health: every upstream outcome counts, recorded off the request path.
    let response = app.health.observed(&live.id, response)?;
    let headers: BTreeMap<String, String> = response.headers.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), live.binding.scrub(&v))).collect();
    let mut answer = json!({ "status": response.status, "headers": headers });
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(json) => answer["body"] = json,
        Err(_) if response.body.is_empty() => answer["body"] = Value::Null,
        Err(_) => match String::from_utf8(response.body) {
            Ok(text) => answer["body"] = Value::String(text),
            Err(bytes) => {
                answer["body"] = Value::Null;
                answer["body_base64"] = Value::String(B64.encode(bytes.into_bytes()));
            }
        },
    }
    Ok(Json(answer))
}

/// The path is relative to the connection's base URL and may not leave it.
fn check_path(path: &str) -> Result<(), ApiError> {
    let bad = |why: &str| Err(ApiError::validation_failed(Some("path"), why.to_string()));
    if !path.starts_with('/') || path.starts_with("//") {
        return bad("the path must start with a single `/` and is relative to the connection's base URL");
    }
    if path.contains('?') || path.contains('#') {
        return bad("put query parameters in `query`, not in the path");
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    if decoded.split('/').any(|seg| seg == ".." || seg == ".") || decoded.contains('\\') || path.contains('@') {
        return bad("the path may not contain `.` or `..` segments, backslashes or `@`");
    }
    Ok(())
}

pub fn docs(op: aide::transform::TransformOperation<'_>) -> aide::transform::TransformOperation<'_> {
    use crate::openapi::ops::{self, OperationDocs, types::*};
    let op = op
        .id("passthrough")
        .tag("connection")
        .summary("A raw request to the connection's system")
        .description("Sent through the connector with the connection's credentials injected by the host and its egress policy applied. The system's own status comes back inside a 200.")
        .calls_connector()
        .body::<PassthroughBody>();
    ops::json_response(
        op,
        200,
        "The system's answer",
        json!({ "type": "object", "required": ["status", "headers", "body"], "properties": {
            "status": integer(),
            "headers": { "type": "object", "additionalProperties": string() },
            "body": { "description": "The system's body: JSON as JSON, text as a string, `null` when empty or binary" },
            "body_base64": { "type": "string", "description": "A binary body, base64" }
        } }),
    )
}
