//! From a connector's source record to unified JSON: the mapping engine with the fields the
//! host owns (`id`, `deleted`, `updated_at` fallback, `remote_data`; `mapping_warnings`), as a
//! value (`unify`: for a mapping plugin, or one record) or as JSON text written straight into a
//! list response (`write_unified`).

use millwright_mapping::{HostFields, Mapping};
use serde_json::Value;

use super::error::ApiError;
use crate::runtime::FailureReason;
use crate::runtime::bindings::SourceRecord;

pub fn unify(mapping: &Mapping, record: &SourceRecord, include_remote_data: bool) -> Result<Value, ApiError> {
    mapping.unified_value(&record.data, &host_fields(record, include_remote_data)).map_err(|_| not_an_object())
}

/// Appends the unified JSON of `record` to `out`.
pub fn write_unified(mapping: &Mapping, record: &SourceRecord, include_remote_data: bool, out: &mut Vec<u8>) -> Result<(), ApiError> {
    mapping.write_str(&record.data, &host_fields(record, include_remote_data), out).map_err(|_| not_an_object())
}

fn host_fields(record: &SourceRecord, remote_data: bool) -> HostFields<'_> {
    HostFields { id: &record.id, deleted: record.deleted, updated_at: record.updated_at.as_deref(), remote_data }
}

fn not_an_object() -> ApiError {
    ApiError::connector_failed(FailureReason::InvalidResponse, "the connector returned a record that is not a JSON object")
}
