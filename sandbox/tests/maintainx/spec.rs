//! MaintainX's OpenAPI document as JSON Schema validators.
//!
//! The document is OpenAPI 3.0: schemas are inline, `$ref`s are local, and `nullable: true`
//! is not JSON Schema. Each schema is translated (`nullable` → `anyOf: [null, schema]`,
//! OpenAPI-only keywords dropped) and compiled with `jsonschema`, formats checked. Emulator
//! and connectors then cannot share one misreading of the vendor's API.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/specs/maintainx/openapi.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "MaintainX OpenAPI document not found at {} ({e}); the conformance tests need it",
                path.display()
            )
        });
        serde_json::from_str(&text).expect("openapi.json is JSON")
    })
}

fn resolve<'a>(root: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("non-local $ref {reference}"));
    root.pointer(pointer)
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

/// OpenAPI 3.0 schema object → JSON Schema (2020-12).
pub fn translate(schema: &Value, root: &Value) -> Value {
    let Value::Object(m) = schema else {
        return schema.clone();
    };
    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
        return translate(resolve(root, r), root);
    }
    let mut out = Map::new();
    for (k, v) in m {
        let t = match k.as_str() {
            "nullable" | "example" | "xml" | "externalDocs" | "discriminator" | "deprecated" => {
                continue;
            }
            "properties" | "patternProperties" => Value::Object(
                v.as_object()
                    .expect("properties object")
                    .iter()
                    .map(|(p, s)| (p.clone(), translate(s, root)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" if v.is_object() => translate(v, root),
            "oneOf" | "anyOf" | "allOf" => Value::Array(
                v.as_array()
                    .expect("schema list")
                    .iter()
                    .map(|s| translate(s, root))
                    .collect(),
            ),
            _ => v.clone(),
        };
        out.insert(k.clone(), t);
    }
    if m.get("nullable") == Some(&Value::Bool(true)) {
        json!({"anyOf": [{"type": "null"}, Value::Object(out)]})
    } else {
        Value::Object(out)
    }
}

/// The JSON Schema of `method path`'s `status` response body.
pub fn response_schema(path: &str, method: &str, status: u16) -> Value {
    let root = document();
    let op = &root["paths"][path][method];
    assert!(
        op.is_object(),
        "{method} {path} is not in the MaintainX spec"
    );
    let mut resp = &op["responses"][status.to_string()];
    if let Some(r) = resp.get("$ref").and_then(Value::as_str) {
        resp = resolve(root, r);
    }
    let schema = &resp["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} has no JSON schema for {status}"
    );
    translate(schema, root)
}

/// Asserts `body` is valid for `method path` answering `status`, listing every violation.
#[track_caller]
pub fn assert_valid(path: &str, method: &str, status: u16, body: &Value) {
    let schema = response_schema(path, method, status);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema of {method} {path} {status} does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    let text = body.to_string();
    let shown = &text[..text.len().min(2000)];
    assert!(
        errors.is_empty(),
        "{method} {path} {status} violates the spec:\n{}\nbody: {shown}",
        errors.join("\n")
    );
}

/// The spec's enum for a query parameter of `GET path` (the items' enum for arrays), if the
/// operation has that parameter.
pub fn param_enum(path: &str, name: &str) -> Option<Vec<String>> {
    let params = document()["paths"][path]["get"]["parameters"].as_array()?;
    let schema = &params.iter().find(|p| p["name"] == name)?["schema"];
    let e = schema.get("enum").or_else(|| schema["items"].get("enum"))?;
    Some(
        e.as_array()?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
    )
}

/// Asserts `body` violates the schema (the validator is not vacuous).
#[track_caller]
pub fn assert_invalid(path: &str, method: &str, status: u16, body: &Value) {
    let schema = response_schema(path, method, status);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    assert!(
        !validator.is_valid(body),
        "{method} {path} {status} should reject {body}"
    );
}
