//! The application: every capability wired together once at start-up.

use std::sync::Arc;

use anyhow::Result;

use crate::api::cursor::CursorSealer;
use crate::connections::Connections;
use crate::registry::{Registry, RegistryConfig};
use crate::runtime::{Runtime, RuntimeConfig};
use crate::store::Store;
use crate::vault::{MasterKey, Vault};

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub runtime: Arc<Runtime>,
    pub registry: Arc<Registry>,
    pub connections: Arc<Connections>,
    pub cursors: Arc<CursorSealer>,
    /// SHA-256 of `MILLWRIGHT_ADMIN_TOKEN`, when configured.
    pub admin_token_hash: Option<String>,
    /// `MILLWRIGHT_PUBLIC_URL`, without a trailing slash: where connect links and OAuth redirects
    /// point. `None`: links are built on the address the operator's request came in on.
    pub public_url: Option<String>,
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
        let connections = Arc::new(Connections::new(store.clone(), runtime.clone(), registry.clone(), vault));
        let cursors = Arc::new(CursorSealer::new(&options.master_key));
        let admin_token_hash = options.admin_token.as_deref().map(crate::tokens::hash);
        Ok(AppState { store, runtime, registry, connections, cursors, admin_token_hash, public_url })
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
