//! The module registry: installed connector modules, the active version of each connector, and
//! their validated default mappings.
//!
//! Lifecycle: at start-up the connectors built from `connectors/` are installed if absent (so the
//! out-of-the-box experience needs no upload), then every active module is loaded through the
//! runtime (compiled once per digest, cached on disk). An [`ActiveModule`] is shared behind an
//! `Arc`; swapping the map entry activates another version while in-flight calls keep theirs.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result, anyhow, bail};
use millwright_mapping::{Mapping, RuleSet};
use millwright_model::Entity;

use crate::runtime::bindings::{ConnectorInfo, EntitySupport, WIT_VERSION};
use crate::runtime::{LoadedModule, Runtime};
use crate::store::{ModuleRow, Store};

/// A loaded module with its default mappings compiled.
pub struct ActiveModule {
    pub module: LoadedModule,
    pub defaults: HashMap<Entity, (RuleSet, Arc<Mapping>)>,
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
}

pub struct Registry {
    runtime: Arc<Runtime>,
    store: Store,
    active: RwLock<HashMap<String, Arc<ActiveModule>>>,
}

impl Registry {
    pub fn new(runtime: Arc<Runtime>, store: Store) -> Registry {
        Registry { runtime, store, active: RwLock::new(HashMap::new()) }
    }

    /// Installs `bytes` unless present, activating it when its connector has no active version.
    pub async fn install_builtin(&self, bytes: &[u8]) -> Result<()> {
        let digest = crate::runtime::compile::digest(bytes);
        if self.store.module_bytes(&digest).await?.is_some() {
            return Ok(());
        }
        let active = self.validate(bytes.to_vec()).await?;
        let info = active.info();
        let row = ModuleRow {
            digest: digest.clone(),
            connector_id: info.id.clone(),
            version: info.version.clone(),
            wit_version: WIT_VERSION.into(),
            info_json: describe_json(info),
            installed_at: crate::store::now(),
        };
        if !self.store.insert_module(&row, bytes).await? {
            bail!("connector {} version {} is already installed with different bytes", info.id, info.version);
        }
        let has_active = self.store.active_modules().await?.iter().any(|(c, _)| *c == info.id);
        if !has_active {
            self.store.activate_module(&info.id, &digest).await?;
        }
        tracing::info!(connector = %info.id, version = %info.version, "installed built-in connector");
        Ok(())
    }

    /// Loads every active module (compile cache first).
    pub async fn load_active(&self) -> Result<()> {
        for (connector_id, digest) in self.store.active_modules().await? {
            let bytes = self.store.module_bytes(&digest).await?.ok_or_else(|| anyhow!("module {digest} missing"))?;
            let active = self.validate(bytes).await.with_context(|| format!("loading connector {connector_id}"))?;
            self.active.write().unwrap().insert(connector_id, Arc::new(active));
        }
        Ok(())
    }

    /// Compiles, instantiates and checks a module: `describe` must answer and its default rules
    /// must compile.
    pub async fn validate(&self, bytes: Vec<u8>) -> Result<ActiveModule> {
        let module = self.runtime.load_module(bytes).await?;
        let mut defaults = HashMap::new();
        for support in &module.info.entities {
            let entity: Entity = support.entity.into();
            let rules = millwright_mapping::compile_str(entity, &support.default_rules).map_err(|errors| {
                let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                anyhow!("invalid default rules for {}: {}", entity.name(), list.join("; "))
            })?;
            let mapping = Arc::new(Mapping::new(entity, &rules, None));
            defaults.insert(entity, (rules, mapping));
        }
        Ok(ActiveModule { module, defaults })
    }

    pub fn active(&self, connector_id: &str) -> Option<Arc<ActiveModule>> {
        self.active.read().unwrap().get(connector_id).cloned()
    }

    pub fn connector_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.active.read().unwrap().keys().cloned().collect();
        ids.sort();
        ids
    }
}

/// The parts of `describe` worth keeping in the database (for listing without loading).
fn describe_json(info: &ConnectorInfo) -> String {
    serde_json::json!({
        "id": info.id,
        "name": info.name,
        "version": info.version,
        "default_base_url": info.default_base_url,
        "max_page_size": info.max_page_size,
        "extra_hosts": info.extra_hosts,
        "entities": info.entities.iter().map(|s| millwright_model::Entity::from(s.entity).name()).collect::<Vec<_>>(),
    })
    .to_string()
}
