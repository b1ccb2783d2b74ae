//! Per-operation documentation helpers, and the passes that complete each operation from its
//! route: path parameters from the template, and the check that nothing is left undocumented.

use aide::openapi::{MediaType, Operation, Parameter, ParameterData, ParameterSchemaOrContent, ReferenceOr, RequestBody, SchemaObject};
use aide::transform::TransformOperation;
use serde_json::{Value, json};

/// Marks the operation as one that calls the connection's system (through the connector), so its
/// document lists the upstream failures (429, 500 `connector_failed`, 501, 502, 504).
pub const CALLS_CONNECTOR: &str = "x-millwright-calls-connector";
/// Error codes an operation answers with beyond those its inputs imply.
pub const EXTRA_CODES: &str = "x-millwright-codes";
/// An HTML page of the connect flow: its errors are pages too, not problem+json.
pub const HTML_PAGE: &str = "x-millwright-html-page";

/// Shorthands on aide's operation transform.
pub trait OperationDocs<'t>: Sized {
    /// The operation calls the connection's system.
    fn calls_connector(self) -> Self;
    /// Error codes this operation adds to those its inputs imply (e.g. `connection_disabled`).
    fn codes(self, codes: &[&str]) -> Self;
    /// An HTML page (errors are pages too).
    fn html_page(self) -> Self;
    /// The JSON request body's schema (handlers that take a [`JsonObject`](crate::api::json_body::JsonObject)
    /// and deserialise it themselves).
    fn body<T: schemars::JsonSchema>(self) -> Self;
}

impl<'t> OperationDocs<'t> for TransformOperation<'t> {
    fn calls_connector(mut self) -> Self {
        self.inner_mut().extensions.insert(CALLS_CONNECTOR.into(), Value::Bool(true));
        self
    }

    fn codes(mut self, codes: &[&str]) -> Self {
        let entry = self.inner_mut().extensions.entry(EXTRA_CODES.into()).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.extend(codes.iter().map(|c| json!(c)));
        }
        self
    }

    fn html_page(mut self) -> Self {
        self.inner_mut().extensions.insert(HTML_PAGE.into(), Value::Bool(true));
        self
    }

    fn body<T: schemars::JsonSchema>(mut self) -> Self {
        let op = self.inner_mut();
        let required = match &op.request_body {
            Some(ReferenceOr::Item(b)) => b.required,
            _ => true,
        };
        op.request_body = None;
        aide::generate::in_context(|ctx| <axum::Json<T> as aide::OperationInput>::operation_input(ctx, op));
        if let Some(ReferenceOr::Item(b)) = &mut op.request_body {
            b.required = required;
        }
        self
    }
}

/// What each path parameter of the API is, by name.
const PATH_PARAMETERS: &[(&str, &str)] = &[
    ("id", "The resource's id (as returned by list and create)."),
    ("connector_id", "The connector's id, e.g. `maintainx`."),
    ("version", "A module version (semver) of the connector."),
    ("key_id", "The trusted key's id."),
    ("entity", "A unified entity by its path segment (`work-orders`, `assets`, ...)."),
    ("event_id", "The event's id (`evt_…`)."),
    ("secret", "The connect link's secret (from the link session)."),
];

/// Declares every `{name}` segment of `path` as a required string path parameter, unless the
/// operation already declares it.
pub fn add_path_parameters(path: &str, op: &mut Value) {
    let names: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
    if names.is_empty() {
        return;
    }
    if !op["parameters"].is_array() {
        op["parameters"] = json!([]);
    }
    let params = op["parameters"].as_array_mut().expect("just made an array");
    for name in names {
        if params.iter().any(|p| p["in"] == "path" && p["name"] == name) {
            continue;
        }
        let description = PATH_PARAMETERS.iter().find(|(n, _)| *n == name).map_or("", |(_, d)| d);
        params.push(json!({ "in": "path", "name": name, "required": true, "description": description, "schema": { "type": "string" } }));
    }
}

/// Panics when an operation lacks a summary, a tag or a success response: the document is built
/// at start-up, so every test (and every start) catches an under-documented route.
pub fn check_documented(path: &str, method: &str, op: &Value) {
    let has_summary = op["summary"].as_str().is_some_and(|s| !s.is_empty());
    let has_tag = op["tags"].as_array().is_some_and(|t| !t.is_empty());
    let has_success = op["responses"]
        .as_object()
        .is_some_and(|r| r.keys().any(|k| k.starts_with('2') || k.starts_with('3')));
    assert!(has_summary && has_tag && has_success, "{} {path} is not documented (summary, tag and a success response are required)", method.to_uppercase());
}

/// The document's tags, in the order the reference shows them.
pub fn tags() -> Value {
    let tags: &[(&str, &str)] = &[
        ("unified", "The unified entities, read and written through the connection's connector. Authenticated with a connection token."),
        ("connection", "The calling connection: its capabilities, and passthrough requests to its system."),
        ("connections", "Operator: connections, their tokens, end customers and link sessions."),
        ("connect", "The hosted connect flow end customers use (HTML pages), and the link token exchange."),
        ("health", "Operator: connection health, checks and history."),
        ("field-mappings", "Operator: per-connection field mappings and mapping plugins."),
        ("connectors", "Operator: connector modules, versions, activation, limits, trusted keys and OAuth apps."),
        ("webhooks", "Operator: webhook endpoints, deliveries, attempts and replays."),
        ("admin", "Operator: runtime and audit log."),
        ("meta", "Service health, metrics and this document."),
    ];
    Value::Array(tags.iter().map(|(name, description)| json!({ "name": name, "description": description })).collect())
}

/// Adds a security requirement (one bearer scheme) to the operation.
pub fn require_scheme(op: &mut Operation, scheme: &str) {
    let mut requirement = aide::openapi::SecurityRequirement::default();
    requirement.insert(scheme.to_string(), Vec::new());
    op.security.push(requirement);
}

/// A raw request body of the given media type.
pub fn binary_body(op: &mut Operation, media_type: &str, description: &str) {
    set_body(op, media_type, json!({ "type": "string", "contentMediaType": media_type }), Some(description));
}

/// An optional string header parameter.
pub fn header_parameter(op: &mut Operation, name: &str, description: &str) {
    op.parameters.push(ReferenceOr::Item(Parameter::Header {
        parameter_data: ParameterData {
            name: name.into(),
            description: Some(description.into()),
            required: false,
            format: ParameterSchemaOrContent::Schema(schema_object(json!({ "type": "string" }))),
            extensions: Default::default(),
            deprecated: None,
            example: None,
            examples: Default::default(),
            explode: None,
        },
        style: Default::default(),
    }));
}

fn schema_object(schema: Value) -> SchemaObject {
    SchemaObject { json_schema: serde_json::from_value(schema).expect("a valid schema"), example: None, external_docs: None }
}

/// A query parameter with a hand-written schema (lists whose parameters are parsed by hand).
pub fn query_parameter(op: &mut Operation, name: &str, schema: Value, description: &str) {
    op.parameters.push(ReferenceOr::Item(Parameter::Query {
        parameter_data: ParameterData {
            name: name.into(),
            description: Some(description.into()),
            required: false,
            format: ParameterSchemaOrContent::Schema(schema_object(schema)),
            extensions: Default::default(),
            deprecated: None,
            example: None,
            examples: Default::default(),
            explode: None,
        },
        allow_reserved: false,
        style: Default::default(),
        allow_empty_value: None,
    }));
}

/// A required JSON request body with a hand-written schema (or a `$ref` to a component).
pub fn json_body(op: &mut Operation, schema: Value) {
    set_body(op, "application/json", schema, None);
}

fn set_body(op: &mut Operation, media_type: &str, schema: Value, description: Option<&str>) {
    let media = MediaType { schema: Some(schema_object(schema)), ..MediaType::default() };
    op.request_body = Some(ReferenceOr::Item(RequestBody {
        description: description.map(String::from),
        content: [(media_type.to_string(), media)].into_iter().collect(),
        required: true,
        ..RequestBody::default()
    }));
}

/// `200 OK` with a JSON schema.
pub fn ok<'t>(op: TransformOperation<'t>, schema: Value) -> TransformOperation<'t> {
    json_response(op, 200, "OK", schema)
}

/// `204 No Content`.
pub fn no_content<'t>(op: TransformOperation<'t>, description: &str) -> TransformOperation<'t> {
    op.response_with::<204, (), _>(|r| r.description(description))
}

/// A JSON response with a hand-written schema (or a `$ref` to a component).
pub fn json_response<'t>(mut op: TransformOperation<'t>, status: u16, description: &str, schema: Value) -> TransformOperation<'t> {
    let media = MediaType { schema: Some(schema_object(schema)), ..MediaType::default() };
    let response = aide::openapi::Response {
        description: description.into(),
        content: [("application/json".to_string(), media)].into_iter().collect(),
        ..Default::default()
    };
    let responses = op.inner_mut().responses.get_or_insert_with(Default::default);
    responses.responses.insert(aide::openapi::StatusCode::Code(status), ReferenceOr::Item(response));
    op
}

/// The schema of a row the API serialises whole (`TokenRow`, `DeliveryRow`, ...): from its type,
/// every field present (serde writes `None` as `null`).
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    let mut schema = millwright_model::inline_schema::<T>();
    if let Some(o) = schema.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    let fields: Vec<Value> = schema["properties"].as_object().map(|p| p.keys().map(|k| json!(k)).collect()).unwrap_or_default();
    schema["required"] = Value::Array(fields);
    schema
}

/// An object schema whose listed properties are all present (possibly `null`); more may follow.
pub fn object(properties: Value) -> Value {
    let required: Vec<Value> = properties.as_object().expect("properties are an object").keys().map(|k| json!(k)).collect();
    json!({ "type": "object", "required": required, "properties": properties })
}

/// `{"data": [item…], "next_cursor": …}`: one page of an admin list (keyset paging).
pub fn page_of(item: Value) -> Value {
    object(json!({
        "data": { "type": "array", "items": item },
        "next_cursor": { "type": ["string", "null"], "description": "Pass as `cursor` for the next page; `null` on the last page." }
    }))
}

/// Schema shorthands for hand-written response schemas.
pub mod types {
    use serde_json::{Value, json};
    pub fn string() -> Value { json!({ "type": "string" }) }
    pub fn nullable_string() -> Value { json!({ "type": ["string", "null"] }) }
    pub fn integer() -> Value { json!({ "type": "integer" }) }
    pub fn nullable_integer() -> Value { json!({ "type": ["integer", "null"] }) }
    pub fn boolean() -> Value { json!({ "type": "boolean" }) }
    pub fn any_object() -> Value { json!({ "type": "object" }) }
    pub fn nullable_object() -> Value { json!({ "type": ["object", "null"] }) }
    pub fn strings() -> Value { json!({ "type": "array", "items": { "type": "string" } }) }
    pub fn array_of(item: Value) -> Value { json!({ "type": "array", "items": item }) }
    pub fn timestamp() -> Value { json!({ "type": "string", "description": "RFC 3339 UTC" }) }
    pub fn nullable_timestamp() -> Value { json!({ "type": ["string", "null"], "description": "RFC 3339 UTC" }) }
    pub fn one_of(values: &[&str]) -> Value { json!({ "type": "string", "enum": values }) }
}
