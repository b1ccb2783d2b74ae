//! Settings shared by the commands that open the database and the runtime.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::app::AppOptions;
use crate::registry::RegistryConfig;
use crate::runtime::RuntimeConfig;
use crate::vault::MasterKey;

#[derive(Args, Clone, Debug)]
pub struct HostSettings {
    /// Database URL: `sqlite://path` (the default, `./millwright.db`) or `postgres://…`.
    #[arg(long, env = "MILLWRIGHT_DATABASE_URL", default_value = "sqlite://millwright.db")]
    pub database_url: String,
    /// The 256-bit master key (base64) that wraps every connection's credential key.
    #[arg(long, env = "MILLWRIGHT_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// A file holding the master key (base64), used when `--master-key` is not given.
    #[arg(long, env = "MILLWRIGHT_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// The operator's bootstrap admin token for `/v1/admin/*` (more with `tokens create-admin`).
    #[arg(long, env = "MILLWRIGHT_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// The externally visible base URL, for connect links and OAuth redirects (default: the
    /// address the API is reached on).
    #[arg(long, env = "MILLWRIGHT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Requests a minute each bearer token may make on `/v1/*` (429 `rate_limited` beyond it);
    /// 0 or unset: unlimited.
    #[arg(long, env = "MILLWRIGHT_RATE_LIMIT_PER_MINUTE")]
    pub rate_limit_per_minute: Option<u32>,
    /// Seconds a request may take before the host answers 504 itself.
    #[arg(long, env = "MILLWRIGHT_REQUEST_TIMEOUT", default_value_t = 60)]
    pub request_timeout: u64,
    /// Where compiled connector modules are cached between runs.
    #[arg(long, env = "MILLWRIGHT_CACHE_DIR", default_value = ".millwright-cache")]
    pub cache_dir: PathBuf,
    /// Refuse connector modules without a valid signature by a trusted key.
    #[arg(long, env = "MILLWRIGHT_REQUIRE_SIGNED")]
    pub require_signed: bool,
    /// Largest connector module accepted, in bytes.
    #[arg(long, env = "MILLWRIGHT_MAX_MODULE_BYTES", default_value_t = crate::registry::DEFAULT_MAX_MODULE_BYTES)]
    pub max_module_bytes: usize,
}

impl HostSettings {
    pub fn master_key(&self) -> Result<MasterKey> {
        if let Some(key) = &self.master_key {
            return MasterKey::parse(key).context("MILLWRIGHT_MASTER_KEY");
        }
        if let Some(path) = &self.master_key_file {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the master key file {}", path.display()))?;
            return MasterKey::parse(&text).with_context(|| format!("master key file {}", path.display()));
        }
        bail!(
            "no master key: set MILLWRIGHT_MASTER_KEY (32 random bytes, base64: `openssl rand -base64 32`) or \
             --master-key-file; it encrypts the stored credentials"
        )
    }

    pub fn app_options(&self, master_key: MasterKey) -> AppOptions {
        AppOptions {
            database_url: self.database_url.clone(),
            master_key,
            runtime: RuntimeConfig { compile_cache_dir: Some(self.cache_dir.clone()), ..Default::default() },
            registry: RegistryConfig { max_module_bytes: self.max_module_bytes, require_signed: self.require_signed },
            builtin_modules: crate::builtin::modules(),
            admin_token: self.admin_token.clone(),
            public_url: self.public_url.clone(),
            api: crate::app::ApiSettings {
                rate_limit_per_minute: self.rate_limit_per_minute,
                request_timeout: std::time::Duration::from_secs(self.request_timeout.max(1)),
            },
            health: Default::default(),
            webhooks: Default::default(),
        }
    }
}
