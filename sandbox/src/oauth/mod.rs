//! An OAuth 2.0 authorization server (RFC 6749), mounted at `/oauth`, so the host's OAuth
//! flows can be tested end to end against something stricter than a mock:
//!
//! - `GET /oauth/authorize` (consent page; `auto_approve=1` skips it) and
//!   `POST /oauth/authorize` (issues a code, `302` to the redirect URI): `authorize`;
//! - `POST /oauth/token`: client credentials (secret, or NetSuite's JWT client assertion),
//!   authorization code (single use, 10 minutes, PKCE optional), rotating refresh tokens:
//!   `token`, `client_auth`, `jwt`;
//! - `/_sandbox/oauth/{stats,ttl,clients/{id}/revoke}`: run-time controls (`control`).
//!
//! Access tokens it issues are accepted by the vendor emulators (MaintainX) like API keys
//! while valid. These endpoints sit outside the fault layer: injected latency, 429s and
//! errors, and [`crate::Sandbox::request_count`], concern vendor API calls only; token calls
//! have their own counter ([`crate::Sandbox::oauth_token_requests`]).
//!
//! Files: `clients` (registration, redirect-URI matching), `grants` (codes and tokens),
//! `state`, `form` (parameter rules), `errors` (§5.2 bodies, HTML error page),
//! `sandbox_api` (the `Sandbox` methods).

mod authorize;
mod client_auth;
mod clients;
pub(crate) mod control;
mod errors;
mod form;
mod grants;
mod jwt;
mod sandbox_api;
mod state;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

pub use client_auth::JWT_BEARER_ASSERTION;
pub use clients::OAuthClient;
pub(crate) use state::OAuthState;

/// Where the authorization server is mounted.
pub const OAUTH_PREFIX: &str = "/oauth";
/// The token endpoint's path: JWT assertions name `http://<host><TOKEN_PATH>` as `aud`.
pub const TOKEN_PATH: &str = "/oauth/token";

/// The authorization server's routes, relative to [`OAUTH_PREFIX`].
pub(crate) fn router(state: Arc<OAuthState>) -> Router {
    Router::new()
        .route("/authorize", get(authorize::get).post(authorize::post))
        .route("/token", post(token::token))
        .with_state(state)
}
