//! `GET /connect/oauth/callback?code&state` (or `?error&state`): the system's authorization
//! server sends the customer back here. The state is claimed once (10 minutes), its link
//! session must still be pending, the code is exchanged (with the PKCE verifier), and the grant
//! becomes the new connection's credentials (or the reconnected one's), checked live with
//! `check` like a form; then the session completes as after a form (`complete.rs`).

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::authorize::{STATE_PREFIX, client_config};
use super::complete::{self, Finished};
use super::pages::{self, PageResult, internal_error};
use super::submit::session_networks;
use super::{html, plain, secret};
use crate::app::AppState;
use crate::connections::CreateConnection;
use crate::connections::reconnect::ReconnectConnection;
use crate::oauth::authorize::exchange_code;
use crate::runtime::ConnectionSpec;
use crate::store::new_id;

pub async fn callback(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    match handle(&app, &params).await {
        Ok(r) | Err(r) => r,
    }
}

fn expired() -> Response {
    html::message(StatusCode::BAD_REQUEST, "This sign-in has expired", &["It was already used or is more than 10 minutes old. Open the link you were sent again to start over."])
}

async fn handle(app: &AppState, params: &BTreeMap<String, String>) -> PageResult<Response> {
    let state = params.get("state").filter(|s| secret::well_formed(STATE_PREFIX, s)).ok_or_else(expired)?;
    let pending = app.store.claim_oauth_authorization(&secret::hash(state), &app.clock.now_text()).await.map_err(internal_error)?.ok_or_else(expired)?;
    let session = app.store.link_session(&pending.link_session_id).await.map_err(internal_error)?.ok_or_else(html::unknown_link)?;
    match session.effective_status() {
        "completed" => return Err(html::used_link()),
        "expired" => return Err(html::expired_link()),
        _ => {}
    }
    let target = pages::target(app, &session, Some(&pending.connector_id)).await?;
    let info = target.module.info();
    if let Some(error) = params.get("error") {
        let why = params.get("error_description").cloned().unwrap_or_else(|| error.replace('_', " "));
        return Err(html::message(
            StatusCode::FORBIDDEN,
            &format!("{} did not grant access", info.name),
            &[&format!("{} answered: {why}.", info.name), "Open the link you were sent again to try once more."],
        ));
    }
    let code = params.get("code").filter(|c| !c.is_empty()).ok_or_else(expired)?;
    let settings: BTreeMap<String, String> = serde_json::from_str(&pending.settings_json).map_err(internal_error)?;
    let failed = |e: &crate::api::error::ApiError| {
        html::message(StatusCode::UNPROCESSABLE_ENTITY, &format!("{} could not be connected", info.name), &[&plain::explain(e, info, &[]).message, "Open the link you were sent again to try once more."])
    };
    let config = client_config(app, &target, &pending.base_url, &settings).await.map_err(|e| failed(&e))?;
    let (approved_hosts, private_networks): (Vec<String>, _) = match &target.reconnect {
        Some(row) => (serde_json::from_str(&row.approved_hosts_json).unwrap_or_default(), crate::connections::stored_networks(row).map_err(|e| failed(&e))?),
        None => (serde_json::from_str(&session.approved_hosts_json).unwrap_or_default(), session_networks(&session)),
    };
    let spec = ConnectionSpec {
        connection_id: new_id("oauth"),
        base_url: pending.base_url.clone(),
        settings: settings.clone(),
        credentials: BTreeMap::new(),
        approved_hosts: approved_hosts.clone(),
        private_networks: private_networks.clone(),
    };
    let http = app.runtime.upstream_client(&spec).map_err(internal_error)?;
    let timeout = app.runtime.limits().outbound.total_timeout;
    let grant = exchange_code(&http, &config, code, &pending.redirect_uri, &pending.code_verifier, &app.clock, timeout).await.map_err(|e| {
        html::message(StatusCode::BAD_GATEWAY, &format!("{} did not accept the sign-in", info.name), &[&format!("{e}."), "Open the link you were sent again to try once more."])
    })?;
    let finished = match &target.reconnect {
        Some(existing) => {
            let request = ReconnectConnection { connection_id: existing.id.clone(), base_url: Some(pending.base_url.clone()), values: settings };
            let replace = app.connections.check_reconnect_with(&request, grant.to_credentials()).await.map_err(|e| failed(&e))?;
            complete::reconnect(app, &session, existing, &replace).await?
        }
        None => {
            let request = CreateConnection {
                connector_id: info.id.clone(),
                base_url: Some(pending.base_url.clone()),
                environment: session.environment.clone(),
                end_customer_id: Some(session.end_customer_id.clone()),
                values: settings,
                private_networks,
                approved_hosts,
            };
            let (row, _unshown) = app.connections.create_with(request, grant.to_credentials()).await.map_err(|e| failed(&e))?;
            complete::new_connection(app, &session, &row).await?
        }
    };
    match finished {
        Finished::Redirect(r) => Ok(r),
        Finished::SessionGone => Err(html::used_link()),
        Finished::CredentialsChanged => Err(failed(&crate::connections::reconnect::changed_meanwhile())),
    }
}
