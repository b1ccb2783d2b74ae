//! Logs and traces. Init once, at start, from the global settings ([`TelemetryArgs`]):
//! `RUST_LOG`-style filtering (`MILLWRIGHT_LOG`), text or JSON lines on stderr
//! (`MILLWRIGHT_LOG_FORMAT=json`), and — in builds with the `otlp` feature — the same spans
//! exported over OTLP/HTTP to `MILLWRIGHT_OTLP_ENDPOINT` (`otlp.rs`).

#[cfg(feature = "otlp")]
mod otlp;

use clap::{Args, ValueEnum};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

const DEFAULT_FILTER: &str = "info,sqlx=warn,wasmtime=warn,cranelift=warn";

#[derive(Args, Clone, Debug, Default)]
pub struct TelemetryArgs {
    /// Log filter, `RUST_LOG` syntax (e.g. `info,millwright=debug`).
    #[arg(long = "log", global = true, env = "MILLWRIGHT_LOG", value_name = "FILTER")]
    pub filter: Option<String>,
    /// Log line format on stderr.
    #[arg(long, global = true, env = "MILLWRIGHT_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Export traces over OTLP/HTTP (protobuf) to this collector, e.g. `http://127.0.0.1:4318`
    /// (spans are posted to `<endpoint>/v1/traces`). Needs a build with the `otlp` feature.
    #[arg(long, global = true, env = "MILLWRIGHT_OTLP_ENDPOINT", value_name = "URL")]
    pub otlp_endpoint: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Keeps the exporter alive; dropping it flushes the spans not yet exported.
pub struct Telemetry {
    #[cfg(feature = "otlp")]
    otlp: Option<otlp::Exporter>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(exporter) = self.otlp.take() {
            exporter.shutdown();
        }
    }
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber. Must run inside the tokio runtime (the OTLP exporter sends
/// with the host's hyper client on it). An invalid filter or endpoint is refused, naming the key.
pub fn init(args: &TelemetryArgs) -> anyhow::Result<Telemetry> {
    let filter = match &args.filter {
        Some(f) => EnvFilter::try_new(f).map_err(|e| anyhow::anyhow!("invalid `log` (MILLWRIGHT_LOG): {e}"))?,
        None => EnvFilter::new(DEFAULT_FILTER),
    };
    use std::io::IsTerminal;
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
    let fmt: BoxedLayer = match args.log_format {
        Some(LogFormat::Json) => fmt.json().boxed(),
        _ => fmt.boxed(),
    };
    #[cfg_attr(not(feature = "otlp"), allow(unused_mut))]
    let mut layers: Vec<BoxedLayer> = vec![fmt];
    #[cfg(feature = "otlp")]
    let mut telemetry = Telemetry { otlp: None };
    #[cfg(not(feature = "otlp"))]
    let telemetry = Telemetry {};
    if let Some(endpoint) = &args.otlp_endpoint {
        #[cfg(feature = "otlp")]
        {
            let (layer, exporter) = otlp::layer(endpoint)?;
            layers.push(layer);
            telemetry.otlp = Some(exporter);
        }
        #[cfg(not(feature = "otlp"))]
        anyhow::bail!("invalid `otlp_endpoint` (MILLWRIGHT_OTLP_ENDPOINT={endpoint}): this build has no OTLP exporter (build with `--features otlp`)");
    }
    tracing_subscriber::registry().with(layers.with_filter(filter)).try_init().map_err(|e| anyhow::anyhow!("the log subscriber is already set: {e}"))?;
    Ok(telemetry)
}
