//! A minimal Millwright connector for an imaginary "Acme CMMS" REST API:
//!
//! - `GET {base}/work_orders?offset=&limit=&updated_since=` → `{"items": [...], "total": n}`
//! - `GET {base}/work_orders/{id}` → the work order, 404 when unknown
//! - Bearer auth with an API key (the host adds the header; the connector never sees the key).
//!
//! Replace the paths, fields and rules with your system's. See README.md for building.

use millwright_sdk::paging::OffsetCursor;
use millwright_sdk::prelude::*;
use millwright_sdk::time;
use serde_json::Value;

pub struct Acme;

/// Default mapping rules for work orders, in the host's rule language (DESIGN.md, "Mapping
/// rules"): JSON Pointers into the record, optional transforms.
const WORK_ORDER_RULES: &str = r#"[
  {"target": "title", "source": "/name"},
  {"target": "description", "source": "/details"},
  {"target": "status", "source": "/state", "transform": {"enum": {"new": "open", "active": "in_progress", "paused": "on_hold", "done": "completed", "void": "cancelled"}}},
  {"target": "remote_status", "source": "/state"},
  {"target": "asset_id", "source": "/asset/id", "transform": "string"},
  {"target": "due_at", "source": "/due", "transform": {"timestamp": "epoch_s"}},
  {"target": "created_at", "source": "/created", "transform": {"timestamp": "iso8601"}},
  {"target": "updated_at", "source": "/modified", "transform": {"timestamp": "iso8601"}},
  {"target": {"custom_fields_from": "/custom"}}
]"#;

/// Turns one system object into a source record.
pub fn to_record(item: Value) -> Result<SourceRecord, ConnectorError> {
    let id = match &item["id"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(ConnectorError::internal("record without id")),
    };
    Ok(SourceRecord {
        id: ids::compose(&[id]),
        updated_at: item["modified"].as_str().and_then(time::normalize_rfc3339),
        deleted: false,
        data: item.to_string(),
    })
}

impl Connector for Acme {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            id: "acme".into(),
            name: "Acme CMMS".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            auth: vec![AuthScheme::Bearer(CredentialField {
                field: "api_key".into(),
            })],
            form: vec![FormField {
                name: "api_key".into(),
                label: "API key".into(),
                help: Some("Acme > Settings > API".into()),
                secret: true,
                required: true,
                placeholder: None,
            }],
            default_base_url: Some("https://api.acme.example/v1".into()),
            entities: vec![EntitySupport {
                entity: Entity::WorkOrder,
                operations: Operations::LIST | Operations::GET,
                filters: vec![],
                incremental: true,
                default_rules: WORK_ORDER_RULES.into(),
            }],
            max_page_size: 100,
            extra_hosts: vec![],
            supports_passthrough: false,
        }
    }

    fn check(ctx: &ConnectionContext) -> Result<AccountInfo, ConnectorError> {
        let me: Value = Request::get(url(ctx, "/me")).send_checked()?.json()?;
        Ok(AccountInfo {
            account_id: me["account_id"].to_string(),
            display_name: me["account_name"].as_str().unwrap_or("Acme").to_owned(),
        })
    }

    fn list(
        ctx: &ConnectionContext,
        entity: Entity,
        query: &ListQuery,
    ) -> Result<Page, ConnectorError> {
        if entity != Entity::WorkOrder {
            return Err(ConnectorError::unsupported("list"));
        }
        let cursor = OffsetCursor::decode(query.cursor.as_deref())?;
        let limit = query.page_size.clamp(1, 100);
        let resp = Request::get(url(ctx, "/work_orders"))
            .query("offset", cursor.offset.to_string())
            .query("limit", limit.to_string())
            .query_opt("updated_since", query.modified_after.clone())
            .send()?;
        if !resp.is_success() {
            return Err(http::error_for_status(&resp));
        }
        let body: Value = resp.json()?;
        let items = body["items"].as_array().cloned().unwrap_or_default();
        let returned = items.len();
        let records = items
            .into_iter()
            .map(to_record)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            records,
            next_cursor: cursor.next(returned, limit, body["total"].as_u64()),
        })
    }

    fn get(
        ctx: &ConnectionContext,
        _entity: Entity,
        id: &str,
    ) -> Result<SourceRecord, ConnectorError> {
        let id = ids::parse_one(id)?;
        let item: Value = Request::get(url(ctx, &format!("/work_orders/{id}")))
            .send_checked()?
            .json()?;
        to_record(item)
    }
}

millwright_sdk::export_connector!(Acme);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_itself() {
        let info = Acme::describe();
        assert_eq!(info.id, "acme");
        serde_json::from_str::<Value>(&info.entities[0].default_rules).unwrap();
    }

    #[test]
    fn maps_records() {
        let r = to_record(
            serde_json::json!({"id": 7, "name": "x", "modified": "2026-01-31T09:00:00+01:00"}),
        )
        .unwrap();
        assert_eq!(r.id, "7");
        assert_eq!(r.updated_at.as_deref(), Some("2026-01-31T08:00:00Z"));
    }
}
