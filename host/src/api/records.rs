//! From a connector's source record to unified JSON: the mapping engine, then the fields the
//! host owns (`id`, `deleted`, `updated_at` fallback, `remote_data`, `mapping_warnings`).
//! `unify` builds the record as a value (for a mapping plugin, or one record); `write_unified`
//! writes the same JSON text straight into a list response.

use millwright_mapping::{HostFields, Mapping, normalise_rfc3339};
use serde_json::{Map, Value};

use super::error::ApiError;
use crate::runtime::FailureReason;
use crate::runtime::bindings::SourceRecord;

fn not_an_object() -> ApiError {
    ApiError::connector_failed(FailureReason::InvalidResponse, "the connector returned a record that is not a JSON object")
}

/// Appends the unified JSON of `record` to `out`.
pub fn write_unified(mapping: &Mapping, record: &SourceRecord, include_remote_data: bool, out: &mut Vec<u8>) -> Result<(), ApiError> {
    if !record.data.trim_start().starts_with('{') {
        return Err(not_an_object());
    }
    let host = HostFields { id: &record.id, deleted: record.deleted, updated_at: record.updated_at.as_deref(), remote_data: include_remote_data };
    mapping.write_str(&record.data, &host, out).map_err(|_| not_an_object())
}

pub fn unify(mapping: &Mapping, record: SourceRecord, include_remote_data: bool) -> Result<Value, ApiError> {
    // `apply_str` parses only the keys the rules read: the common case, without remote data.
    if !record.data.trim_start().starts_with('{') {
        return Err(not_an_object());
    }
    let mapped = mapping.apply_str(&record.data).map_err(|_| not_an_object())?;
    let mut fields: Map<String, Value> = mapped.fields;
    fields.insert("id".into(), Value::String(record.id));
    fields.insert("deleted".into(), Value::Bool(record.deleted));
    if fields.get("updated_at").is_none_or(Value::is_null)
        && let Some(ts) = record.updated_at.as_deref().and_then(normalise_rfc3339)
    {
        fields.insert("updated_at".into(), Value::String(ts));
    }
    if include_remote_data {
        let source: Value = serde_json::from_str(&record.data).ok().filter(Value::is_object).ok_or_else(not_an_object)?;
        fields.insert("remote_data".into(), source);
    }
    if !mapped.warnings.is_empty() {
        fields.insert("mapping_warnings".into(), serde_json::to_value(&mapped.warnings).expect("warnings serialise"));
    }
    Ok(Value::Object(fields))
}
