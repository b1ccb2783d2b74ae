//! The operator's side: `POST /v1/admin/link-sessions` creates a session and returns its URL
//! (the only time the secret is shown); `GET /v1/admin/link-sessions/{id}` shows its state.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::{public_base, secret, validate};
use crate::admin::auth::AdminAuth;
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::app::AppState;
use crate::store::{LinkSessionRow, NewLinkSession, new_id};

fn at_seconds_from_now(seconds: u64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds as i64)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub async fn create(State(app): State<AppState>, auth: AdminAuth, headers: HeaderMap, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let req = validate::parse(&body)?;
    let reconnect = validate::check(&app, &req).await?;
    let secret = secret::generate(secret::SESSION_PREFIX);
    let id = new_id("lnk");
    let expires_at = at_seconds_from_now(req.expires_in);
    let session = NewLinkSession {
        id: id.clone(),
        secret_hash: secret::hash(&secret),
        end_customer_id: req.end_customer_id.clone(),
        environment: req.environment.clone(),
        redirect_uri: req.redirect_uri.to_string(),
        state: req.state.clone(),
        allowed_connectors_json: req.allowed_connectors.as_ref().map(|ids| serde_json::to_string(ids).expect("strings serialise")),
        connection_id: req.connection_id.clone(),
        rotate_tokens: req.rotate_tokens,
        approved_hosts_json: serde_json::to_string(&req.approve_hosts).expect("strings serialise"),
        private_networks_json: serde_json::to_string(&req.allow_private.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("strings serialise"),
        created_by: auth.actor.clone(),
        expires_at: expires_at.clone(),
    };
    app.store.insert_link_session(&session).await?;
    app.store
        .audit(
            &auth.actor,
            "link_session.create",
            Some(&id),
            &json!({
                "end_customer_id": req.end_customer_id,
                "environment": req.environment,
                "redirect_uri": session.redirect_uri,
                "allowed_connectors": req.allowed_connectors,
                "connection_id": req.connection_id,
                "connector_id": reconnect.as_ref().map(|c| c.connector_id.clone()),
                "rotate_tokens": req.rotate_tokens,
                "expires_at": expires_at,
            }),
        )
        .await?;
    let url = format!("{}/connect/{secret}", public_base(&app, &headers));
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "url": url,
            "expires_at": expires_at,
            "status": "pending",
            "end_customer_id": req.end_customer_id,
            "environment": req.environment,
            "connection_id": req.connection_id,
        })),
    ))
}

/// A session as the operator sees it: never the secret (not stored) nor the code.
pub fn view(s: &LinkSessionRow) -> Value {
    json!({
        "id": s.id,
        "status": s.effective_status(),
        "end_customer_id": s.end_customer_id,
        "environment": s.environment,
        "redirect_uri": s.redirect_uri,
        "allowed_connectors": s.allowed_connectors(),
        "connection_id": s.result_connection_id.as_ref().or(s.connection_id.as_ref()),
        "reconnect": s.connection_id.is_some(),
        "rotate_tokens": s.rotate_tokens,
        "created_by": s.created_by,
        "created_at": s.created_at,
        "expires_at": s.expires_at,
        "completed_at": s.completed_at,
        "code_exchanged": s.code_used_at.is_some(),
    })
}

pub async fn get(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let session = app.store.link_session(&id).await?.ok_or_else(|| ApiError::not_found(format!("no link session {id}")))?;
    Ok(Json(view(&session)))
}
