//! `POST /connect/{secret}/{connector_id}` (application/x-www-form-urlencoded): CSRF check, the
//! connector's fields only (anything else, such as a `redirect_uri` field, is ignored), the
//! credentials checked live through `check`, then the session completed (`complete.rs`). A
//! connector signed in with OAuth authorization code is sent to the system's sign-in instead
//! (`authorize.rs`), and its callback completes the session.
//!
//! On failure the form comes back with status 422, the error in plain words, secret inputs
//! empty and non-secret inputs kept; nothing is stored.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::complete::{self, Finished};
use super::form::{BASE_URL_FIELD, CSRF_FIELD, PlainError, segment};
use super::pages::{self, PageResult, Render, Target};
use super::{authorize, csrf, html, plain, public_origin};
use crate::app::AppState;
use crate::connections::CreateConnection;
use crate::connections::reconnect::{ReconnectConnection, changed_meanwhile};
use crate::store::LinkSessionRow;

pub async fn submit(State(app): State<AppState>, Path((secret_text, connector_id)): Path<(String, String)>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&app, &secret_text, &connector_id, &headers, &body).await {
        Ok(r) | Err(r) => r,
    }
}

/// The submitted form: connector fields by name, the host's fields, and the non-secret values
/// to show again.
struct Submitted {
    values: BTreeMap<String, String>,
    kept: BTreeMap<String, String>,
    base_url: Option<String>,
    secrets: Vec<String>,
}

fn read_form(target: &Target, pairs: &BTreeMap<String, String>) -> Submitted {
    let mut s = Submitted { values: BTreeMap::new(), kept: BTreeMap::new(), base_url: None, secrets: Vec::new() };
    for f in &target.module.info().form {
        let Some(raw) = pairs.get(&f.name) else { continue };
        // Secrets as typed (a password may end in a space), minus a pasted line break.
        let value = if f.secret { raw.trim_end_matches(['\r', '\n']).to_string() } else { raw.trim().to_string() };
        if value.is_empty() {
            continue;
        }
        if f.secret {
            s.secrets.push(value.clone());
        } else {
            s.kept.insert(f.name.clone(), value.clone());
        }
        s.values.insert(f.name.clone(), value);
    }
    s.base_url = pairs.get(BASE_URL_FIELD).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    s
}

async fn handle(app: &AppState, secret_text: &str, connector_id: &str, headers: &HeaderMap, body: &[u8]) -> PageResult<Response> {
    let session = pages::load(app, secret_text).await?;
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(html::message(StatusCode::UNSUPPORTED_MEDIA_TYPE, "This form could not be read", &["Submit the form from the connect page."]));
    }
    let mut pairs = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        pairs.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    csrf::verify(headers, public_origin(app).as_deref(), pairs.get(CSRF_FIELD).map(String::as_str), secret_text)
        .map_err(|m| html::message(StatusCode::FORBIDDEN, "This form could not be verified", &[m]))?;
    let target = pages::target(app, &session, Some(connector_id)).await?;
    let form = read_form(&target, &pairs);
    let back = pages::back_link(app, &session, secret_text).await;
    let failed = |status: StatusCode, error: PlainError| {
        let action = segment(connector_id);
        let render = Render { secret: secret_text, action: &action, back: back.as_deref(), base_url: form.base_url.as_deref(), kept: &form.kept, error: Some(&error) };
        pages::render(status, &session, &target, render)
    };
    let secrets: Vec<&str> = form.secrets.iter().map(String::as_str).collect();
    let info = target.module.info();

    if pages::uses_authorization_code(&target) {
        // The customer signs in at the system; the callback finishes the session.
        return match authorize::start(app, &session, &target, form.base_url.clone(), &form.values).await {
            Ok(redirect) => Ok(redirect),
            Err(e) => Ok(failed(StatusCode::UNPROCESSABLE_ENTITY, plain::explain(&e, info, &secrets))),
        };
    }
    let finished = if let Some(existing) = &target.reconnect {
        let request = ReconnectConnection { connection_id: existing.id.clone(), base_url: form.base_url.clone(), values: form.values.clone() };
        let replace = match app.connections.check_reconnect(&request).await {
            Ok(r) => r,
            Err(e) => return Ok(failed(StatusCode::UNPROCESSABLE_ENTITY, plain::explain(&e, info, &secrets))),
        };
        complete::reconnect(app, &session, existing, &replace).await?
    } else {
        let request = CreateConnection {
            connector_id: info.id.clone(),
            base_url: form.base_url.clone(),
            environment: session.environment.clone(),
            end_customer_id: Some(session.end_customer_id.clone()),
            values: form.values.clone(),
            private_networks: session_networks(&session),
            approved_hosts: serde_json::from_str(&session.approved_hosts_json).unwrap_or_default(),
        };
        let (row, _unshown) = match app.connections.create(request).await {
            Ok(created) => created,
            Err(e) => return Ok(failed(StatusCode::UNPROCESSABLE_ENTITY, plain::explain(&e, info, &secrets))),
        };
        complete::new_connection(app, &session, &row).await?
    };
    match finished {
        Finished::Redirect(r) => Ok(r),
        Finished::SessionGone => Err(gone(app, secret_text).await),
        Finished::CredentialsChanged => Ok(failed(StatusCode::CONFLICT, plain::explain(&changed_meanwhile(), info, &secrets))),
    }
}

/// The private networks (CIDRs or host names) the operator allowed on the session.
pub fn session_networks(session: &LinkSessionRow) -> Vec<crate::runtime::outbound::egress::PrivateTarget> {
    serde_json::from_str::<Vec<String>>(&session.private_networks_json).unwrap_or_default().iter().filter_map(|n| n.parse().ok()).collect()
}

/// The page for a session that stopped being pending while this submission ran.
async fn gone(app: &AppState, secret_text: &str) -> Response {
    match pages::load(app, secret_text).await {
        Err(page) => page,
        Ok(_) => html::used_link(),
    }
}
