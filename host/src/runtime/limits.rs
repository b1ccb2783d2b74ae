//! Sandbox limits: what one connector call may use, and the per-call resource limiter.
//!
//! Lifecycle: `RuntimeLimits` is read once from configuration (per-module overrides arrive with
//! the registry); a fresh `CallLimiter` is built for every store, so a hit is attributed to
//! exactly one call.

use std::time::Duration;

/// Limits applied to every connector call. Defaults suit production; tests shrink them.
#[derive(Clone, Debug)]
pub struct RuntimeLimits {
    /// Linear memory one instance may grow to.
    pub max_memory_bytes: usize,
    /// Wall-clock budget of one call; enforced by epoch interruption and a tokio timeout.
    pub call_timeout: Duration,
    /// Instances that may run at once (kept below the pooling allocator's slots).
    pub max_concurrent_instances: usize,
    /// Largest JSON a connector may hand back for one record or one passthrough body.
    pub max_record_bytes: usize,
    /// Largest page (sum of records) a connector may hand back.
    pub max_page_bytes: usize,
    /// Outbound HTTP limits.
    pub outbound: OutboundLimits,
}

#[derive(Clone, Debug)]
pub struct OutboundLimits {
    pub connect_timeout: Duration,
    /// Total time for one upstream exchange (request, response headers and body), retries
    /// included. Shorter than `call_timeout`, so a slow system is `upstream_timeout`, not a
    /// connector timeout.
    pub total_timeout: Duration,
    pub max_request_bytes: usize,
    pub max_response_bytes: usize,
    /// Attempts for idempotent requests after a 5xx, a timeout or a lost connection.
    pub max_retries: u32,
    /// How long the host may sleep honouring `Retry-After` across one call.
    pub rate_limit_wait_budget: Duration,
    /// Upstream requests one connection may have in flight.
    pub per_connection_concurrency: usize,
    /// Upstream requests per second one connection may start (also its burst); `None` leaves
    /// pacing to the system's own 429s (the host honours them).
    pub per_connection_rate: Option<u32>,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            max_memory_bytes: 128 << 20,
            call_timeout: Duration::from_secs(30),
            max_concurrent_instances: 64,
            max_record_bytes: 8 << 20,
            max_page_bytes: 32 << 20,
            outbound: OutboundLimits::default(),
        }
    }
}

impl Default for OutboundLimits {
    fn default() -> Self {
        OutboundLimits {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
            max_request_bytes: 8 << 20,
            max_response_bytes: 32 << 20,
            max_retries: 2,
            rate_limit_wait_budget: Duration::from_secs(5),
            per_connection_concurrency: 8,
            per_connection_rate: None,
        }
    }
}

/// The resource limiter of one store: caps linear memory and remembers whether the cap was hit,
/// so a trap that follows is reported as `memory_limit` rather than a plain `trap`; and counts
/// growths past a memory's initial size (each makes the slot's next instantiation shrink it
/// back with an `mprotect`, a TLB shootdown on every CPU).
pub struct CallLimiter {
    max_memory_bytes: usize,
    pub memory_limit_hit: bool,
    pub memory_grows: u64,
}

impl CallLimiter {
    pub fn new(max_memory_bytes: usize) -> Self {
        CallLimiter { max_memory_bytes, memory_limit_hit: false, memory_grows: 0 }
    }
}

impl wasmtime::ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_memory_bytes {
            self.memory_limit_hit = true;
            return Ok(false);
        }
        // `current` is 0 when the memory is created at instantiation.
        if current > 0 {
            self.memory_grows += 1;
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }

    fn instances(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        16
    }

    fn tables(&self) -> usize {
        64
    }
}
