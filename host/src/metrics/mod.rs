//! `/metrics`: Prometheus (OpenMetrics text) for operators.
//!
//! Lifecycle: one [`Metrics`] built at start-up (it registers the runtime's per-connector
//! families and the compile-cache counts); the [`track`] middleware records every request; a
//! scrape refreshes the gauges read from the database (connections by status, webhook
//! deliveries by status, so every replica reports the same backlog) and encodes.
//!
//! Labels are bounded by construction: route templates (never raw paths), methods, status
//! codes, problem codes, connector ids, operation and outcome names. No connection or record
//! ids, no URLs, no secrets.

mod http;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub use self::http::{ProblemCode, track};
use crate::api::error::ApiError;
use crate::app::AppState;
use crate::runtime::Runtime;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    http: http::HttpMetrics,
    connections: Family<StatusLabels, Gauge>,
    deliveries: Family<StatusLabels, Gauge>,
}

impl Metrics {
    pub fn new(runtime: Arc<Runtime>) -> Metrics {
        let mut registry = Registry::default();
        let http = http::HttpMetrics::default();
        http.register(&mut registry);
        runtime.counters.register(&mut registry);
        registry.register_collector(Box::new(CompileCacheCollector(runtime)));
        let connections = Family::<StatusLabels, Gauge>::default();
        registry.register("millwright_connections", "Connections by status", connections.clone());
        let deliveries = Family::<StatusLabels, Gauge>::default();
        registry.register("millwright_webhook_deliveries", "Webhook deliveries pending (the backlog) or failed (kept for a manual retry)", deliveries.clone());
        Metrics { registry: Mutex::new(registry), http, connections, deliveries }
    }

    /// The whole exposition, after refreshing what lives in the database.
    async fn render(&self, app: &AppState) -> Result<String, ApiError> {
        refresh(&self.connections, app.store.connection_status_counts().await?);
        refresh(&self.deliveries, app.store.webhook_delivery_counts().await?);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry.lock().unwrap()).map_err(|e| ApiError::internal(format!("metrics encoding failed: {e}")))?;
        Ok(text)
    }
}

/// Replaces a gauge family's values with counts read from the database.
fn refresh(family: &Family<StatusLabels, Gauge>, counts: Vec<(String, i64)>) {
    family.clear();
    for (status, n) in counts {
        family.get_or_create(&StatusLabels { status }).set(n);
    }
}

/// `GET /metrics`.
pub async fn scrape(State(app): State<AppState>) -> Result<Response, ApiError> {
    let text = app.metrics.render(&app).await?;
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    Ok(response)
}

/// The compile cache's counts, read on each scrape.
struct CompileCacheCollector(Arc<Runtime>);

impl std::fmt::Debug for CompileCacheCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompileCacheCollector")
    }
}

impl Collector for CompileCacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let (compiled, hits) = self.0.compile_counts();
        for (name, help, value) in [
            ("millwright_compile_cache_misses", "Modules compiled (no usable cached artifact)", compiled),
            ("millwright_compile_cache_hits", "Modules loaded from the compiled-artifact cache", hits),
        ] {
            let counter = ConstCounter::new(value);
            let metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
            counter.encode(metric)?;
        }
        Ok(())
    }
}
