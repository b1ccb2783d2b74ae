//! `/_sandbox/oauth/...`: the authorization server's run-time controls over HTTP, for tests
//! that drive the real binary (the same as the `Sandbox::*oauth*` methods). Like every
//! control request these pass no fault layer and are not counted.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::state::OAuthState;

pub fn router(state: Arc<OAuthState>) -> Router {
    Router::new()
        .route("/stats", get(stats))
        .route("/clients/{client_id}/revoke", post(revoke))
        .route("/ttl", put(set_ttl))
        .with_state(state)
}

/// `{"token_requests", "token_requests_by_grant_type", "active_access_tokens", "token_ttl_ms"}`.
async fn stats(State(s): State<Arc<OAuthState>>) -> Json<Value> {
    Json(json!({
        "token_requests": s.token_requests(),
        "token_requests_by_grant_type": s.token_requests_by_grant_type(),
        "active_access_tokens": s.grants().active_access_tokens(),
        "token_ttl_ms": u64::try_from(s.ttl().as_millis()).unwrap_or(u64::MAX),
    }))
}

async fn revoke(State(s): State<Arc<OAuthState>>, Path(client_id): Path<String>) -> Json<Value> {
    s.revoke_client(&client_id);
    Json(json!({"revoked": client_id}))
}

/// Body `{"ttl_ms": 1000}`: the lifetime of access tokens issued from now on.
async fn set_ttl(State(s): State<Arc<OAuthState>>, body: axum::body::Bytes) -> impl IntoResponse {
    match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["ttl_ms"].as_u64())
    {
        Some(ms) => {
            s.set_ttl(Duration::from_millis(ms));
            (StatusCode::OK, Json(json!({"ttl_ms": ms})))
        }
        None => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "expected {\"ttl_ms\": <integer>}"})),
        ),
    }
}
