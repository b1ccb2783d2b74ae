//! The module registry: installed connector modules (bytes in the database, identified by their
//! SHA-256 digest), the active version of each connector, and their validated default mappings.
//!
//! Lifecycle:
//! - **start-up** ([`Registry::install_builtin`], [`Registry::load_active`]): the connectors built
//!   from `connectors/` are installed if absent (so the out-of-the-box experience needs no upload),
//!   then every active and pinned module is loaded through the runtime (compiled once per digest,
//!   artifacts cached on disk, so a warm restart compiles nothing);
//! - **install** ([`install`]): checks the signature, validates the component (structure, WIT
//!   version, imports, `describe`, default rules) and stores it; nothing is stored when any check
//!   fails;
//! - **activate / roll back / deactivate / pin** ([`activation`]): the module is compiled and
//!   loaded *before* the switch, which is one transaction that also bumps the `config_version` of
//!   every affected connection, so the next request on any replica resolves the new version and
//!   in-flight requests finish on the `Arc<ActiveModule>` they hold;
//! - **per request**: nothing here. A connection's `LiveConnection` (rebuilt when its
//!   `config_version` moves) holds the module it resolved through [`Registry::module`].

pub mod activation;
pub mod install;
pub mod limits;
pub mod trust;
pub mod validate;
pub mod view;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use millwright_mapping::{Mapping, RuleSet};
use millwright_model::Entity;

use self::limits::LimitOverrides;
use crate::api::error::ApiError;
use crate::runtime::bindings::{ConnectorInfo, EntitySupport};
use crate::runtime::{LoadedModule, Runtime};
use crate::store::Store;

/// Largest module accepted by default: Python and JS guests are 30+ MB.
pub const DEFAULT_MAX_MODULE_BYTES: usize = 64 << 20;

/// The operator's registry settings.
#[derive(Clone, Debug)]
pub struct RegistryConfig {
    /// Uploads larger than this are refused with 413 `payload_too_large`.
    pub max_module_bytes: usize,
    /// Refuse modules without a valid signature by a trusted key (built-ins are trusted: they are
    /// part of the binary).
    pub require_signed: bool,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig { max_module_bytes: DEFAULT_MAX_MODULE_BYTES, require_signed: false }
    }
}

/// A loaded module with its default mappings compiled, its effective limits and the extra hosts
/// the operator approved for it.
pub struct ActiveModule {
    pub module: LoadedModule,
    pub defaults: HashMap<Entity, (RuleSet, Arc<Mapping>)>,
    /// The operator's overrides the module's limits were built from.
    pub overrides: LimitOverrides,
    /// Hosts beyond a connection's base URL this module may call (approved at activation).
    pub approved_hosts: Vec<String>,
}

impl ActiveModule {
    pub fn info(&self) -> &ConnectorInfo {
        &self.module.info
    }

    pub fn support(&self, entity: Entity) -> Option<&EntitySupport> {
        let wit: crate::runtime::bindings::Entity = entity.into();
        self.module.info.entities.iter().find(|s| s.entity == wit)
    }

    /// The mapping for an entity: the connector's defaults (per-connection overrides arrive with
    /// the field-mapping issue and are layered on the same rule sets).
    pub fn mapping(&self, entity: Entity) -> Option<Arc<Mapping>> {
        self.defaults.get(&entity).map(|(_, m)| m.clone())
    }

    /// The same compiled module under other limits or approvals (nothing is recompiled).
    fn reconfigured(&self, runtime: &Runtime, overrides: LimitOverrides, approved_hosts: Vec<String>) -> ActiveModule {
        let mut module = self.module.clone();
        module.limits = overrides.apply(runtime.limits());
        ActiveModule { module, defaults: self.defaults.clone(), overrides, approved_hosts }
    }
}

pub struct Registry {
    runtime: Arc<Runtime>,
    store: Store,
    config: RegistryConfig,
    /// Modules this process has loaded, by digest: active, pinned, or recently replaced.
    loaded: RwLock<HashMap<String, Arc<ActiveModule>>>,
    /// The active version of each connector, as this process last switched or loaded it.
    active: RwLock<HashMap<String, Arc<ActiveModule>>>,
    /// One load at a time, so concurrent first requests compile a module once.
    load_lock: tokio::sync::Mutex<()>,
}

impl Registry {
    pub fn new(runtime: Arc<Runtime>, store: Store, config: RegistryConfig) -> Registry {
        Registry {
            runtime,
            store,
            config,
            loaded: RwLock::new(HashMap::new()),
            active: RwLock::new(HashMap::new()),
            load_lock: tokio::sync::Mutex::new(()),
        }
    }

    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// The active version of every connector as the database says now (what every replica
    /// agrees on), loaded through [`Registry::current`]. For pages and forms that must not show a
    /// version another replica has replaced.
    pub async fn all_current(&self) -> Result<Vec<Arc<ActiveModule>>, ApiError> {
        let mut modules = Vec::new();
        for (connector_id, _) in self.store.active_modules().await? {
            modules.extend(self.current(&connector_id).await?);
        }
        Ok(modules)
    }

    /// The active module of a connector, as this process knows it.
    pub fn active(&self, connector_id: &str) -> Option<Arc<ActiveModule>> {
        self.active.read().unwrap().get(connector_id).cloned()
    }

    pub fn connector_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.active.read().unwrap().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The module `digest` as it must run now: loaded (compiled or from the artifact cache) when
    /// this process has not seen it, re-limited when the operator's overrides or approvals moved
    /// since. Read when a connection's live state is rebuilt, never per request.
    pub async fn module(&self, digest: &str) -> Result<Arc<ActiveModule>, ApiError> {
        let row = self.store.module(digest).await?.ok_or_else(|| ApiError::internal(format!("module {digest} is not installed")))?;
        let overrides = LimitOverrides::stored(&self.store, &row.connector_id).await?;
        let approved: Vec<String> = row.approved_hosts_json.as_deref().map(serde_json::from_str).transpose().map_err(anyhow::Error::from)?.unwrap_or_default();
        let current = self.loaded.read().unwrap().get(digest).cloned();
        let base = match current {
            Some(m) if m.overrides == overrides && m.approved_hosts == approved => return Ok(m),
            Some(m) => m,
            None => self.load(digest).await?,
        };
        let module = Arc::new(base.reconfigured(&self.runtime, overrides, approved));
        self.loaded.write().unwrap().insert(digest.to_string(), module.clone());
        if self.active.read().unwrap().get(&row.connector_id).is_some_and(|a| a.module.digest == digest) {
            self.active.write().unwrap().insert(row.connector_id.clone(), module.clone());
        }
        Ok(module)
    }

    /// Loads a stored module into this process (once, whoever asks first).
    async fn load(&self, digest: &str) -> Result<Arc<ActiveModule>, ApiError> {
        let _one_at_a_time = self.load_lock.lock().await;
        if let Some(m) = self.loaded.read().unwrap().get(digest).cloned() {
            return Ok(m);
        }
        let bytes = self.store.module_bytes(digest).await?.ok_or_else(|| ApiError::internal(format!("module {digest} has no bytes")))?;
        let module = Arc::new(validate::validate(&self.runtime, bytes).await.map_err(|e| ApiError::internal(format!("stored module {digest} no longer loads: {e}")))?);
        self.loaded.write().unwrap().insert(digest.to_string(), module.clone());
        Ok(module)
    }

    /// Loads every active and pinned module (the compile cache first), so a restart serves at
    /// once. Returns how many modules were loaded.
    pub async fn load_active(&self) -> anyhow::Result<usize> {
        let active = self.store.active_modules().await?;
        for (connector_id, digest) in &active {
            let module = self.module(digest).await.map_err(|e| anyhow::anyhow!("loading connector {connector_id}: {}", e.detail))?;
            self.active.write().unwrap().insert(connector_id.clone(), module);
        }
        let pinned = self.store.pinned_digests().await?;
        for digest in &pinned {
            self.module(digest).await.map_err(|e| anyhow::anyhow!("loading pinned module {digest}: {}", e.detail))?;
        }
        let loaded = self.loaded.read().unwrap().len();
        let (compiled, from_cache) = self.runtime.compile_counts();
        tracing::info!(modules = loaded, compiled, from_cache, "registry loaded");
        Ok(loaded)
    }

    /// Digests of the modules loaded in this process.
    pub fn loaded_digests(&self) -> Vec<String> {
        let mut digests: Vec<String> = self.loaded.read().unwrap().keys().cloned().collect();
        digests.sort();
        digests
    }
}
