//! Helpers on [`ConnectionContext`]: settings, credentials, URLs.

use crate::{ConnectionContext, ConnectorError};

/// Reading the connection context.
pub trait ContextExt {
    /// A non-secret connect-form value; empty values count as unset.
    fn setting(&self, name: &str) -> Option<&str>;
    /// A secret value (only for connector-managed schemes; empty for host-injected auth).
    fn credential(&self, name: &str) -> Option<&str>;
    /// A setting that must be present (`invalid-request` naming it otherwise).
    fn require_setting(&self, name: &str) -> Result<&str, ConnectorError>;
    /// A credential that must be present (`unauthorized` otherwise).
    fn require_credential(&self, name: &str) -> Result<&str, ConnectorError>;
    /// `base-url` joined with `path` (see [`url`]).
    fn url(&self, path: &str) -> String;
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

impl ContextExt for ConnectionContext {
    fn setting(&self, name: &str) -> Option<&str> {
        lookup(&self.settings, name)
    }

    fn credential(&self, name: &str) -> Option<&str> {
        lookup(&self.credentials, name)
    }

    fn require_setting(&self, name: &str) -> Result<&str, ConnectorError> {
        self.setting(name).ok_or_else(|| {
            ConnectorError::invalid_field(
                name,
                format!("the connection setting `{name}` is required"),
            )
        })
    }

    fn require_credential(&self, name: &str) -> Result<&str, ConnectorError> {
        self.credential(name).ok_or_else(|| {
            ConnectorError::Unauthorized(format!("the credential `{name}` is missing"))
        })
    }

    fn url(&self, path: &str) -> String {
        url(self, path)
    }
}

/// Joins the connection's base URL and a path with exactly one `/` between them:
/// `url(ctx, "/workorders")` and `url(ctx, "workorders")` both give
/// `https://api.getmaintainx.com/v1/workorders`. An empty path gives the base URL.
pub fn url(ctx: &ConnectionContext, path: &str) -> String {
    let base = ctx.base_url.trim_end_matches('/');
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        base.to_owned()
    } else {
        format!("{base}/{path}")
    }
}

/// Builds a context (for tests and native benchmarks).
pub fn context(base_url: &str, settings: &[(&str, &str)]) -> ConnectionContext {
    ConnectionContext {
        connection_id: "conn_test".to_owned(),
        base_url: base_url.to_owned(),
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        credentials: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_urls() {
        let ctx = context(
            "https://api.getmaintainx.com/v1/",
            &[("organization_id", "42"), ("empty", " ")],
        );
        assert_eq!(ctx.setting("organization_id"), Some("42"));
        assert_eq!(ctx.setting("empty"), None);
        assert_eq!(ctx.setting("nope"), None);
        assert_eq!(
            ctx.require_setting("nope").unwrap_err().kind(),
            "invalid_request"
        );
        assert_eq!(
            ctx.require_credential("k").unwrap_err().kind(),
            "unauthorized"
        );
        assert_eq!(
            url(&ctx, "/workorders"),
            "https://api.getmaintainx.com/v1/workorders"
        );
        assert_eq!(
            ctx.url("workorders/1"),
            "https://api.getmaintainx.com/v1/workorders/1"
        );
        assert_eq!(url(&ctx, ""), "https://api.getmaintainx.com/v1");
    }
}
