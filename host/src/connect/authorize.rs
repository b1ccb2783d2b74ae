//! The connect page's OAuth sign-in (authorization code): instead of checking a form, the POST
//! records an authorization request (state, PKCE verifier, the base URL and settings the form
//! gave) for 10 minutes and sends the browser to the system's authorize URL (a 303 when the
//! form page's CSP allows that origin, else a page with the link); `callback.rs` takes it
//! from there. Only the SHA-256 of `state` is stored.

use std::collections::BTreeMap;

use axum::response::Response;

use super::complete::see_other;
use super::pages::{Target, sign_in_origin};
use super::{html, secret};
use crate::api::error::ApiError;
use crate::app::AppState;
use crate::connections::{split_form, validate_base_url};
use crate::oauth::apps::{self, CALLBACK_PATH};
use crate::oauth::{ClientConfig, authorize};
use crate::runtime::outbound::auth::chosen_scheme;
use crate::store::{LinkSessionRow, OAuthAuthorizationRow};

/// Prefix of the `state` parameter (256 random bits, like the session secret).
pub const STATE_PREFIX: &str = "mwo_";
/// How long the customer has to sign in at the system.
pub const AUTHORIZATION_TTL_SECONDS: i64 = 600;

/// The client config of `target`'s authorization-code scheme for `base_url` and `settings`.
pub async fn client_config(app: &AppState, target: &Target, base_url: &str, settings: &BTreeMap<String, String>) -> Result<ClientConfig, ApiError> {
    let info = target.module.info();
    let scheme = chosen_scheme(&info.auth, settings).map_err(|m| ApiError::validation_failed(None, m))?;
    let oauth_app = apps::load(&app.store, app.connections.vault(), &info.id)
        .await?
        .ok_or_else(|| ApiError::validation_failed(None, format!("{} sign-in is not set up on this service yet", info.name)))?;
    ClientConfig::resolve(&scheme, &oauth_app, base_url).map_err(|m| ApiError::validation_failed(None, m))
}

pub async fn start(
    app: &AppState,
    session: &LinkSessionRow,
    target: &Target,
    base_url: Option<String>,
    values: &BTreeMap<String, String>,
) -> Result<Response, ApiError> {
    let info = target.module.info();
    let base_url = base_url
        .or_else(|| target.reconnect.as_ref().map(|c| c.base_url.clone()))
        .or_else(|| info.default_base_url.clone())
        .ok_or_else(|| ApiError::validation_failed(Some("base_url"), "this connector needs a base URL"))?;
    validate_base_url(&base_url)?;
    let (settings, _no_secrets) = split_form(info, values)?;
    let config = client_config(app, target, &base_url, &settings).await?;
    // The callback must be the operator's registered one: never derived from a request's Host.
    let public_url = app.public_url.as_deref().ok_or_else(|| ApiError::validation_failed(None, "OAuth sign-in needs MILLWRIGHT_PUBLIC_URL to be set"))?;
    let redirect_uri = format!("{public_url}{CALLBACK_PATH}");
    let state = secret::generate(STATE_PREFIX);
    let verifier = authorize::code_verifier();
    let now = app.clock.now();
    app.store
        .insert_oauth_authorization(&OAuthAuthorizationRow {
            state_hash: secret::hash(&state),
            link_session_id: session.id.clone(),
            connector_id: info.id.clone(),
            base_url,
            settings_json: serde_json::to_string(&settings).map_err(anyhow::Error::from)?,
            code_verifier: verifier.clone(),
            redirect_uri: redirect_uri.clone(),
            created_at: crate::clock::rfc3339(now),
            expires_at: crate::clock::rfc3339(now + chrono::Duration::seconds(AUTHORIZATION_TTL_SECONDS)),
            used_at: None,
        })
        .await?;
    let url = authorize::authorization_url(&config, &redirect_uri, &state, &verifier).ok_or_else(|| ApiError::internal("no authorize URL"))?;
    // Browsers apply the form page's `form-action` to the redirect: a sign-in page the form
    // page could not name is reached through a link instead.
    if sign_in_origin(target).as_deref() == Some(url.origin().ascii_serialization().as_str()) {
        return Ok(see_other(url.as_str()));
    }
    let name = html::escape(&info.name);
    let body = format!(
        "<p>Sign in to {name} and allow access; you will come back here when you are done.</p>\n<p><a class=\"button\" href=\"{}\">Continue to {name} sign-in</a></p>\n",
        html::escape(url.as_str())
    );
    Ok(html::page(axum::http::StatusCode::OK, &format!("Sign in to {}", info.name), &body, None))
}
