//! Requests by route, method, status and problem code, and their latency by route.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::app::AppState;

/// The problem `code` of an error response (set by `ApiError`), for the metrics.
#[derive(Clone, Copy, Debug)]
pub struct ProblemCode(pub &'static str);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

pub(super) struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics { requests: Family::default(), seconds: Family::new_with_constructor(latency_histogram) }
    }
}

impl HttpMetrics {
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register("millwright_http_requests", "API requests by route, method, status and problem code", self.requests.clone());
        registry.register("millwright_http_request_seconds", "API request latency by route", self.seconds.clone());
    }
}

/// Middleware: counts and times every request under its route template (`unmatched` for paths
/// no route has: the raw path is never a label).
pub async fn track(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = match *request.method() {
        axum::http::Method::GET | axum::http::Method::POST | axum::http::Method::PUT | axum::http::Method::PATCH | axum::http::Method::DELETE | axum::http::Method::HEAD | axum::http::Method::OPTIONS => {
            request.method().as_str().to_string()
        }
        _ => "other".to_string(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let code = response.extensions().get::<ProblemCode>().map_or("", |c| c.0).to_string();
    let http = &app.metrics.http;
    http.seconds.get_or_create(&RouteLabels { route: route.clone(), method: method.clone() }).observe(started.elapsed().as_secs_f64());
    http.requests.get_or_create(&RequestLabels { route, method, status: response.status().as_u16(), code }).inc();
    response
}
