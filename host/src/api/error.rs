//! API errors: RFC 9457 `application/problem+json` with a stable `code` and the request id.
//!
//! Every failure leaving the API goes through [`ApiError`], so the status/code table of
//! DESIGN.md lives here and nowhere else.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::runtime::bindings::ConnectorError;
use crate::runtime::{CallError, FailureReason};

/// `reason` of a `connection_reauth_required` caused by a failed OAuth refresh (the
/// authorization server refused the grant), as opposed to the system rejecting a credential.
pub const REAUTH_TOKEN_REFRESH_FAILED: &str = "token_refresh_failed";

/// DESIGN.md's error table: every `code` the API answers with, its status and title.
pub const ERROR_TABLE: &[(&str, u16, &str)] = &[
    ("invalid_request", 400, "Invalid request"),
    ("unauthorized", 401, "Unauthorized"),
    ("forbidden", 403, "Forbidden"),
    ("not_found", 404, "Not found"),
    ("connection_reauth_required", 409, "Connection needs to be re-authorized"),
    ("connection_disabled", 409, "Connection disabled"),
    ("method_not_allowed", 405, "Method not allowed"),
    ("payload_too_large", 413, "Payload too large"),
    ("unsupported_media_type", 415, "Unsupported media type"),
    ("validation_failed", 422, "Validation failed"),
    ("rate_limited", 429, "Rate limited"),
    ("connector_failed", 500, "Connector failed"),
    ("unsupported_operation", 501, "Unsupported operation"),
    ("upstream_unavailable", 502, "Upstream system unavailable"),
    ("upstream_forbidden", 502, "Upstream system refused the operation"),
    ("upstream_timeout", 504, "Upstream system timed out"),
    ("internal", 500, "Internal error"),
];

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    /// Extra members of the problem object (`field`, `reason`, `upstream_status`, ...).
    pub extra: Box<serde_json::Map<String, Value>>,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        debug_assert!(
            ERROR_TABLE.iter().any(|(c, s, _)| *c == code && *s == status.as_u16()),
            "`{code}` with status {status} is not in the error table"
        );
        ApiError { status, code, detail: detail.into(), extra: Default::default(), retry_after: None }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }
    pub fn validation_failed(field: Option<&str>, detail: impl Into<String>) -> Self {
        let e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail);
        match field {
            Some(f) => e.with("field", f),
            None => e,
        }
    }
    pub fn unsupported_operation(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, "unsupported_operation", detail)
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }
    pub fn connector_failed(reason: FailureReason, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "connector_failed", detail).with("reason", reason.as_str())
    }

    /// 409 `connection_reauth_required`, naming the connection to relink.
    pub fn reauth_required(connection_id: &str, detail: String) -> Self {
        Self::new(StatusCode::CONFLICT, "connection_reauth_required", detail).with("connection_id", connection_id)
    }

    fn title(&self) -> &'static str {
        ERROR_TABLE.iter().find(|(code, _, _)| *code == self.code).map_or("Internal error", |(_, _, title)| title)
    }

    /// The problem object; `request_id` is filled in by the request-id layer's value.
    pub fn body(&self, request_id: Option<&str>) -> Value {
        let mut body = json!({
            "type": format!("https://millwright.dev/problems/{}", self.code.replace('_', "-")),
            "title": self.title(),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
            "request_id": request_id,
        });
        if let Value::Object(map) = &mut body {
            for (k, v) in self.extra.iter() {
                map.insert(k.clone(), v.clone());
            }
        }
        body
    }

    /// Maps a connector call failure onto the error table. `connection_id` is named in the
    /// reauthorization error so the operator knows which connection to relink.
    pub fn from_call(err: CallError, connection_id: &str) -> ApiError {
        match err {
            CallError::Failed { reason, detail } => ApiError::connector_failed(reason, detail),
            CallError::UpstreamTimeout => {
                ApiError::new(StatusCode::GATEWAY_TIMEOUT, "upstream_timeout", "the system did not answer in time")
            }
            CallError::RateLimited { retry_after, message } => {
                let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("the system is rate limiting: {message}"));
                e.retry_after = Some(retry_after);
                e
            }
            CallError::Internal(detail) => ApiError::internal(detail),
            // The detail of a failed refresh names the authorization server's answer, which the
            // operator needs; it never holds a token or secret (the runtime scrubs it).
            CallError::TokenRefreshFailed { detail, rejected: false } => {
                ApiError::new(StatusCode::BAD_GATEWAY, "upstream_unavailable", format!("the system's token endpoint could not be reached: {detail}"))
                    .with("reason", "token_endpoint_unavailable")
            }
            CallError::TokenRefreshFailed { detail, rejected: true } => ApiError::reauth_required(
                connection_id,
                format!("the host could not refresh the OAuth token of connection {connection_id} ({detail}); create a relink session to reconnect it"),
            )
            .with("reason", REAUTH_TOKEN_REFRESH_FAILED),
            CallError::Connector(e) => match e {
                ConnectorError::Unauthorized(_) => ApiError::reauth_required(
                    connection_id,
                    format!(
                        "the system rejected the stored credentials of connection {connection_id}; create a relink session to reconnect it"
                    ),
                ),
                ConnectorError::Forbidden(m) => ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "upstream_forbidden",
                    format!("the system refused the operation (the account lacks a permission): {m}"),
                )
                .with("upstream_status", 403),
                ConnectorError::NotFound(m) => ApiError::not_found(if m.is_empty() { "record not found".into() } else { m }),
                ConnectorError::RateLimited(r) => {
                    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", r.message);
                    e.retry_after = Some(r.retry_after_ms.map(Duration::from_millis).unwrap_or(Duration::from_secs(1)));
                    e
                }
                ConnectorError::InvalidRequest(i) => ApiError::validation_failed(i.field.as_deref(), i.message),
                ConnectorError::Unsupported(op) => ApiError::unsupported_operation(format!("not supported by this connector: {op}")),
                ConnectorError::UpstreamUnavailable(u) => {
                    let e = ApiError::new(StatusCode::BAD_GATEWAY, "upstream_unavailable", format!("the system is unavailable: {}", u.message));
                    match u.status {
                        Some(s) => e.with("upstream_status", s),
                        None => e,
                    }
                }
                ConnectorError::Timeout(_) => {
                    ApiError::new(StatusCode::GATEWAY_TIMEOUT, "upstream_timeout", "the system did not answer in time")
                }
                ConnectorError::Internal(m) => ApiError::connector_failed(FailureReason::InvalidResponse, m),
            },
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %format!("{e:#}"), "internal error");
        ApiError::internal("an internal error occurred")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = super::request_id::current();
        let mut response = (self.status, Json(self.body(request_id.as_deref()))).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response.extensions_mut().insert(crate::metrics::ProblemCode(self.code));
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Error responses are documented by `openapi::problems` from each operation's inputs, with the
/// codes of [`ERROR_TABLE`]; the type itself adds nothing.
impl aide::OperationOutput for ApiError {
    type Inner = ();
}
