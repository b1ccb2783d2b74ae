//! Millwright's sandbox: faithful emulators of maintenance systems' public APIs.
//!
//! It is a product feature (test mode, `millwright demo`) and what every end-to-end test runs
//! against, so each emulator follows its vendor's published API (MaintainX: its OpenAPI
//! document) rather than what our connectors happen to expect. Data is procedural: record `i`
//! is a pure function of `(seed, i)`, so a million work orders start instantly and two
//! sandboxes with the same seed answer identically. Writes live in an in-memory overlay.
//!
//! Layout: this file owns the server handle and the router composition; [`faults`] is the fault
//! and rate-limit layer every vendor shares; `control` serves `/_sandbox/...`; each vendor is a
//! sibling module mounted under its own prefix (`/maintainx/v1`); [`oauth`] is an OAuth 2.0
//! authorization server at `/oauth` whose access tokens the vendors accept like API keys.

mod control;
pub mod faults;
pub mod maintainx;
pub mod oauth;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::FaultConfig;
use faults::FaultState;
pub use oauth::OAuthClient;
use oauth::OAuthState;

/// Path prefix of the MaintainX emulator (the vendor's base URL is `.../v1`).
pub const MAINTAINX_PREFIX: &str = "/maintainx/v1";

/// What a sandbox serves: the data seed and size, the accepted keys and the initial faults.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub seed: u64,
    /// Number of generated MaintainX work orders (10 ..= 1_000_000); other entities scale from it.
    pub work_orders: u64,
    /// Single-organization MaintainX API keys.
    pub maintainx_api_keys: Vec<String>,
    /// Multi-organization keys and their organization ids; requests need `x-organization-id`.
    pub maintainx_multi_org_keys: Vec<(String, Vec<String>)>,
    pub faults: FaultConfig,
    /// Clients of the OAuth authorization server at `/oauth` (see [`OAuthClient`]).
    pub oauth_clients: Vec<OAuthClient>,
    /// Lifetime of issued access tokens (changeable with [`Sandbox::set_oauth_token_ttl`]).
    pub oauth_token_ttl: Duration,
    /// Approve authorization requests without the consent page (else per request with
    /// `auto_approve=1`).
    pub oauth_auto_approve: bool,
    /// Seed a customised plant: work orders get extra fields with the plant's own status codes
    /// (`Plant Status`: `ZR01`…) and an epoch-seconds date (`Inspected At`), as customised
    /// systems have. Off by default.
    pub plant_custom_fields: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            work_orders: 1000,
            maintainx_api_keys: vec!["mx-sandbox-key".into()],
            maintainx_multi_org_keys: Vec::new(),
            faults: FaultConfig::default(),
            oauth_clients: vec![OAuthClient::default()],
            oauth_token_ttl: Duration::from_secs(3600),
            oauth_auto_approve: false,
            plant_custom_fields: false,
        }
    }
}

/// A running sandbox server. Dropping it stops the server (gracefully); [`Sandbox::shutdown`]
/// also waits for it.
pub struct Sandbox {
    addr: SocketAddr,
    faults: Arc<FaultState>,
    oauth: Arc<OAuthState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Serves the sandbox on `listener` from a spawned task.
    pub async fn start(listener: TcpListener, config: SandboxConfig) -> anyhow::Result<Sandbox> {
        anyhow::ensure!(
            (10..=1_000_000).contains(&config.work_orders),
            "work_orders must be within 10..=1000000, got {}",
            config.work_orders
        );
        let addr = listener.local_addr()?;
        let faults = Arc::new(FaultState::new(config.faults.clone()));
        let oauth = Arc::new(OAuthState::new(&config, Some(addr))?);
        let app = router(&config, faults.clone(), oauth.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "sandbox server stopped with an error");
            }
        });
        Ok(Sandbox {
            addr,
            faults,
            oauth,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Binds `addr` (e.g. `"127.0.0.1:0"`) and serves the sandbox there.
    pub async fn bind(addr: &str, config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let listener = TcpListener::bind(addr).await?;
        Sandbox::start(listener, config).await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/maintainx/v1`: the base URL a MaintainX connection points at.
    pub fn maintainx_base_url(&self) -> String {
        format!("http://{}{}", self.addr, MAINTAINX_PREFIX)
    }

    pub fn faults(&self) -> FaultConfig {
        self.faults.get()
    }

    /// Replaces the faults; effective on the next request (counters restart).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.faults.set(faults);
    }

    /// Makes `key` answer 401 from now on, for every vendor.
    pub fn revoke_key(&self, key: &str) {
        self.faults.revoke(key);
    }

    /// Makes `key` answer 403 (a permission error) from now on, for every vendor; the key still
    /// authenticates, so a revoked key stays 401.
    pub fn forbid_key(&self, key: &str) {
        self.faults.forbid(key);
    }

    /// Shortens the rate-limit window (60 s by default) so tests can see it reset.
    pub fn set_rate_limit_window(&self, window: Duration) {
        self.faults.set_window(window);
    }

    /// Vendor requests received (control endpoints excluded).
    pub fn request_count(&self) -> u64 {
        self.faults.request_count()
    }

    /// Stops accepting, lets in-flight requests finish (at most 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Graceful: the server task ends once its connections close; idle keep-alive
        // connections are closed at once, so tests do not leak servers.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Vendors under their prefixes (each wrapped in the shared fault layer), the authorization
/// server and control beside them.
fn router(config: &SandboxConfig, faults: Arc<FaultState>, oauth: Arc<OAuthState>) -> Router {
    let mx = maintainx::router_with_oauth(config, faults.clone(), oauth.clone());
    let mx = faults::wrap(mx, faults.clone(), maintainx::FLAVOR);
    let control = control::router(faults).nest("/oauth", oauth::control::router(oauth.clone()));
    Router::new()
        .nest(MAINTAINX_PREFIX, mx)
        .nest(oauth::OAUTH_PREFIX, oauth::router(oauth))
        .nest("/_sandbox", control)
}
