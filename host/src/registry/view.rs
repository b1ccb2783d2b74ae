//! How the admin API shows modules: a version's summary, and a module's full description
//! (entities, operations, auth, declared hosts, default rules).

use millwright_model::Entity;
use serde_json::{Value, json};

use super::ActiveModule;
use crate::runtime::bindings::{auth_kind, operation_names};
use crate::store::ModuleRow;

/// What `describe` declared, in full; also what the `modules.info_json` column keeps.
pub fn info(module: &ActiveModule) -> Value {
    let info = module.info();
    json!({
        "id": info.id,
        "name": info.name,
        "version": info.version,
        "auth": info.auth.iter().map(auth_kind).collect::<Vec<_>>(),
        "form": info.form.iter().map(|f| json!({"name": f.name, "label": f.label, "secret": f.secret, "required": f.required, "help": f.help})).collect::<Vec<_>>(),
        "default_base_url": info.default_base_url,
        "max_page_size": info.max_page_size,
        "extra_hosts": info.extra_hosts,
        "supports_passthrough": info.supports_passthrough,
        "entities": info.entities.iter().map(|s| {
            let entity: Entity = s.entity.into();
            json!({
                "entity": entity.name(),
                "operations": operation_names(s.operations),
                "filters": s.filters,
                "modified_after": s.incremental,
                "default_rules": serde_json::from_str::<Value>(&s.default_rules).unwrap_or(Value::Null),
            })
        }).collect::<Vec<_>>(),
    })
}

/// One installed version, as lists show it.
pub fn version(row: &ModuleRow, active_digest: Option<&str>) -> Value {
    let info: Value = serde_json::from_str(&row.info_json).unwrap_or(Value::Null);
    json!({
        "connector_id": row.connector_id,
        "version": row.version,
        "digest": row.digest,
        "name": info["name"],
        "wit_version": row.wit_version,
        "installed_at": row.installed_at,
        "signed_by": row.signed_by,
        "active": active_digest == Some(row.digest.as_str()),
        "extra_hosts": info["extra_hosts"],
        "approved_hosts": row.approved_hosts_json.as_deref().and_then(|h| serde_json::from_str::<Value>(h).ok()),
    })
}
