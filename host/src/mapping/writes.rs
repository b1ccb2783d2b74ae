//! Writes: the `custom_fields` of a unified write turned back into the system's shape through the
//! connection's mapping (reversible rules applied in reverse), so a custom field an operator
//! mapped to `/extraFields/Site Code` is written there. The connector receives the result as
//! `source_fields` (see `millwright_model::WorkOrderCreate`) and merges it into its request.

use millwright_mapping::Mapping;
use serde_json::{Map, Value, json};

use crate::api::error::ApiError;

/// Replaces `custom_fields` in a validated write body with `source_fields`. A custom field that
/// cannot be written (no reversible rule, no spread to write it into, a value the rule cannot
/// invert) is 422 `validation_failed` naming `custom_fields.<name>`; nothing reaches the system.
pub fn reverse_custom_fields(mapping: &Mapping, body: &mut Map<String, Value>) -> Result<(), ApiError> {
    let custom = match body.remove("custom_fields") {
        Some(Value::Object(custom)) if !custom.is_empty() => custom,
        _ => return Ok(()),
    };
    let source = mapping.reverse_custom_fields(&custom).map_err(|errors| {
        let first = &errors[0];
        let field = first.target.clone().unwrap_or_else(|| "custom_fields".into());
        let all: Vec<Value> = errors.iter().map(|e| json!({ "field": e.target, "code": e.code, "message": e.message })).collect();
        ApiError::validation_failed(Some(&field), format!("`{field}` cannot be written: {}", first.message)).with("errors", all)
    })?;
    body.insert("source_fields".into(), Value::Object(source));
    Ok(())
}
