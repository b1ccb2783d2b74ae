//! Per-connection field mappings: the connector's default rules, the connection's overrides and
//! an optional mapping plugin per entity, resolved into what every read and write runs.
//!
//! Lifecycle:
//! - **init once**: [`Mappers`] (the loaded mapping plugins by digest) is built at start-up and
//!   loads every attached plugin, so requests never compile;
//! - **configure per connection**: [`resolve`] builds a [`ConnectionMappings`] when the
//!   connection's `config_version` moves (a save, reset, restore or plugin change bumps it in the
//!   same transaction), so the next request on any replica runs the new mapping and nothing can
//!   serve the old one;
//! - **per request**: the request holds one `Arc` snapshot, so every record of a response is
//!   mapped by one version (old or new, never a mix).
//!
//! Order (DESIGN.md): connector defaults → the connection's rules (replace or add per target) →
//! the plugin. Routes: `routes.rs` (view, change, history), `preview.rs` (samples, preview,
//! source-field discovery), `plugins.rs` (attach a plugin; run it on a page), `writes.rs`
//! (custom fields reversed into the system's shape).

mod discover;
pub mod plugins;
mod preview;
mod docs;
mod routes;
pub mod writes;

use std::collections::HashMap;
use std::sync::Arc;

use millwright_mapping::{Mapping, RuleSet};
use millwright_model::Entity;
use serde_json::Value;

pub use self::plugins::Mappers;
pub use self::docs::routes;
use crate::api::error::ApiError;
use crate::api::records::{unify, write_unified};
use crate::registry::ActiveModule;
use crate::runtime::Runtime;
use crate::runtime::bindings::SourceRecord;
use crate::runtime::mapper::LoadedMapper;
use crate::store::Store;

/// What runs for one entity of one connection.
pub struct EntityMapping {
    pub mapping: Arc<Mapping>,
    /// The connection's override set in force (`None`: the connector's defaults).
    pub overrides: Option<RuleSet>,
    pub override_version: Option<i64>,
    pub mapper: Option<Arc<LoadedMapper>>,
}

/// Every entity's mapping for one connection at one `config_version`.
#[derive(Default)]
pub struct ConnectionMappings {
    entities: HashMap<Entity, EntityMapping>,
}

impl ConnectionMappings {
    pub fn get(&self, entity: Entity) -> Result<&EntityMapping, ApiError> {
        self.entities.get(&entity).ok_or_else(|| ApiError::internal(format!("no mapping for {}", entity.name())))
    }
}

/// Layers a connection's stored overrides and plugins on the module's default rules.
///
/// Overrides were validated when saved; one that no longer compiles (it cannot, as validation
/// depends only on the entity, but a database edited by hand could) falls back to the defaults
/// with an error in the log rather than failing every request.
pub async fn resolve(store: &Store, module: &ActiveModule, connection_id: &str, mappers: &Mappers) -> Result<ConnectionMappings, ApiError> {
    let overrides = store.current_field_mappings(connection_id).await?;
    let attached = store.connection_mappers(connection_id).await?;
    let mut entities = HashMap::new();
    for (&entity, (defaults, default_mapping)) in &module.defaults {
        let stored = overrides.iter().find(|r| r.entity == entity.name());
        let compiled = stored.and_then(|row| match millwright_mapping::compile_str(entity, &row.rules_json) {
            Ok(set) if !set.is_empty() => Some(set),
            Ok(_) => None,
            Err(errors) => {
                tracing::error!(connection_id, entity = entity.name(), version = row.version, ?errors, "stored field mapping does not compile; using the defaults");
                None
            }
        });
        let mapping = match &compiled {
            Some(set) => Arc::new(Mapping::new(entity, defaults, Some(set))),
            None => default_mapping.clone(),
        };
        let mapper = match attached.iter().find(|a| a.entity == entity.name()) {
            Some(a) => Some(mappers.get(&a.digest).await?),
            None => None,
        };
        entities.insert(
            entity,
            EntityMapping {
                mapping,
                override_version: stored.map(|r| r.version),
                overrides: compiled,
                mapper,
            },
        );
    }
    Ok(ConnectionMappings { entities })
}

impl EntityMapping {
    /// Records from the connector → unified JSON, as every read runs it.
    pub async fn unify(&self, runtime: &Runtime, entity: Entity, records: Vec<SourceRecord>, include_remote_data: bool) -> Result<Vec<Value>, ApiError> {
        unify_page(runtime, entity, &self.mapping, self.mapper.as_deref(), records, include_remote_data).await
    }

    /// The same records as one JSON array appended to `out`. Without a plugin each record's
    /// text is written by the mapping engine directly (no value tree per record).
    pub async fn unify_json(&self, runtime: &Runtime, entity: Entity, records: Vec<SourceRecord>, include_remote_data: bool, out: &mut Vec<u8>) -> Result<(), ApiError> {
        if self.mapper.is_some() {
            let unified = self.unify(runtime, entity, records, include_remote_data).await?;
            serde_json::to_writer(out, &unified).expect("JSON values serialise");
            return Ok(());
        }
        out.push(b'[');
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_unified(&self.mapping, record, include_remote_data, out)?;
        }
        out.push(b']');
        Ok(())
    }
}

/// The rules on every record (`api::records::unify`), then the plugin over the page.
pub async fn unify_page(
    runtime: &Runtime,
    entity: Entity,
    mapping: &Mapping,
    mapper: Option<&LoadedMapper>,
    records: Vec<SourceRecord>,
    include_remote_data: bool,
) -> Result<Vec<Value>, ApiError> {
    let mut unified = records.iter().map(|r| unify(mapping, r, include_remote_data)).collect::<Result<Vec<_>, _>>()?;
    if let Some(mapper) = mapper {
        let sources = records.into_iter().map(|r| r.data).collect();
        plugins::run_plugin(runtime, mapper, entity, &mut unified, sources).await?;
    }
    Ok(unified)
}

/// The entity named by an admin path segment (`work-orders`).
pub(crate) fn entity_from_path(segment: &str) -> Result<Entity, ApiError> {
    Entity::from_path_segment(segment).ok_or_else(|| {
        let known: Vec<&str> = Entity::ALL.iter().map(|e| e.path_segment()).collect();
        ApiError::not_found(format!("no entity `{segment}`; entities are {}", known.join(", ")))
    })
}
