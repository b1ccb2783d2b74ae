//! JSON Schemas (2020-12, as OpenAPI 3.1 uses) for records and write bodies.

use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::{Map, Value, json};

use crate::entity::{Entity, FieldKind, FieldSpec};
use crate::records;
use crate::validate::WriteOp;

/// The draft 2020-12 schema of `T`, with its subschemas inlined (no `$ref`s).
pub fn inline_schema<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    generator.into_root_schema_for::<T>().to_value()
}

/// The JSON Schema of one unified record (what `GET /v1/<entity>/{id}` returns), self-contained
/// (no `$ref`s). Every documented field is `required` (present, possibly `null`) except
/// `remote_data` (only with `include_remote_data=true`) and `mapping_warnings` (omitted when
/// empty). Property descriptions come from [`Entity::fields`].
pub fn json_schema(entity: Entity) -> Value {
    let mut schema = match entity {
        Entity::WorkOrder => inline_schema::<records::WorkOrder>(),
        Entity::Asset => inline_schema::<records::Asset>(),
        Entity::Location => inline_schema::<records::Location>(),
        Entity::Part => inline_schema::<records::Part>(),
        Entity::PurchaseOrder => inline_schema::<records::PurchaseOrder>(),
        Entity::Vendor => inline_schema::<records::Vendor>(),
        Entity::User => inline_schema::<records::User>(),
        Entity::MaintenanceRequest => inline_schema::<records::MaintenanceRequest>(),
    };
    let object = schema
        .as_object_mut()
        .expect("schemars emits an object schema");
    object.remove("$schema");
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        // Re-key in model order and take descriptions from the field specs.
        let mut ordered = Map::new();
        for spec in entity.fields() {
            if let Some(mut property) = properties.remove(spec.name) {
                if let Some(p) = property.as_object_mut() {
                    p.insert("description".into(), Value::String(spec.description.into()));
                    if !spec.writable {
                        p.insert("readOnly".into(), Value::Bool(true));
                    }
                }
                ordered.insert(spec.name.to_owned(), property);
            }
        }
        *properties = ordered;
    }
    let required: Vec<Value> = entity
        .fields()
        .iter()
        .filter(|f| !matches!(f.name, "remote_data" | "mapping_warnings"))
        .map(|f| Value::String(f.name.into()))
        .collect();
    object.insert("required".into(), Value::Array(required));
    schema
}

/// The JSON Schema of a write body (`POST` when `op` is `Create`, `PATCH` when `Update`):
/// writable fields only, no other keys; on create the required fields. Mirrors
/// [`crate::validate_write`], which gives the precise errors.
pub fn write_json_schema(entity: Entity, op: WriteOp) -> Value {
    let mut properties = Map::new();
    for spec in entity.fields().iter().filter(|f| f.writable) {
        properties.insert(spec.name.to_owned(), field_schema(entity, spec));
    }
    let required: Vec<&str> = match op {
        WriteOp::Create => entity.required_on_create().to_vec(),
        WriteOp::Update => vec![],
    };
    json!({
        "title": format!("{}_{}", entity.name(), match op { WriteOp::Create => "create", WriteOp::Update => "update" }),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn field_schema(entity: Entity, spec: &FieldSpec) -> Value {
    // Required fields cannot be null on create nor cleared on update.
    let nullable = !entity.required_on_create().contains(&spec.name);
    let mut schema = match spec.kind {
        FieldKind::Text => json!({"type": "string"}),
        FieldKind::Integer => json!({"type": "integer"}),
        FieldKind::Number => json!({"type": "number"}),
        FieldKind::Bool => json!({"type": "boolean"}),
        FieldKind::Timestamp => json!({"type": "string", "format": "date-time"}),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
        FieldKind::Enum(values) => json!({"type": "string", "enum": values}),
        FieldKind::TextList => json!({"type": "array", "items": {"type": "string"}}),
        FieldKind::Json if spec.name == "custom_fields" => {
            return json!({"type": "object", "description": spec.description});
        }
        FieldKind::Json if spec.name == "line_items" => {
            let mut items = inline_schema::<records::LineItem>();
            if let Some(o) = items.as_object_mut() {
                o.remove("$schema");
                o.insert("additionalProperties".into(), Value::Bool(false));
            }
            json!({"type": "array", "items": items})
        }
        FieldKind::Json => json!({}),
    };
    let o = schema.as_object_mut().expect("object");
    if nullable {
        if let Some(Value::String(t)) = o.get("type").cloned() {
            o.insert("type".into(), json!([t, "null"]));
        }
        if let Some(Value::Array(values)) = o.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    o.insert("description".into(), Value::String(spec.description.into()));
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_schema_matches_field_specs() {
        for entity in Entity::ALL {
            let schema = json_schema(entity);
            assert_eq!(schema["type"], "object", "{entity}");
            let properties = schema["properties"].as_object().unwrap();
            let names: Vec<&str> = properties.keys().map(String::as_str).collect();
            let mut expected: Vec<&str> = entity.fields().iter().map(|f| f.name).collect();
            let mut got = names.clone();
            got.sort();
            expected.sort();
            assert_eq!(
                got, expected,
                "{entity}: struct fields differ from Entity::fields()"
            );
            let text = schema.to_string();
            assert!(
                !text.contains("$ref"),
                "{entity}: schema must be self-contained"
            );
            assert_eq!(
                schema["required"].as_array().unwrap().len(),
                entity.fields().len() - 2,
                "{entity}"
            );
            for spec in entity.fields() {
                let p = &properties[spec.name];
                assert_eq!(p["description"], spec.description, "{entity}.{}", spec.name);
                match spec.kind {
                    FieldKind::Timestamp => {
                        assert_eq!(p["format"], "date-time", "{entity}.{}", spec.name)
                    }
                    FieldKind::Enum(values) => {
                        let mut got: Vec<&str> = p["enum"]
                            .as_array()
                            .unwrap_or_else(|| panic!("{entity}.{}: {p}", spec.name))
                            .iter()
                            .filter_map(Value::as_str)
                            .collect();
                        got.sort();
                        let mut want = values.to_vec();
                        want.sort();
                        assert_eq!(got, want, "{entity}.{}", spec.name);
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn write_schema() {
        let s = write_json_schema(Entity::WorkOrder, WriteOp::Create);
        assert_eq!(s["required"], json!(["title"]));
        assert_eq!(s["properties"]["title"]["type"], "string");
        assert_eq!(s["properties"]["due_at"]["type"], json!(["string", "null"]));
        assert!(s["properties"].get("id").is_none());
        assert!(
            s["properties"]["status"]["enum"]
                .as_array()
                .unwrap()
                .contains(&Value::Null)
        );
        let s = write_json_schema(Entity::PurchaseOrder, WriteOp::Update);
        assert_eq!(s["required"], json!([]));
        assert_eq!(
            s["properties"]["line_items"]["items"]["properties"]["quantity"]["type"],
            json!(["number", "null"])
        );
    }
}
