//! OAuth 2.0 authorization-server tests: real HTTP over loopback against a sandbox per test.
//! A binary of its own beside the MaintainX one (these never need jsonschema).

mod authorization_code;
mod client_credentials;
mod common;
mod jwt_assertion;
mod keys;
mod maintainx;
mod refresh;
