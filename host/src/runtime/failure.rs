//! How a connector call can fail, after the host has applied its policy.

use std::time::Duration;

use super::bindings::ConnectorError;

/// Why the host failed a call itself (`connector_failed` with this `reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureReason {
    EgressDenied,
    Trap,
    Timeout,
    MemoryLimit,
    ResponseTooLarge,
    InvalidResponse,
}

impl FailureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::EgressDenied => "egress_denied",
            FailureReason::Trap => "trap",
            FailureReason::Timeout => "timeout",
            FailureReason::MemoryLimit => "memory_limit",
            FailureReason::ResponseTooLarge => "response_too_large",
            FailureReason::InvalidResponse => "invalid_response",
        }
    }
}

#[derive(Debug)]
pub enum CallError {
    /// The connector reported an error; the host passes it on.
    Connector(ConnectorError),
    /// The system did not answer within the outbound total timeout.
    UpstreamTimeout,
    /// The system throttled and the host's wait budget is spent.
    RateLimited { retry_after: Duration, message: String },
    /// The host failed the call: policy, sandbox limits or a broken guest.
    Failed { reason: FailureReason, detail: String },
    /// The module could not be instantiated or the host itself failed.
    Internal(String),
    /// The host could not get or refresh the connection's OAuth token. `rejected`: the
    /// authorization server refused (`invalid_grant`, `invalid_client`, no refresh token): the
    /// connection needs reauthorization (409, `reason: token_refresh_failed`), distinct from the
    /// system rejecting a token it was sent (`Connector(Unauthorized)`). Otherwise the server
    /// could not be asked (502 `upstream_unavailable`).
    TokenRefreshFailed { detail: String, rejected: bool },
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Connector(e) => write!(f, "connector error: {e:?}"),
            CallError::UpstreamTimeout => write!(f, "upstream timeout"),
            CallError::RateLimited { retry_after, .. } => write!(f, "rate limited; retry after {retry_after:?}"),
            CallError::Failed { reason, detail } => write!(f, "connector failed ({}): {detail}", reason.as_str()),
            CallError::Internal(e) => write!(f, "internal: {e}"),
            CallError::TokenRefreshFailed { detail, .. } => write!(f, "token refresh failed: {detail}"),
        }
    }
}

impl std::error::Error for CallError {}

impl CallError {
    /// A short, bounded name of the outcome, for metrics: the failure reason, or the kind of
    /// connector error.
    pub fn outcome(&self) -> &'static str {
        match self {
            CallError::Connector(e) => match e {
                ConnectorError::Unauthorized(_) => "unauthorized",
                ConnectorError::Forbidden(_) => "forbidden",
                ConnectorError::NotFound(_) => "not_found",
                ConnectorError::RateLimited(_) => "rate_limited",
                ConnectorError::InvalidRequest(_) => "invalid_request",
                ConnectorError::Unsupported(_) => "unsupported",
                ConnectorError::UpstreamUnavailable(_) => "upstream_unavailable",
                ConnectorError::Timeout(_) => "upstream_timeout",
                ConnectorError::Internal(_) => "connector_internal",
            },
            CallError::UpstreamTimeout => "upstream_timeout",
            CallError::TokenRefreshFailed { rejected: true, .. } => "token_refresh_failed",
            CallError::TokenRefreshFailed { rejected: false, .. } => "token_endpoint_unavailable",
            CallError::RateLimited { .. } => "rate_limited",
            CallError::Failed { reason, .. } => reason.as_str(),
            CallError::Internal(_) => "internal",
        }
    }
}
