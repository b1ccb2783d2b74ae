//! `POST /v1/link/token` (admin token): the operator's backend trades the one-time `code` from
//! the redirect for the connection id and, for a new connection or a reconnect with
//! `rotate_tokens`, a new token (every older token of the connection is revoked in the same
//! transaction). A code works once, for 10 minutes; an unknown, expired or used code is a 400
//! `invalid_request` and changes nothing.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::secret;
use crate::admin::auth::AdminAuth;
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::app::AppState;
use crate::store::{NewToken, new_id};

const INVALID_CODE: &str = "the code is unknown, expired or already used; codes work once, within 10 minutes";

pub async fn exchange(State(app): State<AppState>, auth: AdminAuth, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    if let Some(unknown) = body.keys().find(|k| *k != "code") {
        return Err(ApiError::validation_failed(Some(unknown), format!("unknown field `{unknown}`; accepted: code")));
    }
    let code = match body.get("code") {
        Some(Value::String(c)) => c,
        Some(_) => return Err(ApiError::validation_failed(Some("code"), "`code` must be a string")),
        None => return Err(ApiError::validation_failed(Some("code"), "`code` is required")),
    };
    if !secret::well_formed(secret::CODE_PREFIX, code) {
        return Err(ApiError::invalid_request(INVALID_CODE));
    }
    let session = app.store.claim_link_code(&secret::hash(code), &app.clock.now_text()).await?.ok_or_else(|| ApiError::invalid_request(INVALID_CODE))?;
    let connection_id = session.result_connection_id.clone().ok_or_else(|| ApiError::internal("a completed link session without a connection"))?;
    let connection = app.store.connection(&connection_id).await?.ok_or_else(|| ApiError::internal("connection vanished"))?;
    if connection.status == "disconnected" {
        return Err(ApiError::new(StatusCode::CONFLICT, "connection_disabled", format!("connection {connection_id} was disconnected after it was linked")));
    }
    let token = if session.mint_token {
        let token = crate::tokens::mint(&connection.environment);
        app.store
            .replace_connection_tokens(&NewToken {
                id: new_id("tok"),
                connection_id: connection_id.clone(),
                token_hash: token.hash.clone(),
                prefix: token.prefix.clone(),
                environment: connection.environment.clone(),
                expires_at: None,
            })
            .await?;
        Some(token)
    } else {
        None
    };
    let details = json!({
        "connection_id": connection_id,
        "reconnect": session.connection_id.is_some(),
        "token_prefix": token.as_ref().map(|t| t.prefix.clone()),
        "tokens_rotated": session.connection_id.is_some() && session.mint_token,
    });
    app.store.audit(&auth.actor, "link_session.exchange", Some(&session.id), &details).await?;
    Ok(Json(json!({
        "connection_id": connection_id,
        "token": token.map(|t| t.plaintext),
        "end_customer_id": session.end_customer_id,
        "connector_id": connection.connector_id,
        "environment": connection.environment,
        "link_session_id": session.id,
        "reconnect": session.connection_id.is_some(),
        "account": { "id": connection.account_id, "name": connection.account_name },
    })))
}
