//! Millwright: a self-hostable unified API for industrial maintenance systems.
//!
//! See ARCHITECTURE.md at the repository root for the map of this crate.

pub mod admin;
pub mod api;
pub mod app;
pub mod background;
pub mod clock;
pub mod connect;
pub mod connections;
pub mod health;
pub mod mapping;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod registry;
pub mod runtime;
pub mod store;
pub mod tokens;
pub mod vault;
pub mod webhooks;
pub mod builtin;
pub mod cli;
pub mod telemetry;
