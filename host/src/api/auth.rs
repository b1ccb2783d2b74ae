//! The connection-token extractor: `Authorization: Bearer mw_…` selects the connection.
//!
//! Read on every request together with the connection's `config_version`, so a revocation or a
//! configuration change is seen by every replica on the next request.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::app::AppState;
use crate::connections::LiveConnection;
use crate::tokens;

pub struct ConnectionAuth(pub Arc<LiveConnection>);

/// The bearer token of a request; `what` names the expected token in the error.
pub fn bearer<'a>(parts: &'a Parts, what: &str) -> Result<&'a str, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized(format!("missing `Authorization: Bearer <{what}>` header")))?;
    header
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| ApiError::unauthorized(format!("the Authorization header must be `Bearer <{what}>`")))
}

impl FromRequestParts<AppState> for ConnectionAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts, "connection token")?;
        if !tokens::well_formed(token) {
            return Err(ApiError::unauthorized("unknown connection token"));
        }
        let found = app
            .store
            .lookup_token(&tokens::hash(token))
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown connection token"))?;
        if found.revoked_at.is_some() {
            return Err(ApiError::unauthorized("this connection token has been revoked"));
        }
        if let Some(expiry) = &found.expires_at
            && *expiry <= crate::store::now()
        {
            return Err(ApiError::unauthorized("this connection token has expired"));
        }
        let live = app.connections.live(&found.connection_id, found.config_version).await?;
        app.token_use.record(&app.store, &found.token_id);
        if live.environment != found.token_environment {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                format!("a {} token cannot reach a {} connection", found.token_environment, live.environment),
            ));
        }
        tracing::Span::current().record("connection_id", live.id.as_str()).record("connector", live.module.info().id.as_str());
        Ok(ConnectionAuth(live))
    }
}

impl ConnectionAuth {
    /// Data routes refuse connections whose credentials are known bad or that are disabled,
    /// without calling the system.
    pub fn usable(&self) -> Result<&LiveConnection, ApiError> {
        usable(&self.0)
    }
}

/// A connection the system may be called for: not `reauth_required`, not `disabled`.
pub fn usable(live: &LiveConnection) -> Result<&LiveConnection, ApiError> {
    match live.status.as_str() {
        "reauth_required" => Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "connection_reauth_required",
            format!("connection {} needs to be re-authorized; create a relink session to reconnect it", live.id),
        )
        .with("connection_id", live.id.as_str())),
        "disabled" => Err(ApiError::new(axum::http::StatusCode::CONFLICT, "connection_disabled", format!("connection {} is disabled", live.id))),
        _ => Ok(live),
    }
}

impl aide::OperationInput for ConnectionAuth {
    fn operation_input(_: &mut aide::generate::GenContext, op: &mut aide::openapi::Operation) {
        crate::openapi::ops::require_scheme(op, crate::openapi::CONNECTION_TOKEN);
    }
}
