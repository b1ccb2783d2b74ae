//! The application: every capability wired together once at start-up.

use std::sync::Arc;

use anyhow::Result;

use crate::api::cursor::CursorSealer;
use crate::connections::Connections;
use crate::mapping::Mappers;
use crate::metrics::Metrics;
use crate::health::{Health, HealthConfig};
use crate::registry::{Registry, RegistryConfig};
use crate::runtime::{Runtime, RuntimeConfig};
use crate::store::Store;
use crate::vault::{MasterKey, Vault};
use crate::webhooks::{WebhookConfig, Webhooks};

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub runtime: Arc<Runtime>,
    pub registry: Arc<Registry>,
    pub connections: Arc<Connections>,
    /// Loaded mapping plugins, by digest.
    pub mappers: Arc<Mappers>,
    pub metrics: Arc<Metrics>,
    pub cursors: Arc<CursorSealer>,
    /// SHA-256 of `MILLWRIGHT_ADMIN_TOKEN`, when configured.
    pub admin_token_hash: Option<String>,
    /// `MILLWRIGHT_PUBLIC_URL`, without a trailing slash: where connect links and OAuth redirects
    /// point. `None`: links are built on the address the operator's request came in on.
    pub public_url: Option<String>,
    /// The clock expiries are judged by (link codes, OAuth tokens); tests move it forward.
    pub clock: crate::clock::Clock,
    pub rate_limits: Option<Arc<crate::api::rate_limit::TokenRateLimits>>,
    /// Connection tokens' `last_used_at`, written at most once a minute per token.
    pub token_use: Arc<crate::api::token_use::TokenUse>,
    pub request_timeout: std::time::Duration,
    pub health: Arc<Health>,
    pub webhooks: Arc<Webhooks>,
}

pub struct AppOptions {
    pub database_url: String,
    pub master_key: MasterKey,
    pub runtime: RuntimeConfig,
    /// Module size limit and signature policy.
    pub registry: RegistryConfig,
    /// Component bytes installed on first start (the connectors built from `connectors/`).
    pub builtin_modules: Vec<&'static [u8]>,
    /// The operator's bootstrap token (`MILLWRIGHT_ADMIN_TOKEN`).
    pub admin_token: Option<String>,
    /// `MILLWRIGHT_PUBLIC_URL`: the externally visible base URL (http or https).
    pub public_url: Option<String>,
    /// Health monitor intervals, thresholds and clock.
    pub health: HealthConfig,
    /// Webhook delivery: timeouts, retry schedule, target rules, retention.
    pub webhooks: WebhookConfig,
    /// The API's edges: per-token rate limits, request timeout.
    pub api: ApiSettings,
}

/// Limits at the API's edge (`api::router`).
#[derive(Clone, Debug)]
pub struct ApiSettings {
    /// Requests a minute per bearer token on `/v1/*`; `None`: unlimited.
    pub rate_limit_per_minute: Option<u32>,
    /// Longest a request may take before the host answers 504 itself (longer than any call
    /// deadline, so it only ends a pathological request).
    pub request_timeout: std::time::Duration,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings { rate_limit_per_minute: None, request_timeout: std::time::Duration::from_secs(60) }
    }
}

impl AppState {
    /// Opens the store, starts the runtime, installs built-in connectors and loads the active
    /// modules. Everything slow (compilation) happens here, never on the request path.
    pub async fn start(options: AppOptions) -> Result<AppState> {
        let public_url = options.public_url.as_deref().map(parse_public_url).transpose()?;
        let store = Store::connect(&options.database_url).await?;
        let vault = Vault::new(&options.master_key);
        vault.verify_against(&store).await?;
        let runtime = Arc::new(Runtime::new(options.runtime)?);
        let registry = Arc::new(Registry::new(runtime.clone(), store.clone(), options.registry));
        for bytes in options.builtin_modules {
            registry.install_builtin(bytes).await?;
        }
        registry.load_active().await?;
        let mappers = Arc::new(Mappers::new(runtime.clone(), store.clone()));
        mappers.preload().await?;
        let connections = Arc::new(Connections::new(store.clone(), runtime.clone(), registry.clone(), mappers.clone(), vault));
        let metrics = Arc::new(Metrics::new(runtime.clone()));
        let cursors = Arc::new(CursorSealer::new(&options.master_key));
        let admin_token_hash = options.admin_token.as_deref().map(crate::tokens::hash);
        let clock = connections.clock().clone();
        let rate_limits = options.api.rate_limit_per_minute.filter(|n| *n > 0).map(|n| Arc::new(crate::api::rate_limit::TokenRateLimits::new(n)));
        let request_timeout = options.api.request_timeout;
        let health = Arc::new(Health::new(options.health));
        let webhooks = Arc::new(Webhooks::new(options.webhooks, &options.master_key));
        let token_use = Default::default();
        Ok(AppState { store, runtime, registry, connections, mappers, metrics, cursors, admin_token_hash, public_url, clock, rate_limits, token_use, request_timeout, health, webhooks })
    }
}

/// Checks `MILLWRIGHT_PUBLIC_URL` (an http(s) URL with a host, no query or fragment) and drops a
/// trailing slash.
fn parse_public_url(text: &str) -> Result<String> {
    let url = url::Url::parse(text.trim()).map_err(|e| anyhow::anyhow!("MILLWRIGHT_PUBLIC_URL `{text}` is not a URL: {e}"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some() && url.query().is_none() && url.fragment().is_none(),
        "MILLWRIGHT_PUBLIC_URL must be an http(s) URL with a host and no query or fragment, e.g. https://connect.example.com"
    );
    Ok(url.as_str().trim_end_matches('/').to_string())
}
