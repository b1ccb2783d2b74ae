//! Request bodies: JSON only, with problem+json errors for the wrong media type or bad syntax
//! (axum's own rejections are plain text). The size limit is applied by the router's layer.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::Value;

use super::error::ApiError;

/// A JSON object body.
pub struct JsonObject(pub serde_json::Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (`Content-Type: application/json`)",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large")
            } else {
                ApiError::invalid_request("the request body could not be read")
            }
        })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::invalid_request("the request body must be a JSON object")),
            Err(e) => Err(ApiError::invalid_request(format!("the request body is not valid JSON: {e}"))),
        }
    }
}

/// An optional JSON object body: an empty body is `None`.
pub struct MaybeJsonObject(pub Option<serde_json::Map<String, Value>>);

impl<S: Send + Sync> FromRequest<S> for MaybeJsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let declared_empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        if declared_empty || !req.headers().contains_key(axum::http::header::CONTENT_TYPE) && !req.headers().contains_key(axum::http::header::CONTENT_LENGTH) {
            return Ok(MaybeJsonObject(None));
        }
        JsonObject::from_request(req, state).await.map(|JsonObject(map)| MaybeJsonObject(Some(map)))
    }
}

/// Documented as a JSON object; a route's transform names the exact schema (`OperationDocs::body`).
impl aide::OperationInput for JsonObject {
    fn operation_input(ctx: &mut aide::generate::GenContext, op: &mut aide::openapi::Operation) {
        <axum::Json<serde_json::Map<String, Value>> as aide::OperationInput>::operation_input(ctx, op);
    }
}

impl aide::OperationInput for MaybeJsonObject {
    fn operation_input(ctx: &mut aide::generate::GenContext, op: &mut aide::openapi::Operation) {
        JsonObject::operation_input(ctx, op);
        if let Some(aide::openapi::ReferenceOr::Item(body)) = &mut op.request_body {
            body.required = false;
        }
    }
}
