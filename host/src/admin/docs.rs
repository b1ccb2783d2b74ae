//! Response schemas of the operator API (the shapes its views build), for the OpenAPI document.
//! `tests/e2e/openapi.rs` validates real responses against them.

use serde_json::{Value, json};

use crate::openapi::ops::{object, page_of, schema_of, types::*};

/// `connections::view`.
pub fn connection() -> Value {
    object(json!({
        "id": string(),
        "end_customer_id": nullable_string(),
        "connector_id": string(),
        "base_url": nullable_string(),
        "environment": string(),
        "status": one_of(&["active", "degraded", "reauth_required", "disabled", "disconnected"]),
        "account": object(json!({ "id": nullable_string(), "name": nullable_string() })),
        "settings": nullable_object(),
        "metadata": nullable_object(),
        "created_at": timestamp(),
        "updated_at": timestamp(),
    }))
}

pub fn connections_page() -> Value {
    page_of(connection())
}

/// `POST /v1/admin/connections`: the connection and its first token (shown once).
pub fn connection_created() -> Value {
    object(json!({ "connection": connection(), "token": { "type": "string", "description": "The connection token, shown only here." } }))
}

/// `end_customers::view`.
pub fn end_customer() -> Value {
    object(json!({ "end_customer_id": string(), "name": nullable_string(), "metadata": nullable_object(), "created_at": timestamp(), "updated_at": timestamp() }))
}

/// A token as lists show it (the row: never the secret).
pub fn token() -> Value {
    schema_of::<crate::store::TokenRow>()
}

pub fn token_created() -> Value {
    object(json!({ "token": { "type": "string", "description": "The new token, shown only here." }, "prefix": string(), "expires_at": nullable_timestamp() }))
}

pub fn token_rotated() -> Value {
    object(json!({ "token": { "type": "string", "description": "The new token, shown only here." }, "prefix": string(), "connection_id": string() }))
}

/// `registry::view::version`.
pub fn module_version() -> Value {
    object(json!({
        "connector_id": string(), "version": string(), "digest": string(), "name": nullable_string(), "wit_version": string(),
        "installed_at": timestamp(), "signed_by": nullable_string(), "active": boolean(),
        "extra_hosts": { "type": ["array", "null"], "items": string() },
        "approved_hosts": { "type": ["array", "null"], "items": string() }
    }))
}

/// `connectors::connector_view`: the active version's description and every installed version.
pub fn connector() -> Value {
    object(json!({
        "id": string(), "name": nullable_string(), "active_version": nullable_string(), "active_digest": nullable_string(),
        "default_base_url": nullable_string(), "form": { "type": ["array", "null"] }, "entities": { "type": ["array", "null"], "items": string() },
        "extra_hosts": { "type": ["array", "null"] }, "versions": array_of(module_version())
    }))
}

/// `registry::view::info`: what the module's `describe` declared.
pub fn module_info() -> Value {
    object(json!({
        "id": string(), "name": string(), "version": string(), "auth": strings(),
        "form": array_of(object(json!({ "name": string(), "label": string(), "secret": boolean(), "required": boolean(), "help": nullable_string() }))),
        "default_base_url": nullable_string(), "max_page_size": integer(), "extra_hosts": strings(), "supports_passthrough": boolean(),
        "entities": array_of(object(json!({ "entity": string(), "operations": strings(), "filters": strings(), "modified_after": boolean(), "default_rules": {} })))
    }))
}

pub fn limits() -> Value {
    object(json!({ "connector_id": string(), "overrides": any_object(), "effective": any_object(), "defaults": any_object() }))
}

pub fn pinned() -> Value {
    object(json!({ "connection_id": string(), "pinned": object(json!({ "connector_id": string(), "version": string(), "digest": string() })) }))
}

pub fn runtime() -> Value {
    object(json!({ "compile_cache": object(json!({ "compiled": integer(), "cache_hits": integer() })), "loaded_modules": strings() }))
}

pub fn trusted_key() -> Value {
    schema_of::<crate::store::TrustedKeyRow>()
}

pub fn trusted_keys() -> Value {
    let mut page = page_of(trusted_key());
    page["properties"]["require_signed"] = boolean();
    page["required"].as_array_mut().expect("required list").push(json!("require_signed"));
    page
}

pub fn audit_entry() -> Value {
    json!({ "type": "object", "required": ["id", "at", "actor", "action"], "properties": {
        "id": string(), "at": timestamp(), "actor": string(), "action": string(), "target": nullable_string(), "details": {}
    } })
}
