//! End-to-end tests: the real host (runtime, store, API over loopback HTTP) with real connector
//! components built from source, against the vendor emulators. One test binary (DESIGN.md).

mod databases;
mod harness;

mod admin_api;
mod connect_flow;
mod cli_vault;
mod demo_cli;
mod health;
mod hostile;
mod secrets_in_logs;
mod store_conformance;
mod unified_errors;
mod unified_reads;
mod unified_writes;
mod upstream_faults;
mod webhook_receiver;
mod webhooks;
mod webhooks_crash;
