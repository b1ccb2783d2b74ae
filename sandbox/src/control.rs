//! `/_sandbox/...`: run-time control of a running sandbox over HTTP, for the `millwright
//! sandbox` command and for tests that drive the real binary. These requests are not vendor
//! requests: they pass no fault layer and are not counted.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::faults::{FaultConfig, FaultState};

pub fn router(faults: Arc<FaultState>) -> Router {
    Router::new()
        .route("/faults", get(get_faults).put(put_faults))
        .route("/keys/{key}/revoke", post(revoke))
        .route("/keys/{key}/forbid", post(forbid))
        .route("/stats", get(stats))
        .route("/healthz", get(healthz))
        .with_state(faults)
}

async fn get_faults(State(f): State<Arc<FaultState>>) -> Json<FaultConfig> {
    Json(f.get())
}

async fn put_faults(
    State(f): State<Arc<FaultState>>,
    body: axum::body::Bytes,
) -> impl IntoResponse {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(cfg) if (0.0..=1.0).contains(&cfg.error_rate) => {
            f.set(cfg);
            (
                StatusCode::OK,
                Json(serde_json::to_value(f.get()).unwrap_or_default()),
            )
        }
        Ok(_) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "error_rate must be within 0.0..=1.0"})),
        ),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("invalid FaultConfig: {e}")})),
        ),
    }
}

async fn revoke(
    State(f): State<Arc<FaultState>>,
    Path(key): Path<String>,
) -> Json<serde_json::Value> {
    f.revoke(&key);
    Json(json!({"revoked": key}))
}

async fn forbid(
    State(f): State<Arc<FaultState>>,
    Path(key): Path<String>,
) -> Json<serde_json::Value> {
    f.forbid(&key);
    Json(json!({"forbidden": key}))
}

async fn stats(State(f): State<Arc<FaultState>>) -> Json<serde_json::Value> {
    Json(json!({"requests": f.request_count()}))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}
