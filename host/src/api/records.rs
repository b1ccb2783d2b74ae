//! From a connector's source record to unified JSON: the mapping engine, then the fields the
//! host owns (`id`, `deleted`, `updated_at` fallback, `remote_data`, `mapping_warnings`).

use millwright_mapping::Mapping;
use serde_json::{Map, Value};

use super::error::ApiError;
use crate::runtime::FailureReason;
use crate::runtime::bindings::SourceRecord;

pub fn unify(mapping: &Mapping, record: SourceRecord, include_remote_data: bool) -> Result<Value, ApiError> {
    let not_an_object = || ApiError::connector_failed(FailureReason::InvalidResponse, "the connector returned a record that is not a JSON object");
    // `apply_str` parses only the keys the rules read: the common case, without remote data.
    if !record.data.trim_start().starts_with('{') {
        return Err(not_an_object());
    }
    let mapped = mapping.apply_str(&record.data).map_err(|_| not_an_object())?;
    let mut fields: Map<String, Value> = mapped.fields;
    fields.insert("id".into(), Value::String(record.id));
    fields.insert("deleted".into(), Value::Bool(record.deleted));
    if fields.get("updated_at").is_none_or(Value::is_null)
        && let Some(ts) = record.updated_at.as_deref().and_then(normalise_timestamp)
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

fn normalise_timestamp(ts: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(ts)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}
