//! `/v1/admin/end-customers`: the operator's customers, by the operator's own id.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::AdminAuth;
use super::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::api::query::StrictQuery;
use crate::app::AppState;
use crate::store::EndCustomerRow;

fn view(row: &EndCustomerRow) -> Value {
    json!({
        "end_customer_id": row.end_customer_id,
        "name": row.name,
        "metadata": serde_json::from_str::<Value>(&row.metadata_json).unwrap_or(Value::Null),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "EndCustomerListQuery")]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    page_size: Option<String>,
    cursor: Option<String>,
}

pub async fn list(State(app): State<AppState>, _auth: AdminAuth, StrictQuery(q): StrictQuery<ListQuery>) -> Result<Json<Value>, ApiError> {
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let rows = app.store.end_customers(paging.after()?.as_deref(), limit).await?;
    let next = next_cursor(rows.last().map(|r| r.end_customer_id.as_str()), rows.len(), limit);
    Ok(Json(json!({ "data": rows.iter().map(view).collect::<Vec<_>>(), "next_cursor": next })))
}

pub async fn get(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let row = app.store.end_customer(&id).await?.ok_or_else(|| ApiError::not_found(format!("no end customer {id}")))?;
    Ok(Json(view(&row)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "EndCustomerUpdate")]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, Value>>,
}

pub async fn update(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let body: UpdateBody = serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))?;
    let metadata = body.metadata.map(|m| Value::Object(m).to_string());
    if !app.store.update_end_customer(&id, body.name.as_deref(), metadata.as_deref()).await? {
        return Err(ApiError::not_found(format!("no end customer {id}")));
    }
    app.store.audit(&auth.actor, "end_customer.update", Some(&id), &json!({})).await?;
    get(State(app), auth, Path(id)).await
}
