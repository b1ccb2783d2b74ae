//! Error responses: every operation's problem+json responses, derived from what it takes (its
//! security, body, parameters) and what it does (calls the connector), with the codes of
//! [`ERROR_TABLE`] each status can carry. The codes an operation lists are the ones its handler
//! and extractors can answer with; `tests/e2e/junk_inputs.rs` checks real answers against them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::ops::{CALLS_CONNECTOR, EXTRA_CODES, HTML_PAGE};
use super::{ADMIN_TOKEN, CONNECTION_TOKEN};
use crate::api::error::ERROR_TABLE;

/// The problem object every error is (RFC 9457, with the API's `code` and `request_id`).
pub fn add_schemas(components: &mut Value) {
    let codes: Vec<&str> = ERROR_TABLE.iter().map(|(code, _, _)| *code).collect();
    components["schemas"]["Problem"] = json!({
        "type": "object",
        "description": "An RFC 9457 problem object. `code` is stable and what clients branch on; `detail` is for people. Some codes carry more members: `field` (validation_failed), `reason` (connector_failed, connection_reauth_required, upstream_unavailable), `upstream_status`, `connection_id`, `errors`.",
        "required": ["type", "title", "status", "detail", "code", "request_id"],
        "properties": {
            "type": { "type": "string", "format": "uri", "description": "`https://millwright.dev/problems/<code>`" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "code": { "type": "string", "enum": codes },
            "request_id": { "type": ["string", "null"], "description": "The request's `x-request-id`." },
            "field": { "type": "string", "description": "The request field a validation failure is about." },
            "reason": { "type": "string" },
            "upstream_status": { "type": "integer" },
            "connection_id": { "type": "string" },
            "errors": { "type": "array", "items": { "type": "object" } }
        },
        "additionalProperties": true
    });
}

/// The codes the operation can answer with.
pub fn codes_of(method: &str, op: &Value) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = vec!["internal", "upstream_timeout"];
    let schemes: Vec<&str> = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|req| req.as_object())
        .flat_map(|req| req.keys().map(String::as_str))
        .collect();
    if schemes.contains(&ADMIN_TOKEN) {
        codes.extend(["unauthorized", "rate_limited"]);
        if method != "get" {
            codes.push("forbidden");
        }
    }
    if schemes.contains(&CONNECTION_TOKEN) {
        codes.extend(["unauthorized", "rate_limited", "connection_reauth_required", "connection_disabled"]);
    }
    if op.get("requestBody").is_some() {
        codes.extend(["invalid_request", "payload_too_large", "unsupported_media_type", "validation_failed"]);
    }
    let parameters = op["parameters"].as_array().into_iter().flatten();
    for p in parameters {
        match p["in"].as_str() {
            Some("query") => codes.push("invalid_request"),
            // An unknown id is 404; a malformed one (a version that is not a number) 400.
            Some("path") => codes.extend(["not_found", "invalid_request"]),
            _ => {}
        }
    }
    if op.get(CALLS_CONNECTOR).is_some() {
        codes.extend([
            "not_found",
            "validation_failed",
            "connection_reauth_required",
            "rate_limited",
            "connector_failed",
            "unsupported_operation",
            "upstream_unavailable",
            "upstream_forbidden",
            "upstream_timeout",
        ]);
    }
    for extra in op[EXTRA_CODES].as_array().into_iter().flatten() {
        let code = extra.as_str().unwrap_or_default();
        let known = ERROR_TABLE.iter().find(|(c, _, _)| *c == code).unwrap_or_else(|| panic!("`{code}` is not in the error table"));
        codes.push(known.0);
    }
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Adds one problem+json response per status the operation's codes fall under, and removes the
/// internal markers.
pub fn add_error_responses(method: &str, op: &mut Value) {
    if let Some(page) = op.as_object_mut()
        && page.remove(HTML_PAGE).is_some()
    {
        page.remove(CALLS_CONNECTOR);
        page.remove(EXTRA_CODES);
        return;
    }
    let mut by_status: BTreeMap<u16, Vec<(&str, &str)>> = BTreeMap::new();
    for code in codes_of(method, op) {
        let (_, status, title) = ERROR_TABLE.iter().find(|(c, _, _)| *c == code).expect("codes come from the table");
        by_status.entry(*status).or_default().push((code, title));
    }
    if !op["responses"].is_object() {
        op["responses"] = json!({});
    }
    for (status, codes) in by_status {
        let description = codes.iter().map(|(code, title)| format!("`{code}`: {title}")).collect::<Vec<_>>().join("; ");
        let mut response = json!({
            "description": description,
            "content": { "application/problem+json": { "schema": {
                "allOf": [ { "$ref": "#/components/schemas/Problem" } ],
                "properties": {
                    "status": { "const": status },
                    "code": { "enum": codes.iter().map(|(c, _)| *c).collect::<Vec<_>>() }
                }
            } } }
        });
        if status == 429 {
            response["headers"] = json!({ "retry-after": { "description": "Seconds to wait before retrying.", "schema": { "type": "integer" } } });
        }
        op["responses"][status.to_string()] = response;
    }
    if let Some(op) = op.as_object_mut() {
        op.remove(CALLS_CONNECTOR);
        op.remove(EXTRA_CODES);
    }
}
