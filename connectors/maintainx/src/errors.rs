//! MaintainX error bodies → [`ConnectorError`].
//!
//! The spec has three error shapes:
//! - `{"errors": [{"error": "...", "fieldPath": "title", "fieldValue": ...}]}` (writes, 400/403),
//! - `{"error": "..."}` (queries, 404, 500),
//! - a bare JSON string (a few 400s).
//!
//! 400/409/422 become `invalid-request` with the messages joined and `field` set to the unified
//! name of the first `fieldPath` we can map back; a missing `x-organization-id` names the
//! connection setting `organization_id`. 403 keeps MaintainX's message. Everything else goes
//! through the SDK's [`error_for_status`].

use millwright_sdk::http::{Response, error_for_status};
use millwright_sdk::{ConnectorError, InvalidInput};
use serde_json::Value;

/// One entry of MaintainX's `errors` array.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub error: String,
    pub field_path: Option<String>,
}

/// Parses any of the three error shapes into (messages with field paths).
pub fn parse_error_body(body: &[u8]) -> Vec<FieldError> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    match &v {
        Value::String(s) => vec![FieldError {
            error: s.clone(),
            field_path: None,
        }],
        Value::Object(map) => {
            if let Some(Value::Array(items)) = map.get("errors") {
                return items
                    .iter()
                    .filter_map(|item| match item {
                        Value::String(s) => Some(FieldError {
                            error: s.clone(),
                            field_path: None,
                        }),
                        Value::Object(o) => {
                            let error = o
                                .get("error")
                                .or_else(|| o.get("message"))
                                .and_then(Value::as_str)
                                .unwrap_or("invalid value")
                                .to_owned();
                            let field_path = o
                                .get("fieldPath")
                                .and_then(Value::as_str)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned);
                            Some(FieldError { error, field_path })
                        }
                        _ => None,
                    })
                    .collect();
            }
            if let Some(Value::String(s)) = map.get("error").or_else(|| map.get("message")) {
                return vec![FieldError {
                    error: s.clone(),
                    field_path: None,
                }];
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The unified field a MaintainX `fieldPath` refers to (`assetId` → `asset_id`,
/// `extraFields.Budget` → `custom_fields`, `/assignees/0/id` → `assignee_ids`).
pub fn unified_field(field_path: &str) -> Option<&'static str> {
    let p = field_path.trim();
    let p = p
        .strip_prefix("body")
        .map(|r| r.trim_start_matches(['.', '/']))
        .unwrap_or(p);
    let p = p.trim_start_matches(['$', '.', '/']);
    let first = p.split(['.', '/', '[']).next().unwrap_or("");
    Some(match first {
        "title" => "title",
        "description" => "description",
        "priority" => "priority",
        "status" | "requestStatus" => "status",
        "type" => "type",
        "assetId" | "asset" | "assets" => "asset_id",
        "locationId" | "location" | "locations" => "location_id",
        "assignees" | "assigneeIds" => "assignee_ids",
        "requesterId" => "requester_id",
        "dueDate" => "due_at",
        "extraFields" => "custom_fields",
        "workOrderId" => "work_order_id",
        "vendorId" => "vendor_id",
        "name" => "name",
        "parentId" => "parent_id",
        "cursor" => "cursor",
        "limit" => "page_size",
        "updatedAt[gte]" | "updatedAt" => "modified_after",
        _ => return None,
    })
}

/// Maps a non-2xx MaintainX response.
pub fn map_error(resp: &Response) -> ConnectorError {
    let errors = parse_error_body(&resp.body);
    let joined = || {
        errors
            .iter()
            .map(|e| match &e.field_path {
                Some(p) => format!("{} ({p})", e.error),
                None => e.error.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    match resp.status {
        400 | 409 | 422 if !errors.is_empty() => {
            let message = format!("MaintainX rejected the request: {}", joined());
            let field = if errors
                .iter()
                .any(|e| e.error.to_ascii_lowercase().contains("x-organization-id"))
            {
                Some("organization_id".to_owned())
            } else {
                errors
                    .iter()
                    .filter_map(|e| e.field_path.as_deref())
                    .find_map(unified_field)
                    .map(str::to_owned)
            };
            ConnectorError::InvalidRequest(InvalidInput { message, field })
        }
        403 if !errors.is_empty() => ConnectorError::Forbidden(format!("MaintainX: {}", joined())),
        404 if !errors.is_empty() => ConnectorError::NotFound(format!("MaintainX: {}", joined())),
        _ => error_for_status(resp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn errors_array_names_the_unified_field() {
        let r = resp(
            400,
            r#"{"errors":[{"error":"Invalid priority","fieldPath":"priority","fieldValue":"Happy Birthday"}]}"#,
        );
        assert_eq!(
            map_error(&r),
            ConnectorError::InvalidRequest(InvalidInput {
                message: "MaintainX rejected the request: Invalid priority (priority)".into(),
                field: Some("priority".into())
            })
        );
        let r = resp(
            400,
            r#"{"errors":[{"error":"should be integer","fieldPath":"/assignees/0/id"},{"error":"x","fieldPath":"assetId"}]}"#,
        );
        match map_error(&r) {
            ConnectorError::InvalidRequest(i) => {
                assert_eq!(i.field.as_deref(), Some("assignee_ids"));
                assert!(
                    i.message
                        .contains("should be integer (/assignees/0/id); x (assetId)"),
                    "{}",
                    i.message
                );
            }
            e => panic!("{e:?}"),
        }
        let r = resp(
            400,
            r#"{"errors":[{"error":"bad","fieldPath":"extraFields.Budget"}]}"#,
        );
        assert!(
            matches!(map_error(&r), ConnectorError::InvalidRequest(InvalidInput { field: Some(f), .. }) if f == "custom_fields")
        );
    }

    #[test]
    fn missing_organization_header() {
        let r = resp(
            400,
            r#"{"errors":[{"error":"Missing x-organization-id header."}]}"#,
        );
        assert!(
            matches!(map_error(&r), ConnectorError::InvalidRequest(InvalidInput { field: Some(f), .. }) if f == "organization_id")
        );
    }

    #[test]
    fn other_shapes() {
        let r = resp(400, r#"{"error":"Invalid cursor"}"#);
        assert!(
            matches!(map_error(&r), ConnectorError::InvalidRequest(InvalidInput { message, field: None }) if message.ends_with("Invalid cursor"))
        );
        let r = resp(400, r#""limit must be <= 200""#);
        assert!(
            matches!(map_error(&r), ConnectorError::InvalidRequest(InvalidInput { message, .. }) if message.ends_with("limit must be <= 200"))
        );
        assert_eq!(
            map_error(&resp(404, r#"{"error":"Work Order Not Found"}"#)),
            ConnectorError::NotFound("MaintainX: Work Order Not Found".into())
        );
        assert_eq!(
            map_error(&resp(403, r#"{"errors":[{"error":"Forbidden"}]}"#)),
            ConnectorError::Forbidden("MaintainX: Forbidden".into())
        );
        assert_eq!(map_error(&resp(401, "")).kind(), "unauthorized");
        assert_eq!(map_error(&resp(400, "<html>")).kind(), "invalid_request");
        match map_error(&resp(500, r#"{"error":"Internal server error."}"#)) {
            ConnectorError::UpstreamUnavailable(u) => assert_eq!(u.status, Some(500)),
            e => panic!("{e:?}"),
        }
        let r = Response {
            status: 429,
            headers: vec![("X-Rate-Limit-Reset".into(), "12".into())],
            body: vec![],
        };
        assert!(
            matches!(map_error(&r), ConnectorError::RateLimited(rl) if rl.retry_after_ms == Some(12_000))
        );
    }

    #[test]
    fn field_paths() {
        assert_eq!(unified_field("body.dueDate"), Some("due_at"));
        assert_eq!(unified_field("/title"), Some("title"));
        assert_eq!(unified_field("$.locationId"), Some("location_id"));
        assert_eq!(unified_field("organizationId"), None);
    }
}
