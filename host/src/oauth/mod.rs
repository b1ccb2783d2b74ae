//! Host-side OAuth 2.0: the connections whose connector declares `oauth2-client-credentials`,
//! `oauth2-authorization-code` or `jwt-bearer` get their access token from the host, injected
//! in the send hook like any other credential; the guest never sees a token or a client secret.
//!
//! Lifecycle:
//! - **configure once per connector**: the operator stores the connector's OAuth app (client id,
//!   secret or signing key, scopes, URLs) with `PUT /v1/admin/connectors/{id}/oauth-app`
//!   (`apps.rs`; secrets sealed in the vault, never returned);
//! - **per connection**: its scheme is the connector's first one, or the one named by the
//!   host setting `mw:auth_scheme`; an authorization-code grant comes from the connect page
//!   (`authorize.rs`: redirect with state + PKCE, callback under `MILLWRIGHT_PUBLIC_URL`, code
//!   exchange); the tokens live in the connection's sealed credentials (`grant.rs`);
//! - **per request**: a [`token_source::TokenSource`] per bound connection hands out the cached
//!   access token, refreshes it before expiry, one refresh at a time (single flight), and once
//!   more after an upstream 401; a rotated refresh token is stored with its access token by a
//!   compare-and-swap on the credentials' version (`persist.rs`). A refresh the authorization
//!   server refuses ends the call with `CallError::TokenRefreshFailed` (409
//!   `connection_reauth_required`, reason `token_refresh_failed`).
//!
//! Files: `config.rs` (app + scheme → client config), `token_endpoint.rs` (the token request
//! over the host's hyper client), `assertion.rs` (JWT client assertions), `authorize.rs`
//! (authorization request URL and code exchange), `setup.rs` (what a binding needs),
//! `apps.rs` (admin routes).

pub mod apps;
pub mod assertion;
pub mod authorize;
pub mod config;
pub mod grant;
pub mod persist;
pub mod setup;
pub mod token_endpoint;
pub mod token_source;

pub use config::{ClientConfig, Flow, OAuthApp};
pub use grant::Grant;
pub use token_source::{RefreshFailed, TokenSource};

use aide::axum::routing::get_with;


pub fn routes() -> crate::openapi::ApiRouter {
    use crate::openapi::ops::{self, OperationDocs, object, types::*};
    let app_schema = || {
        let mut schema = object(serde_json::json!({
            "connector_id": string(), "client_id": string(), "redirect_uri": nullable_string(), "created_at": timestamp(), "updated_at": timestamp()
        }));
        schema["description"] = "Never the secrets: `client_secret_set` and `private_key_set` say whether they are stored.".into();
        schema
    };
    crate::openapi::ApiRouter::new().api_route(
        "/v1/admin/connectors/{connector_id}/oauth-app",
        get_with(apps::get, move |op| ops::json_response(op.id("getOAuthApp").tag("connectors").summary("The connector's OAuth app (client)"), 200, "The app", app_schema()))
            .put_with(apps::put, move |op| {
                let op = op.id("putOAuthApp").tag("connectors").summary("Set the connector's OAuth app; its connections rebind on their next request").body::<apps::Body>();
                ops::json_response(op, 200, "The app", app_schema())
            })
            .delete_with(apps::delete, |op| op.id("deleteOAuthApp").tag("connectors").summary("Remove the connector's OAuth app").with(|op| ops::no_content(op, "Removed"))),
    )
}
