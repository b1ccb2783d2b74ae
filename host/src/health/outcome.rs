//! What one upstream call (a `check`, or a call made for an API request) says about the health of
//! a connection, and the typed reasons status changes record.

use crate::runtime::CallError;
use crate::runtime::bindings::ConnectorError;

/// Why a connection's status is what it is; stored and sent as snake_case text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The system rejected the stored credentials (a 401 from `check` or a call).
    CredentialsInvalid,
    /// The host could not refresh an OAuth token. Signalled by the host's OAuth code through
    /// [`Outcome::token_refresh_failed`] and `Health::report`.
    TokenRefreshFailed,
    /// The authorization server answered `invalid_grant` (a revoked refresh token).
    InvalidGrant,
    /// The system could not be reached (connection refused, DNS, reset).
    UpstreamUnreachable,
    /// The system did not answer within the outbound timeout.
    UpstreamTimeout,
    /// The system answered with server errors (5xx).
    UpstreamErrors,
    /// A 429: recorded, never counted as a failure.
    RateLimited,
    /// Back to `active` after failures.
    Recovered,
    /// New credentials through a reconnect.
    Reconnected,
    DisabledByOperator,
    EnabledByOperator,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::CredentialsInvalid => "credentials_invalid",
            Reason::TokenRefreshFailed => "token_refresh_failed",
            Reason::InvalidGrant => "invalid_grant",
            Reason::UpstreamUnreachable => "upstream_unreachable",
            Reason::UpstreamTimeout => "upstream_timeout",
            Reason::UpstreamErrors => "upstream_errors",
            Reason::RateLimited => "rate_limited",
            Reason::Recovered => "recovered",
            Reason::Reconnected => "reconnected",
            Reason::DisabledByOperator => "disabled_by_operator",
            Reason::EnabledByOperator => "enabled_by_operator",
        }
    }
}

/// One call's verdict for health.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The system answered (a 404 or a validation error is an answer too).
    Healthy,
    /// A 429: recorded with reason `rate_limited`, not a failure.
    RateLimited(String),
    /// The system is unreachable, timing out or failing.
    Failed(Reason, String),
    /// The credentials are known bad: `reauth_required` at once, sticky until a reconnect.
    Rejected(Reason, String),
    /// Says nothing about the system (host policy, a broken guest, our own failure).
    Ignored,
}

impl Outcome {
    /// For the host's OAuth code: a refresh that failed makes the connection `reauth_required`.
    pub fn token_refresh_failed(detail: impl Into<String>) -> Outcome {
        Outcome::Rejected(Reason::TokenRefreshFailed, detail.into())
    }

    /// For the host's OAuth code: the authorization server answered `invalid_grant`.
    pub fn invalid_grant(detail: impl Into<String>) -> Outcome {
        Outcome::Rejected(Reason::InvalidGrant, detail.into())
    }

    /// Classifies a connector call's result. Error texts come scrubbed from the runtime.
    pub fn of<T>(result: &Result<T, CallError>) -> Outcome {
        let err = match result {
            Ok(_) => return Outcome::Healthy,
            Err(e) => e,
        };
        match err {
            CallError::UpstreamTimeout => Outcome::Failed(Reason::UpstreamTimeout, "the system did not answer in time".into()),
            CallError::RateLimited { message, .. } => Outcome::RateLimited(message.clone()),
            CallError::Failed { .. } | CallError::Internal(_) => Outcome::Ignored,
            // The authorization server refused the grant: the credentials are bad, like a 401
            // after a refresh (issue 3's OAuth code signals it as its own error).
            CallError::TokenRefreshFailed { rejected: true, detail } => Outcome::token_refresh_failed(detail.clone()),
            CallError::TokenRefreshFailed { rejected: false, detail } => Outcome::Failed(Reason::UpstreamUnreachable, detail.clone()),
            CallError::Connector(e) => match e {
                ConnectorError::Unauthorized(m) => Outcome::Rejected(Reason::CredentialsInvalid, or(m, "the system rejected the credentials")),
                ConnectorError::RateLimited(r) => Outcome::RateLimited(r.message.clone()),
                ConnectorError::UpstreamUnavailable(u) => match u.status {
                    Some(status) => Outcome::Failed(Reason::UpstreamErrors, format!("the system answered {status}: {}", u.message)),
                    None => Outcome::Failed(Reason::UpstreamUnreachable, or(&u.message, "the system could not be reached")),
                },
                ConnectorError::Timeout(m) => Outcome::Failed(Reason::UpstreamTimeout, or(m, "the system did not answer in time")),
                ConnectorError::Forbidden(_) | ConnectorError::NotFound(_) | ConnectorError::InvalidRequest(_) | ConnectorError::Unsupported(_) => {
                    Outcome::Healthy
                }
                ConnectorError::Internal(_) => Outcome::Ignored,
            },
        }
    }
}

fn or(message: &str, default: &str) -> String {
    if message.trim().is_empty() { default.to_string() } else { message.to_string() }
}
