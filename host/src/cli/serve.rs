//! `millwright serve`: the API server.

use anyhow::{Context, Result};
use clap::Args;

use super::settings::HostSettings;
use crate::app::AppState;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MILLWRIGHT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub host: HostSettings,
}

pub async fn run(args: ServeArgs) -> Result<()> {
    let master_key = args.host.master_key()?;
    let app = AppState::start(args.host.app_options(master_key)).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "millwright is serving");
    serve(listener, app).await
}

/// Serves the API until SIGINT/SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, app: AppState) -> Result<()> {
    axum::serve(listener, crate::api::router(app)).with_graceful_shutdown(shutdown_signal()).await?;
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
