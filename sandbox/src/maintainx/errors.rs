//! MaintainX's two error bodies, as its OpenAPI document defines them:
//! - `{"error": "..."}` for query errors (400 on lists and gets), 404s, 429s and 5xx;
//! - `{"errors": [{"error", "fieldPath", "fieldValue"}]}` for rejected writes, for a
//!   multi-organization key without `x-organization-id` (400) and for permission errors (403,
//!   as every 403 the spec documents).
//!
//! 401s have no documented body; the simple shape is used.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub enum MxError {
    Simple(StatusCode, String),
    Fields(StatusCode, Vec<FieldError>),
}

/// One entry of the `errors` array.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub error: String,
    pub field_path: Option<String>,
    pub field_value: Option<Value>,
}

impl FieldError {
    pub fn new(error: impl Into<String>) -> Self {
        FieldError {
            error: error.into(),
            field_path: None,
            field_value: None,
        }
    }

    pub fn at(error: impl Into<String>, path: impl Into<String>, value: Option<&Value>) -> Self {
        FieldError {
            error: error.into(),
            field_path: Some(path.into()),
            field_value: value.cloned(),
        }
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("error".into(), Value::String(self.error.clone()));
        if let Some(p) = &self.field_path {
            m.insert("fieldPath".into(), Value::String(p.clone()));
        }
        // The spec types fieldValue as string | number | boolean: structured values are not echoed.
        if let Some(v) = self
            .field_value
            .as_ref()
            .filter(|v| v.is_string() || v.is_number() || v.is_boolean())
        {
            m.insert("fieldValue".into(), v.clone());
        }
        Value::Object(m)
    }
}

impl MxError {
    /// 400 on a list or get query (`{"error"}`).
    pub fn bad_query(msg: impl Into<String>) -> Self {
        MxError::Simple(StatusCode::BAD_REQUEST, msg.into())
    }

    pub fn not_found() -> Self {
        MxError::Simple(StatusCode::NOT_FOUND, "Not Found.".into())
    }

    pub fn unauthorized() -> Self {
        MxError::Simple(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: invalid or missing API token.".into(),
        )
    }

    /// 403: the key authenticates but its user lacks the permission (one of the spec's 403
    /// examples).
    pub fn forbidden() -> Self {
        MxError::Fields(
            StatusCode::FORBIDDEN,
            vec![FieldError::new("User doesn't have the right permissions")],
        )
    }

    /// 400 on a write or a header (`{"errors": [...]}`).
    pub fn fields(errors: Vec<FieldError>) -> Self {
        MxError::Fields(StatusCode::BAD_REQUEST, errors)
    }

    pub fn field(error: impl Into<String>, path: impl Into<String>, value: Option<&Value>) -> Self {
        MxError::fields(vec![FieldError::at(error, path, value)])
    }
}

impl IntoResponse for MxError {
    fn into_response(self) -> Response {
        match self {
            MxError::Simple(status, msg) => (status, Json(json!({"error": msg}))).into_response(),
            MxError::Fields(status, errors) => {
                let errors: Vec<Value> = errors.iter().map(FieldError::to_json).collect();
                (status, Json(json!({"errors": errors}))).into_response()
            }
        }
    }
}

/// The error body the shared fault layer uses for injected 429s and 5xx.
pub fn vendor_error(status: StatusCode, msg: &str) -> Response {
    MxError::Simple(status, msg.to_string()).into_response()
}
