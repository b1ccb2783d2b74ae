//! Validation of unified write bodies (create and update), done by the host before a body
//! reaches a connector. Every problem is reported, not only the first.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::entity::{Entity, FieldKind, FieldSpec};

/// Which write a body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOp {
    /// `POST`: required fields must be present and non-null.
    Create,
    /// `PATCH`: only the keys sent change; `null` clears, except required fields.
    Update,
}

/// One problem with a write body. `field` is the unified field (`custom_fields.<name>` inside
/// custom fields, `line_items[2].quantity` inside line items, `""` for the body itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// Checks a unified write body: a JSON object; no unknown fields; no read-only fields (`id`,
/// `number`, `remote_*`, `created_at`, `updated_at`, `deleted`, `deleted_at`, `remote_data`,
/// `mapping_warnings`); value types by [`FieldKind`] (timestamps RFC 3339 with any offset,
/// dates `YYYY-MM-DD`, enum values, lists of strings, `line_items` entries); required fields
/// on create (non-null, non-empty text); required fields not cleared on update; and
/// `custom_fields` an object (any values; `null` for a key clears that custom field).
pub fn validate_write(entity: Entity, op: WriteOp, body: &Value) -> Result<(), Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new("", "the body must be a JSON object")]);
    };
    let mut errors = Vec::new();
    let required = entity.required_on_create();

    for (key, value) in object {
        let Some(spec) = entity.field(key) else {
            errors.push(FieldError::new(
                key.as_str(),
                format!("unknown field for {}", entity.name()),
            ));
            continue;
        };
        if !spec.writable {
            errors.push(FieldError::new(key.as_str(), "read-only field"));
            continue;
        }
        if spec.name == "custom_fields" {
            check_custom_fields(value, &mut errors);
            continue;
        }
        if value.is_null() {
            if required.contains(&spec.name) {
                errors.push(FieldError::new(key.as_str(), "required; cannot be null"));
            }
            continue;
        }
        check_value(spec, value, &mut errors);
        if required.contains(&spec.name) && value.as_str().is_some_and(|s| s.trim().is_empty()) {
            errors.push(FieldError::new(key.as_str(), "required; cannot be empty"));
        }
    }

    if op == WriteOp::Create {
        for name in required {
            if !object.contains_key(*name) {
                errors.push(FieldError::new(*name, "required"));
            }
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_custom_fields(value: &Value, errors: &mut Vec<FieldError>) {
    match value {
        Value::Object(map) => {
            if map.keys().any(|k| k.is_empty()) {
                errors.push(FieldError::new("custom_fields", "custom field names cannot be empty"));
            }
        }
        _ => errors.push(FieldError::new(
            "custom_fields",
            "must be an object keyed by custom field name (set one key to null to clear that field)",
        )),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn check_value(spec: &FieldSpec, value: &Value, errors: &mut Vec<FieldError>) {
    let name = spec.name;
    let mismatch = |errors: &mut Vec<FieldError>| {
        errors.push(FieldError::new(
            name,
            format!(
                "expected {}, got {}",
                spec.kind.describe(),
                type_name(value)
            ),
        ))
    };
    match spec.kind {
        FieldKind::Text => {
            if !value.is_string() {
                mismatch(errors)
            }
        }
        FieldKind::Integer => {
            if !(value.is_i64() || value.is_u64()) {
                mismatch(errors)
            }
        }
        FieldKind::Number => {
            if !value.is_number() {
                mismatch(errors)
            }
        }
        FieldKind::Bool => {
            if !value.is_boolean() {
                mismatch(errors)
            }
        }
        FieldKind::Timestamp => match value.as_str() {
            Some(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {}
            Some(s) => errors.push(FieldError::new(
                name,
                format!("{s:?} is not an RFC 3339 timestamp (e.g. 2026-01-31T08:00:00Z)"),
            )),
            None => mismatch(errors),
        },
        FieldKind::Date => match value.as_str() {
            Some(s) if is_date(s) => {}
            Some(s) => errors.push(FieldError::new(
                name,
                format!("{s:?} is not a date (YYYY-MM-DD)"),
            )),
            None => mismatch(errors),
        },
        FieldKind::Enum(values) => match value.as_str() {
            Some(s) if values.contains(&s) => {}
            Some(s) => errors.push(FieldError::new(
                name,
                format!("{s:?} is not one of {}", values.join(", ")),
            )),
            None => mismatch(errors),
        },
        FieldKind::TextList => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        errors.push(FieldError::new(
                            format!("{name}[{i}]"),
                            format!("expected a string, got {}", type_name(item)),
                        ));
                    }
                }
            }
            None => mismatch(errors),
        },
        FieldKind::Json if name == "line_items" => check_line_items(value, errors),
        FieldKind::Json => {}
    }
}

/// `YYYY-MM-DD`, a real calendar date.
pub(crate) fn is_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn check_line_items(value: &Value, errors: &mut Vec<FieldError>) {
    let Some(items) = value.as_array() else {
        errors.push(FieldError::new(
            "line_items",
            format!("expected a list of line items, got {}", type_name(value)),
        ));
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let Some(object) = item.as_object() else {
            errors.push(FieldError::new(
                format!("line_items[{i}]"),
                format!("expected an object, got {}", type_name(item)),
            ));
            continue;
        };
        for (key, v) in object {
            let ok = match key.as_str() {
                "part_id" | "description" => v.is_null() || v.is_string(),
                "quantity" | "unit_price" => v.is_null() || v.is_number(),
                _ => {
                    errors.push(FieldError::new(
                        format!("line_items[{i}].{key}"),
                        "unknown field (expected part_id, description, quantity, unit_price)",
                    ));
                    continue;
                }
            };
            if !ok {
                let expected = if matches!(key.as_str(), "quantity" | "unit_price") {
                    "a number"
                } else {
                    "a string"
                };
                errors.push(FieldError::new(
                    format!("line_items[{i}].{key}"),
                    format!("expected {expected}, got {}", type_name(v)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errs(entity: Entity, op: WriteOp, body: Value) -> Vec<(String, String)> {
        match validate_write(entity, op, &body) {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|e| (e.field, e.message)).collect(),
        }
    }

    fn fields(entity: Entity, op: WriteOp, body: Value) -> Vec<String> {
        errs(entity, op, body).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn valid_work_order_create() {
        let body = json!({
            "title": "Fix pump", "description": null, "status": "open", "priority": "urgent",
            "type": "reactive", "asset_id": "a:1", "assignee_ids": ["1", "2"],
            "due_at": "2026-01-31T08:00:00Z", "started_at": "2026-01-31T09:00:00.5+01:00",
            "custom_fields": {"Estimated Budget": "$250", "n": 3, "gone": null}
        });
        assert_eq!(errs(Entity::WorkOrder, WriteOp::Create, body), vec![]);
    }

    #[test]
    fn body_must_be_an_object() {
        assert_eq!(
            fields(Entity::WorkOrder, WriteOp::Create, json!([1])),
            vec![""]
        );
        assert_eq!(
            fields(Entity::WorkOrder, WriteOp::Update, json!(null)),
            vec![""]
        );
    }

    #[test]
    fn unknown_and_read_only_fields() {
        let e = errs(
            Entity::WorkOrder,
            WriteOp::Update,
            json!({"colour": "red", "id": "1", "created_at": null, "updated_at": "x",
                   "deleted": true, "deleted_at": null, "remote_status": "OPEN", "number": "7",
                   "remote_data": {}, "mapping_warnings": []}),
        );
        let mut got: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        got.sort();
        assert_eq!(
            got,
            [
                "colour",
                "created_at",
                "deleted",
                "deleted_at",
                "id",
                "mapping_warnings",
                "number",
                "remote_data",
                "remote_status",
                "updated_at"
            ]
        );
        assert!(
            e.iter()
                .find(|(f, _)| f == "colour")
                .unwrap()
                .1
                .contains("unknown field")
        );
        assert_eq!(
            e.iter().find(|(f, _)| f == "id").unwrap().1,
            "read-only field"
        );
    }

    #[test]
    fn required_fields() {
        assert_eq!(
            errs(Entity::WorkOrder, WriteOp::Create, json!({})),
            vec![("title".to_owned(), "required".to_owned())]
        );
        assert_eq!(
            fields(Entity::WorkOrder, WriteOp::Create, json!({"title": null})),
            ["title"]
        );
        assert_eq!(
            fields(Entity::WorkOrder, WriteOp::Create, json!({"title": "  "})),
            ["title"]
        );
        assert_eq!(
            fields(Entity::MaintenanceRequest, WriteOp::Create, json!({})),
            ["title"]
        );
        assert_eq!(fields(Entity::Asset, WriteOp::Create, json!({})), ["name"]);
        assert_eq!(
            fields(Entity::PurchaseOrder, WriteOp::Create, json!({})),
            ["vendor_id"]
        );
        assert!(fields(Entity::User, WriteOp::Create, json!({})).is_empty());
        // Update: absent is fine, null is not.
        assert!(fields(Entity::WorkOrder, WriteOp::Update, json!({})).is_empty());
        assert_eq!(
            fields(Entity::WorkOrder, WriteOp::Update, json!({"title": null})),
            ["title"]
        );
        // Clearing an optional field is fine.
        assert!(fields(Entity::WorkOrder, WriteOp::Update, json!({"due_at": null})).is_empty());
    }

    #[test]
    fn types() {
        let e = errs(
            Entity::WorkOrder,
            WriteOp::Update,
            json!({"title": 5, "status": "OPEN", "priority": 3, "due_at": "2026-01-31",
                   "completed_at": 1700000000, "assignee_ids": ["1", 2], "asset_id": 9}),
        );
        let get = |f: &str| {
            e.iter()
                .find(|(k, _)| k == f)
                .map(|(_, m)| m.clone())
                .unwrap()
        };
        assert_eq!(get("title"), "expected text, got a number");
        assert!(get("status").contains("\"OPEN\" is not one of open, in_progress"));
        assert!(get("priority").starts_with("expected one of none, low"));
        assert!(get("due_at").contains("not an RFC 3339 timestamp"));
        assert!(get("completed_at").starts_with("expected timestamp"));
        assert_eq!(get("assignee_ids[1]"), "expected a string, got a number");
        assert_eq!(get("asset_id"), "expected text, got a number");
        assert_eq!(e.len(), 7);

        let e = fields(
            Entity::Part,
            WriteOp::Update,
            json!({"unit_cost": "3", "quantity_on_hand": 2.5, "vendor_ids": "1"}),
        );
        assert_eq!(e, ["unit_cost", "vendor_ids"]);
        let e = fields(Entity::User, WriteOp::Update, json!({"is_active": "yes"}));
        assert_eq!(e, ["is_active"]);
        assert!(fields(Entity::User, WriteOp::Update, json!({"is_active": false})).is_empty());
    }

    #[test]
    fn custom_fields_must_be_an_object() {
        assert_eq!(
            fields(
                Entity::Asset,
                WriteOp::Update,
                json!({"custom_fields": ["a"]})
            ),
            ["custom_fields"]
        );
        assert_eq!(
            fields(
                Entity::Asset,
                WriteOp::Update,
                json!({"custom_fields": null})
            ),
            ["custom_fields"]
        );
        assert_eq!(
            fields(
                Entity::Asset,
                WriteOp::Update,
                json!({"custom_fields": {"": 1}})
            ),
            ["custom_fields"]
        );
    }

    #[test]
    fn line_items() {
        let ok = json!({"vendor_id": "v1", "line_items": [
            {"part_id": "p1", "description": "Bearing", "quantity": 2, "unit_price": 9.5},
            {"part_id": null, "description": "Freight", "quantity": null}
        ]});
        assert!(fields(Entity::PurchaseOrder, WriteOp::Create, ok).is_empty());
        let bad = json!({"vendor_id": "v1", "line_items": [
            {"part_id": 1, "qty": 2}, "x", {"quantity": "2"}
        ]});
        assert_eq!(
            fields(Entity::PurchaseOrder, WriteOp::Create, bad),
            [
                "line_items[0].part_id",
                "line_items[0].qty",
                "line_items[1]",
                "line_items[2].quantity"
            ]
        );
        assert_eq!(
            fields(
                Entity::PurchaseOrder,
                WriteOp::Update,
                json!({"line_items": {}})
            ),
            ["line_items"]
        );
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-01-31"));
        assert!(!is_date("2026-02-30"));
        assert!(!is_date("2026-1-31"));
        assert!(!is_date("2026-01-31T00:00:00Z"));
    }
}
