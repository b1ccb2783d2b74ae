//! Host-side OAuth end to end: the OAuth test connector (`tests/guests/oauth`) against the
//! sandbox's authorization server and MaintainX emulator, over loopback HTTP: client
//! credentials (single flight, expiry, 401), authorization code through the real connect pages
//! (redirect, callback, refresh, rotation persisted across a restart, revoked grant → 409),
//! JWT-bearer assertions, and the operator's OAuth app API.

mod apps;
mod authorization_code;
mod client_credentials;
mod fixture;
mod jwt_bearer;
mod secrets;
