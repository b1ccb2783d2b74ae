//! Per-connector limit overrides: memory, call timeout, outbound concurrency and response size.
//!
//! The defaults are the configured [`RuntimeLimits`]; the operator overrides any of the four for
//! every version of one connector (`PUT /v1/admin/connectors/{id}/limits`). A change bumps the
//! connector's connections, so their next request runs under the new limits on every replica.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;
use crate::runtime::limits::RuntimeLimits;
use crate::store::Store;

/// What the operator overrides; absent fields keep the configured default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ConnectorLimitOverrides")]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    /// Linear memory one instance may grow to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// Wall-clock budget of one call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_timeout_ms: Option<u64>,
    /// Upstream requests one connection may have in flight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_concurrency: Option<u32>,
    /// Largest upstream response body (and passthrough body) a call may receive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_response_bytes: Option<u64>,
}

impl LimitOverrides {
    pub async fn stored(store: &Store, connector_id: &str) -> Result<LimitOverrides, ApiError> {
        match store.connector_limits(connector_id).await? {
            Some(json) => Ok(serde_json::from_str(&json).map_err(anyhow::Error::from)?),
            None => Ok(LimitOverrides::default()),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == LimitOverrides::default()
    }

    /// Refuses values the sandbox cannot honour. `memory_ceiling` is the pool's slot size.
    pub fn check(&self, memory_ceiling: usize) -> Result<(), ApiError> {
        let field = |name: &str, detail: String| ApiError::validation_failed(Some(name), detail);
        if let Some(m) = self.memory_bytes
            && !(1 << 20..=memory_ceiling as u64).contains(&m)
        {
            return Err(field("memory_bytes", format!("memory_bytes must be between 1048576 and {memory_ceiling} (the instance pool's slot size)")));
        }
        if let Some(t) = self.call_timeout_ms
            && !(100..=600_000).contains(&t)
        {
            return Err(field("call_timeout_ms", "call_timeout_ms must be between 100 and 600000".into()));
        }
        if let Some(c) = self.outbound_concurrency
            && !(1..=256).contains(&c)
        {
            return Err(field("outbound_concurrency", "outbound_concurrency must be between 1 and 256".into()));
        }
        if let Some(r) = self.max_response_bytes
            && !(1024..=1 << 30).contains(&r)
        {
            return Err(field("max_response_bytes", "max_response_bytes must be between 1024 and 1073741824".into()));
        }
        Ok(())
    }

    /// The defaults with these overrides applied. The outbound total timeout stays below the
    /// call's deadline (a slow system is `upstream_timeout`, a busy guest `connector_failed`).
    pub fn apply(&self, defaults: &RuntimeLimits) -> RuntimeLimits {
        let mut limits = defaults.clone();
        if let Some(m) = self.memory_bytes {
            limits.max_memory_bytes = m as usize;
        }
        if let Some(t) = self.call_timeout_ms {
            limits.call_timeout = Duration::from_millis(t);
            limits.outbound.total_timeout = limits.outbound.total_timeout.min(limits.call_timeout * 3 / 4);
            limits.outbound.connect_timeout = limits.outbound.connect_timeout.min(limits.outbound.total_timeout);
        }
        if let Some(c) = self.outbound_concurrency {
            limits.outbound.per_connection_concurrency = c as usize;
        }
        if let Some(r) = self.max_response_bytes {
            limits.outbound.max_response_bytes = r as usize;
        }
        limits
    }
}

/// The effective limits as the admin API shows them.
pub fn view(limits: &RuntimeLimits) -> serde_json::Value {
    serde_json::json!({
        "memory_bytes": limits.max_memory_bytes,
        "call_timeout_ms": limits.call_timeout.as_millis() as u64,
        "outbound_concurrency": limits.outbound.per_connection_concurrency,
        "max_response_bytes": limits.outbound.max_response_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_keep_the_outbound_deadline_below_the_call() {
        let defaults = RuntimeLimits::default();
        let o = LimitOverrides { call_timeout_ms: Some(4000), memory_bytes: Some(32 << 20), ..Default::default() };
        let l = o.apply(&defaults);
        assert_eq!(l.call_timeout, Duration::from_secs(4));
        assert_eq!(l.outbound.total_timeout, Duration::from_secs(3));
        assert_eq!(l.max_memory_bytes, 32 << 20);
        assert_eq!(l.outbound.per_connection_concurrency, defaults.outbound.per_connection_concurrency);
        assert!(LimitOverrides { memory_bytes: Some(1 << 40), ..Default::default() }.check(128 << 20).is_err());
        assert!(o.check(128 << 20).is_ok());
    }
}
