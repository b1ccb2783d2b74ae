//! OTLP/HTTP trace export (`--features otlp`): the request, `wasm_call` and `upstream_request`
//! spans, batched, as protobuf to `<endpoint>/v1/traces`, sent with the host's own hyper client
//! and policy connector (TLS for https collectors; no second HTTP client in the host).

use std::time::Duration;

use bytes::Bytes;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::Layer;

use super::BoxedLayer;
use crate::runtime::outbound::client::PolicyConnector;
use crate::runtime::outbound::egress::EgressPolicy;

/// How long one export may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Exporter {
    provider: SdkTracerProvider,
}

impl Exporter {
    /// Flushes what is batched and stops the export thread.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("warning: flushing traces to the OTLP collector failed: {e}");
        }
    }
}

pub fn layer(endpoint: &str) -> anyhow::Result<(BoxedLayer, Exporter)> {
    let url = url::Url::parse(endpoint).map_err(|e| anyhow::anyhow!("invalid `otlp_endpoint` ({endpoint}): {e}"))?;
    anyhow::ensure!(matches!(url.scheme(), "http" | "https"), "invalid `otlp_endpoint` ({endpoint}): use http:// or https://");
    let traces = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let client = OnRuntime { handle: tokio::runtime::Handle::current(), inner: collector_client() };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_http_client(client)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces)
        .with_timeout(EXPORT_TIMEOUT)
        .build()
        .map_err(|e| anyhow::anyhow!("invalid `otlp_endpoint` ({endpoint}): {e}"))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name("millwright").build())
        .build();
    let tracer = provider.tracer("millwright");
    let layer = tracing_opentelemetry::layer().with_tracer(tracer).boxed();
    Ok((layer, Exporter { provider }))
}

/// The collector is the operator's own service, often on a private network: no private-address
/// refusal, unlike connector egress.
fn collector_client() -> opentelemetry_http::hyper::HyperClient<PolicyConnector> {
    let connector = PolicyConnector::new(EgressPolicy::any_address(), Duration::from_secs(5));
    opentelemetry_http::hyper::HyperClient::new(connector, EXPORT_TIMEOUT, None)
}

/// The SDK's batch processor exports from its own thread; the hyper client needs the tokio
/// runtime, so each export is spawned onto it and awaited from there.
#[derive(Debug)]
struct OnRuntime<C> {
    handle: tokio::runtime::Handle,
    inner: C,
}

#[async_trait::async_trait]
impl<C: HttpClient + Clone + 'static> HttpClient for OnRuntime<C> {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let inner = self.inner.clone();
        self.handle.spawn(async move { inner.send_bytes(request).await }).await?
    }
}
