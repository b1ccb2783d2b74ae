//! `millwright serve`: the API server.

use anyhow::{Context, Result};
use clap::Args;

use super::background::BackgroundSettings;
use super::settings::HostSettings;
use crate::app::AppState;
use crate::background::Background;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MILLWRIGHT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub host: HostSettings,
    #[command(flatten)]
    pub background: BackgroundSettings,
    #[command(flatten)]
    pub shutdown: ShutdownArgs,
}

/// How long a stopping server lets in-flight requests finish (SIGTERM or Ctrl-C).
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct ShutdownArgs {
    /// Seconds in-flight requests get to finish after SIGTERM before the process exits.
    #[arg(long = "shutdown-grace", env = "MILLWRIGHT_SHUTDOWN_GRACE", default_value_t = 30)]
    pub grace_secs: u64,
}

pub async fn run(args: ServeArgs) -> Result<()> {
    let master_key = args.host.master_key()?;
    let mut options = args.host.app_options(master_key);
    args.background.apply(&mut options);
    let app = AppState::start(options).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "millwright is serving");
    serve(listener, app, args.shutdown).await
}

/// Serves the API and runs the background work (health monitor, webhook dispatcher, retention)
/// until SIGINT/SIGTERM; then stops accepting connections and lets in-flight requests and webhook
/// attempts finish for at most the grace period.
pub async fn serve(listener: tokio::net::TcpListener, app: AppState, shutdown: ShutdownArgs) -> Result<()> {
    let background = Background::start(&app);
    let grace = std::time::Duration::from_secs(shutdown.grace_secs);
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, crate::api::router(app)).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!(grace_secs = shutdown.grace_secs, "stopping: no new connections; finishing in-flight requests");
        let _ = stopping.send(true);
    });
    let grace_over = async move {
        let _ = stopped.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server => served?,
        _ = grace_over => tracing::warn!("the grace period ended with requests still in flight; exiting"),
    }
    if tokio::time::timeout(grace, background.stop()).await.is_err() {
        tracing::warn!("background work did not stop within the grace period; exiting");
    }
    tracing::info!("stopped");
    Ok(())
}

pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
