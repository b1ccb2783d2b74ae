//! Helpers around [`ConnectorError`]: short constructors and conversions.
//!
//! The HTTP status mapping lives in [`crate::http::error_for_status`] (re-exported here).

use crate::{ConnectorError, InvalidInput, RateLimit, UpstreamFailure};

pub use crate::http::error_for_status;

impl ConnectorError {
    /// `invalid-request` naming a unified field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConnectorError::InvalidRequest(InvalidInput {
            message: message.into(),
            field: Some(field.into()),
        })
    }

    /// `invalid-request` without a field.
    pub fn invalid(message: impl Into<String>) -> Self {
        ConnectorError::InvalidRequest(InvalidInput {
            message: message.into(),
            field: None,
        })
    }

    /// `unsupported`, naming the operation (`"create asset"`).
    pub fn unsupported(operation: impl Into<String>) -> Self {
        ConnectorError::Unsupported(operation.into())
    }

    /// `not-found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        ConnectorError::NotFound(message.into())
    }

    /// `internal`: a bug or an answer the connector cannot understand.
    pub fn internal(message: impl Into<String>) -> Self {
        ConnectorError::Internal(message.into())
    }

    /// `upstream-unavailable`.
    pub fn upstream(status: Option<u16>, message: impl Into<String>) -> Self {
        ConnectorError::UpstreamUnavailable(UpstreamFailure {
            status,
            message: message.into(),
        })
    }

    /// `rate-limited`.
    pub fn rate_limited(retry_after_ms: Option<u64>, message: impl Into<String>) -> Self {
        ConnectorError::RateLimited(RateLimit {
            retry_after_ms,
            message: message.into(),
        })
    }

    /// A short stable name of the case (`"invalid_request"`), for logs and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorError::Unauthorized(_) => "unauthorized",
            ConnectorError::Forbidden(_) => "forbidden",
            ConnectorError::NotFound(_) => "not_found",
            ConnectorError::RateLimited(_) => "rate_limited",
            ConnectorError::InvalidRequest(_) => "invalid_request",
            ConnectorError::Unsupported(_) => "unsupported",
            ConnectorError::UpstreamUnavailable(_) => "upstream_unavailable",
            ConnectorError::Timeout(_) => "timeout",
            ConnectorError::Internal(_) => "internal",
        }
    }
}

impl From<serde_json::Error> for ConnectorError {
    /// A JSON (de)serialisation failure inside the connector: the system answered something
    /// the connector did not expect. Parse client input with [`parse_unified`] instead, which
    /// reports `invalid-request`.
    fn from(e: serde_json::Error) -> Self {
        ConnectorError::Internal(format!("unexpected JSON: {e}"))
    }
}

/// Parses a unified write body (create or patch) into a typed struct (e.g.
/// [`crate::model::WorkOrderCreate`]); a malformed body is `invalid-request`, naming the field
/// when serde says which one.
pub fn parse_unified<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, ConnectorError> {
    serde_json::from_str(json).map_err(|e| {
        let msg = e.to_string();
        // serde's messages name fields as `missing field `title`` or `unknown field `x``.
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.contains("field `"))
            .map(str::to_owned);
        ConnectorError::InvalidRequest(InvalidInput {
            message: msg,
            field,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_unified_names_missing_field() {
        let err =
            parse_unified::<crate::model::WorkOrderCreate>(r#"{"priority":"high"}"#).unwrap_err();
        match err {
            ConnectorError::InvalidRequest(i) => assert_eq!(i.field.as_deref(), Some("title")),
            other => panic!("{other:?}"),
        }
        let ok: crate::model::WorkOrderCreate = parse_unified(r#"{"title":"x"}"#).unwrap();
        assert_eq!(ok.title, "x");
    }

    #[test]
    fn kinds() {
        assert_eq!(ConnectorError::invalid("x").kind(), "invalid_request");
        assert_eq!(
            ConnectorError::upstream(Some(502), "x").kind(),
            "upstream_unavailable"
        );
    }
}
