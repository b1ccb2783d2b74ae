//! `GET /connect/{secret}` (the picker, or the form when only one system is possible) and
//! `GET /connect/{secret}/{connector_id}` (the form), plus what the POST shares with them:
//! resolving the session and the connector it may connect.
//!
//! A session that is unknown is a 404 page; expired or already used a 410 page; never a form.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form::{self, FormView, PlainError, segment};
use super::{html, secret};
use crate::app::AppState;
use crate::registry::ActiveModule;
use crate::runtime::bindings::AuthScheme;
use crate::runtime::outbound::auth::chosen_scheme;
use crate::store::{ConnectionRow, LinkSessionRow};

/// A session's pages answer from here on failure.
pub type PageResult<T> = Result<T, Response>;

pub fn internal_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "connect page failed");
    html::message(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", &["Millwright could not load this page. Try again in a few minutes."])
}

/// The pending session behind a secret.
pub async fn load(app: &AppState, secret_text: &str) -> PageResult<LinkSessionRow> {
    if !secret::well_formed(secret::SESSION_PREFIX, secret_text) {
        return Err(html::unknown_link());
    }
    let session = app.store.link_session_by_secret(&secret::hash(secret_text)).await.map_err(internal_error)?.ok_or_else(html::unknown_link)?;
    match session.effective_status() {
        "completed" => Err(html::used_link()),
        "expired" => Err(html::expired_link()),
        _ => Ok(session),
    }
}

/// The systems a new-connection session may connect: the allowed ones that are installed, by name.
/// Read from the database, so every replica offers the same versions.
pub async fn choices(app: &AppState, session: &LinkSessionRow) -> PageResult<Vec<Arc<ActiveModule>>> {
    let allowed = session.allowed_connectors();
    let mut modules: Vec<Arc<ActiveModule>> = app
        .registry
        .all_current()
        .await
        .map_err(|e| internal_error(e.detail))?
        .into_iter()
        .filter(|m| allowed.as_ref().is_none_or(|a| a.contains(&m.info().id)))
        .collect();
    modules.sort_by_key(|m| m.info().name.to_lowercase());
    Ok(modules)
}

/// What a form connects: the connector, and for a reconnect the connection.
pub struct Target {
    pub module: Arc<ActiveModule>,
    pub reconnect: Option<ConnectionRow>,
}

fn refused(connector_id: &str) -> Response {
    html::message(
        StatusCode::FORBIDDEN,
        "This system cannot be connected with this link",
        &[&format!("This link does not allow connecting “{connector_id}”. Go back to the link you were sent and pick one of the systems it offers.")],
    )
}

/// The connector `connector_id` (or, with `None`, the only one possible) if this session may
/// connect it. A crafted URL or POST for another connector is refused here.
pub async fn target(app: &AppState, session: &LinkSessionRow, connector_id: Option<&str>) -> PageResult<Target> {
    if let Some(connection_id) = &session.connection_id {
        let row = app.store.connection(connection_id).await.map_err(internal_error)?.ok_or_else(html::unknown_link)?;
        if row.status == "disconnected" {
            return Err(html::message(StatusCode::GONE, "This connection was removed", &["Ask for a new link to connect your system again."]));
        }
        if connector_id.is_some_and(|c| c != row.connector_id) {
            return Err(refused(connector_id.unwrap_or_default()));
        }
        let module = app
            .registry
            .current(&row.connector_id)
            .await
            .map_err(|e| internal_error(e.detail))?
            .ok_or_else(|| internal_error(format!("connector {} has no active version", row.connector_id)))?;
        return Ok(Target { module, reconnect: Some(row) });
    }
    let choices = choices(app, session).await?;
    let module = match connector_id {
        Some(id) => choices.into_iter().find(|m| m.info().id == id).ok_or_else(|| refused(id))?,
        None if choices.len() == 1 => choices.into_iter().next().expect("one choice"),
        None => return Err(internal_error("no single connector to show")),
    };
    Ok(Target { module, reconnect: None })
}

/// Where the flow may redirect, for the pages' CSP `form-action`.
pub fn redirect_origin(session: &LinkSessionRow) -> Option<String> {
    url::Url::parse(&session.redirect_uri).ok().map(|u| u.origin().ascii_serialization())
}

/// The scheme `target` signs in with: a reconnect keeps its connection's, else the first.
fn scheme(target: &Target) -> Option<AuthScheme> {
    let settings: BTreeMap<String, String> =
        target.reconnect.as_ref().and_then(|c| serde_json::from_str(&c.settings_json).ok()).unwrap_or_default();
    chosen_scheme(&target.module.info().auth, &settings).ok()
}

/// Whether the customer signs in at the system (OAuth authorization code) instead of typing
/// credentials.
pub fn uses_authorization_code(target: &Target) -> bool {
    matches!(scheme(target), Some(AuthScheme::Oauth2AuthorizationCode(_)))
}

/// The origin of the system's sign-in page, when the form page can know it (the connector's
/// authorize URL against the connection's or the default base URL): the page's CSP
/// `form-action` lets the POST redirect there. Otherwise the POST answers with a link.
pub fn sign_in_origin(target: &Target) -> Option<String> {
    let Some(AuthScheme::Oauth2AuthorizationCode(c)) = scheme(target) else { return None };
    let base_url = target.reconnect.as_ref().map(|c| c.base_url.clone()).or_else(|| target.module.info().default_base_url.clone())?;
    let base = url::Url::parse(&format!("{}/", base_url.trim_end_matches('/'))).ok()?;
    base.join(c.authorize_url.as_deref()?).ok().map(|u| u.origin().ascii_serialization())
}

/// Renders a target's form. `action`/`back` are relative to the page's URL.
pub struct Render<'a> {
    pub secret: &'a str,
    pub action: &'a str,
    pub back: Option<&'a str>,
    pub base_url: Option<&'a str>,
    pub kept: &'a BTreeMap<String, String>,
    pub error: Option<&'a PlainError>,
}

pub fn render(status: StatusCode, session: &LinkSessionRow, target: &Target, r: Render<'_>) -> Response {
    let info = target.module.info();
    let base_url = r
        .base_url
        .map(str::to_string)
        .or_else(|| target.reconnect.as_ref().map(|c| c.base_url.clone()))
        .or_else(|| info.default_base_url.clone())
        .unwrap_or_default();
    let account = target.reconnect.as_ref().map(|c| c.account_name.clone().or(c.account_id.clone()).unwrap_or_else(|| c.id.clone()));
    let body = form::form(&FormView {
        info,
        action: r.action,
        back: r.back,
        csrf: &secret::form_token(r.secret),
        base_url: &base_url,
        kept: r.kept,
        error: r.error,
        reconnect_account: account.as_deref(),
        sign_in: uses_authorization_code(target),
    });
    let verb = if target.reconnect.is_some() { "Reconnect" } else { "Connect" };
    let targets: Vec<String> = [redirect_origin(session), sign_in_origin(target)].into_iter().flatten().collect();
    html::page(status, &format!("{verb} {}", info.name), &body, Some(targets.join(" ")).filter(|t| !t.is_empty()).as_deref())
}

pub async fn start(State(app): State<AppState>, Path(secret_text): Path<String>) -> Response {
    match start_page(&app, &secret_text).await {
        Ok(r) | Err(r) => r,
    }
}

async fn start_page(app: &AppState, secret_text: &str) -> PageResult<Response> {
    let session = load(app, secret_text).await?;
    let empty = BTreeMap::new();
    if session.connection_id.is_none() {
        let choices = choices(app, &session).await?;
        if choices.is_empty() {
            return Ok(html::message(StatusCode::SERVICE_UNAVAILABLE, "No system can be connected right now", &["Ask the company that sent you this link to check its set-up."]));
        }
        if choices.len() > 1 {
            let systems: Vec<(String, String)> = choices.iter().map(|m| (m.info().id.clone(), m.info().name.clone())).collect();
            return Ok(html::page(StatusCode::OK, "Connect your maintenance system", &form::picker(secret_text, &systems), None));
        }
    }
    let target = target(app, &session, None).await?;
    let action = format!("{}/{}", segment(secret_text), segment(&target.module.info().id));
    Ok(render(StatusCode::OK, &session, &target, Render { secret: secret_text, action: &action, back: None, base_url: None, kept: &empty, error: None }))
}

pub async fn connector_form(State(app): State<AppState>, Path((secret_text, connector_id)): Path<(String, String)>) -> Response {
    let page = async {
        let session = load(&app, &secret_text).await?;
        let target = target(&app, &session, Some(&connector_id)).await?;
        let back = back_link(&app, &session, &secret_text).await;
        let action = segment(&connector_id);
        let empty = BTreeMap::new();
        Ok::<_, Response>(render(StatusCode::OK, &session, &target, Render { secret: &secret_text, action: &action, back: back.as_deref(), base_url: None, kept: &empty, error: None }))
    };
    match page.await {
        Ok(r) | Err(r) => r,
    }
}

/// From `/connect/{secret}/{connector}` back to the picker, when there is one.
pub async fn back_link(app: &AppState, session: &LinkSessionRow, secret_text: &str) -> Option<String> {
    let several = session.connection_id.is_none() && choices(app, session).await.is_ok_and(|c| c.len() > 1);
    several.then(|| format!("../{}", segment(secret_text)))
}
