//! Requests to MaintainX: the common headers, sending, and JSON helpers.

use millwright_sdk::http::{Request, Response};
use millwright_sdk::{ConnectionContext, ConnectorError, ContextExt, url};
use serde_json::{Map, Value};

use crate::errors::map_error;

/// The connect-form setting holding the organization id of a multi-organization key.
pub const ORGANIZATION_SETTING: &str = "organization_id";

/// A request to `base-url + path` with `accept: application/json` and, when the connection
/// has an organization id, `x-organization-id`. (The host adds `Authorization: Bearer`.)
pub fn request(ctx: &ConnectionContext, method: &str, path: &str) -> Request {
    let r = Request::new(method, url(ctx, path)).header("accept", "application/json");
    match ctx.setting(ORGANIZATION_SETTING) {
        Some(org) => r.header("x-organization-id", org),
        None => r,
    }
}

/// Sends, maps non-2xx through [`map_error`], and parses the JSON body (empty body → `null`).
pub fn send_json(req: Request) -> Result<Value, ConnectorError> {
    json_body(&send_ok(req)?)
}

/// Sends and maps non-2xx through [`map_error`].
pub fn send_ok(req: Request) -> Result<Response, ConnectorError> {
    let resp = req.send()?;
    if !resp.is_success() {
        return Err(map_error(&resp));
    }
    Ok(resp)
}

/// The JSON body of a response (empty body → `null`).
pub fn json_body(resp: &Response) -> Result<Value, ConnectorError> {
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    resp.json()
}

/// A MaintainX id (a JSON integer, a float without fraction, or a string) as text.
pub fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i.to_string())
            } else if let Some(u) = n.as_u64() {
                Some(u.to_string())
            } else {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.is_finite())
                    .map(|f| format!("{}", f as i64))
            }
        }
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The object under `key` of a response (`{"workOrder": {...}}`), or the response itself when
/// it is already the record.
pub fn unwrap_one(mut body: Value, key: &str) -> Result<Map<String, Value>, ConnectorError> {
    if let Some(Value::Object(inner)) = body.get_mut(key).map(Value::take) {
        return Ok(inner);
    }
    match body {
        Value::Object(map) if map.contains_key("id") => Ok(map),
        other => Err(ConnectorError::internal(format!(
            "MaintainX answered without `{key}`: {}",
            truncate(&other.to_string(), 200)
        ))),
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers() {
        let ctx = millwright_sdk::ctx::context("http://h/v1", &[("organization_id", "77")]);
        let r = request(&ctx, "GET", "/workorders");
        assert_eq!(r.url, "http://h/v1/workorders");
        assert!(
            r.headers
                .contains(&("x-organization-id".into(), "77".into()))
        );
        let ctx = millwright_sdk::ctx::context("http://h/v1", &[]);
        assert!(
            !request(&ctx, "GET", "/x")
                .headers
                .iter()
                .any(|(n, _)| n == "x-organization-id")
        );
    }

    #[test]
    fn ids_as_text() {
        assert_eq!(id_text(&json!(159)), Some("159".into()));
        assert_eq!(id_text(&json!(159.0)), Some("159".into()));
        assert_eq!(id_text(&json!("abc")), Some("abc".into()));
        assert_eq!(id_text(&json!(1.5)), None);
        assert_eq!(id_text(&json!(null)), None);
    }

    #[test]
    fn unwraps() {
        assert_eq!(
            unwrap_one(json!({"workOrder": {"id": 1}}), "workOrder").unwrap()["id"],
            1
        );
        assert_eq!(unwrap_one(json!({"id": 2}), "workOrder").unwrap()["id"], 2);
        assert!(unwrap_one(json!({"x": 1}), "workOrder").is_err());
    }
}
