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
}

pub async fn run(args: ServeArgs) -> Result<()> {
    let master_key = args.host.master_key()?;
    let mut options = args.host.app_options(master_key);
    args.background.apply(&mut options);
    let app = AppState::start(options).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "millwright is serving");
    serve(listener, app).await
}

/// Serves the API and runs the background work (health monitor, webhook dispatcher, retention)
/// until SIGINT/SIGTERM; then stops both cleanly.
pub async fn serve(listener: tokio::net::TcpListener, app: AppState) -> Result<()> {
    let background = Background::start(&app);
    let served = axum::serve(listener, crate::api::router(app)).with_graceful_shutdown(shutdown_signal()).await;
    background.stop().await;
    served?;
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
