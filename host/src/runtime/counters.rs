//! What the runtime counts, per connector, for `/metrics`: instantiations, calls by operation and
//! outcome with their durations, the host's policy verdicts (traps, timeouts, memory-limit hits,
//! egress denials), memory growths during calls, and the upstream HTTP exchanges by outcome.
//!
//! Labels are bounded: connector ids (installed modules), fixed operation and outcome names.
//! Never a connection id, a URL or a record id.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::failure::{CallError, FailureReason};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConnectorLabels {
    pub connector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub connector: String,
    pub operation: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub connector: String,
    pub operation: String,
}

type CallHistograms = Family<OperationLabels, Histogram, fn() -> Histogram>;

#[derive(Debug)]
pub struct RuntimeCounters {
    pub instantiations: Family<ConnectorLabels, Counter>,
    pub traps: Family<ConnectorLabels, Counter>,
    pub timeouts: Family<ConnectorLabels, Counter>,
    pub memory_limit_hits: Family<ConnectorLabels, Counter>,
    pub egress_denials: Family<ConnectorLabels, Counter>,
    /// Linear-memory growths during calls (see `limits::CallLimiter`): a connector that grows
    /// on most calls should declare a larger initial memory.
    pub memory_grows: Family<ConnectorLabels, Counter>,
    pub calls: Family<CallLabels, Counter>,
    pub call_seconds: CallHistograms,
    /// Upstream HTTP exchanges (each attempt, retries included) by outcome: `2xx` … `5xx`,
    /// `429`, `timeout`, `unreachable`, `denied`.
    pub upstream: Family<CallLabels, Counter>,
}

fn call_histogram() -> Histogram {
    // 1 ms … ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for RuntimeCounters {
    fn default() -> Self {
        RuntimeCounters {
            instantiations: Family::default(),
            traps: Family::default(),
            timeouts: Family::default(),
            memory_limit_hits: Family::default(),
            egress_denials: Family::default(),
            memory_grows: Family::default(),
            calls: Family::default(),
            call_seconds: Family::new_with_constructor(call_histogram),
            upstream: Family::default(),
        }
    }
}

impl RuntimeCounters {
    /// Registers every family (clones share the values) under `millwright_…`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register("millwright_wasm_instantiations", "Component instantiations (one per call)", self.instantiations.clone());
        registry.register("millwright_wasm_traps", "Calls failed by a guest trap", self.traps.clone());
        registry.register("millwright_wasm_timeouts", "Calls failed by the call deadline", self.timeouts.clone());
        registry.register("millwright_wasm_memory_limit_hits", "Calls failed by the memory limit", self.memory_limit_hits.clone());
        registry.register("millwright_wasm_egress_denials", "Calls failed by a denied outbound request", self.egress_denials.clone());
        registry.register("millwright_wasm_memory_grows", "Linear-memory growths during calls (each costs the next instantiation a TLB shootdown)", self.memory_grows.clone());
        registry.register("millwright_connector_calls", "Connector calls by operation and outcome", self.calls.clone());
        registry.register("millwright_connector_call_seconds", "Connector call duration", self.call_seconds.clone());
        registry.register("millwright_upstream_requests", "HTTP exchanges with the systems, by outcome", self.upstream.clone());
    }

    /// A policy verdict of one call.
    pub(crate) fn verdict(&self, connector: &str, reason: FailureReason) {
        let family = match reason {
            FailureReason::Trap => &self.traps,
            FailureReason::Timeout => &self.timeouts,
            FailureReason::MemoryLimit => &self.memory_limit_hits,
            FailureReason::EgressDenied => &self.egress_denials,
            _ => return,
        };
        family.get_or_create(&ConnectorLabels { connector: connector.into() }).inc();
    }

    /// The memory growths of one call.
    pub(crate) fn grew(&self, connector: &str, grows: u64) {
        if grows > 0 {
            self.memory_grows.get_or_create(&ConnectorLabels { connector: connector.into() }).inc_by(grows);
        }
    }

    /// A finished call: its outcome, duration and the upstream exchanges it made.
    pub(crate) fn call<T>(&self, connector: &str, operation: &str, took: Duration, result: &Result<T, CallError>, upstream: &[&'static str]) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(e) => e.outcome(),
        };
        self.calls.get_or_create(&CallLabels { connector: connector.into(), operation: operation.into(), outcome: outcome.into() }).inc();
        self.call_seconds.get_or_create(&OperationLabels { connector: connector.into(), operation: operation.into() }).observe(took.as_secs_f64());
        for outcome in upstream {
            self.upstream.get_or_create(&CallLabels { connector: connector.into(), operation: operation.into(), outcome: (*outcome).into() }).inc();
        }
    }

    /// The count of `family` for one connector (tests, diagnostics).
    pub fn of(family: &Family<ConnectorLabels, Counter>, connector: &str) -> u64 {
        family.get_or_create(&ConnectorLabels { connector: connector.into() }).get()
    }
}
