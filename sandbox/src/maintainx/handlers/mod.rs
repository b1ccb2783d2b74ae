//! Request handlers, one module per MaintainX entity, plus what they share: id parsing, the
//! list envelope (`{"<entity>": [...], "nextCursor", "nextPageUrl"}`) and the fallback 404.

pub mod assets;
pub mod locations;
pub mod organizations;
pub mod parts;
pub mod purchase_orders;
pub mod users;
pub mod vendors;
pub mod work_order_changes;
pub mod work_order_render;
pub mod work_order_writes;
pub mod work_orders;
pub mod work_requests;

use std::collections::BTreeMap;

use axum::Json;
use serde_json::{Map, Value, json};

use super::cursor;
use super::errors::MxError;
use super::listing::{BaseSet, Filter, ListQuery, Page};
use super::query::RawQuery;

pub async fn not_found() -> MxError {
    MxError::not_found()
}

/// Operations of the real API this emulator does not serve (e.g. `DELETE /workorders/{id}`).
pub async fn method_not_allowed() -> MxError {
    MxError::Simple(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed.".into(),
    )
}

/// Path ids are integers in the spec; anything else is a 400 like a bad query.
pub fn parse_id(s: &str) -> Result<u64, MxError> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| MxError::bad_query(format!("id must be an integer, got {s:?}")))
}

/// Index of a generated record from its id, if in range.
pub fn index_of<B: BaseSet>(set: &B, id: u64) -> Option<u64> {
    id.checked_sub(set.first_id()).filter(|i| *i < set.len())
}

/// Runs a list and wraps it in MaintainX's envelope.
pub fn list_response<B: BaseSet>(
    key: &str,
    set: &B,
    overlay: &BTreeMap<u64, B::R>,
    q: &ListQuery,
    filter: &Filter<B::R>,
    raw: &RawQuery,
    render: impl Fn(&B::R) -> Value,
) -> Json<Value> {
    let Page { items, next } = super::listing::list(set, overlay, q, filter);
    let records: Vec<Value> = items.iter().map(render).collect();
    let next_cursor = next.map(|k| cursor::encode(q.sort, k));
    let next_url = next_cursor.as_ref().map(|c| raw.next_page_url(c));
    Json(json!({ key: records, "nextCursor": next_cursor, "nextPageUrl": next_url }))
}

/// `extraFields` as a JSON object.
pub fn extra(fields: &BTreeMap<String, String>) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

/// Custom-field filter test: every label matches one of its values.
pub fn custom_match(fields: &BTreeMap<String, String>, filters: &[(String, Vec<String>)]) -> bool {
    filters.iter().all(|(label, vals)| {
        fields
            .get(label)
            .is_some_and(|v| vals.iter().any(|x| x == v))
    })
}
