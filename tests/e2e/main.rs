//! End-to-end tests: the real host (runtime, store, API over loopback HTTP) with real connector
//! components built from source, against the vendor emulators. One test binary (DESIGN.md).

mod databases;
mod harness;

mod admin_api;
mod api_edges;
mod connect_flow;
mod cli_config;
mod cli_vault;
mod demo_cli;
mod field_mappings;
mod metrics;
mod openapi;
#[cfg(feature = "otlp")]
mod otlp_export;
mod health;
mod hostile;
mod junk_inputs;
mod registry_install;
mod registry_swap;
mod registry_trust;
mod secrets_in_logs;
mod store_conformance;
mod tracing_spans;
mod unified_errors;
mod unified_reads;
mod unified_writes;
mod upstream_faults;
mod link_code_expiry;
mod oauth;
mod private_hosts;
mod webhook_receiver;
mod webhooks;
mod webhooks_crash;
