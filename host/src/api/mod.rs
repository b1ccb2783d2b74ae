//! The HTTP API (axum): unified routes, passthrough, connection status, health.
//!
//! Every error is problem+json ([`error::ApiError`]); every response carries `x-request-id`.

pub mod auth;
pub mod connection;
pub mod cursor;
pub mod error;
pub mod json_body;
pub mod list_params;
pub mod passthrough;
pub mod query;
pub mod rate_limit;
pub mod records;
pub mod request_id;
pub mod token_use;
pub mod unified;
pub mod unified_docs;

use axum::extract::State;
use axum::http::StatusCode;
use aide::axum::routing::{get_with, post_with};
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use self::error::ApiError;
use crate::app::AppState;
use crate::openapi::{ApiRouter, ops};

/// Largest JSON request body the API reads.
pub const MAX_BODY_BYTES: usize = 1 << 20;

pub fn router(app: AppState) -> Router {
    let documented = crate::openapi::document(|| {
        let json_limited = ApiRouter::new()
            .merge(unified::routes())
            .merge(crate::admin::routes())
            .merge(crate::connect::routes())
            .merge(crate::oauth::routes())
            .api_route("/v1/passthrough", post_with(passthrough::passthrough, passthrough::docs))
            .api_route("/v1/connection", get_with(connection::connection, connection::docs))
            .api_route("/healthz", get_with(healthz, |op| {
                let schema = json!({ "type": "object", "required": ["status"], "properties": { "status": { "const": "ok" } } });
                ops::json_response(op.id("healthz").tag("meta").summary("Liveness"), 200, "The process is serving", schema)
            }))
            .api_route("/readyz", get_with(readyz, |op| {
                let schema = json!({ "type": "object", "required": ["status", "connectors"], "properties": {
                    "status": { "const": "ready" }, "connectors": { "type": "array", "items": { "type": "string" } } } });
                ops::json_response(op.id("readyz").tag("meta").summary("Readiness: the store answers"), 200, "Ready to serve", schema)
            }))
            .api_route("/metrics", get_with(crate::metrics::scrape, |op| {
                op.id("metrics").tag("meta").summary("Prometheus metrics (text exposition format)").response_with::<200, String, _>(|r| r.description("`text/plain; version=0.0.4`"))
            }))
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
        // Module uploads apply the registry's size limit themselves.
        ApiRouter::new().merge(json_limited).merge(crate::admin::upload_routes())
    });
    documented
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, app.request_timeout))
        .layer(axum::middleware::from_fn_with_state(app.clone(), rate_limit::layer))
        .layer(axum::middleware::map_response(problem_for_layer_errors))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(app.clone(), crate::metrics::track))
        .layer(axum::middleware::from_fn(request_id::layer))
        .with_state(app)
}

/// Layers answer some errors themselves in plain text (tower-http's body limit); restate those
/// as problem+json so clients see one error format.
async fn problem_for_layer_errors(response: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the request body is larger than {MAX_BODY_BYTES} bytes"))
            .into_response();
    }
    // tower-http's timeout answers with an empty body.
    if response.status() == StatusCode::GATEWAY_TIMEOUT && !is_problem {
        return ApiError::new(StatusCode::GATEWAY_TIMEOUT, "upstream_timeout", "the request did not complete within the host's request timeout")
            .into_response();
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not accept that method")
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(app): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    app.store.ping().await?;
    Ok(Json(json!({ "status": "ready", "connectors": app.registry.connector_ids() })))
}
