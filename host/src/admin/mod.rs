//! The operator API under `/v1/admin/…` (admin token): connections, their tokens, end customers,
//! the connector registry, trusted signing keys and the audit log. Every change is audited (who, what, when, target;
//! never secrets).

pub mod auth;
mod connections;
mod connectors;
mod module_upload;
mod trusted_keys;
mod end_customers;
pub(crate) mod pagination;
mod tokens;

use axum::extract::State;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use self::auth::AdminAuth;
use self::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::query::StrictQuery;
use crate::app::AppState;

/// Module uploads: outside the API's JSON body limit, with the registry's own (the listing shares
/// the path).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/v1/admin/connectors", get(connectors::list).post(connectors::upload))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/connections", get(connections::list).post(connections::create))
        .route("/v1/admin/connections/{id}", get(connections::get).patch(connections::update).delete(connections::disconnect))
        .route("/v1/admin/connections/{id}/tokens", get(tokens::list).post(tokens::create))
        .route("/v1/admin/tokens/{id}/rotate", post(tokens::rotate))
        .route("/v1/admin/tokens/{id}", delete(tokens::revoke))
        .route("/v1/admin/end-customers", get(end_customers::list))
        .route("/v1/admin/end-customers/{id}", get(end_customers::get).patch(end_customers::update))
        .route("/v1/admin/connectors/{connector_id}", get(connectors::get))
        .route("/v1/admin/connectors/{connector_id}/versions/{version}", get(connectors::inspect).delete(connectors::delete_version))
        .route("/v1/admin/connectors/{connector_id}/versions/{version}/activate", post(connectors::activate))
        .route("/v1/admin/connectors/{connector_id}/rollback", post(connectors::rollback))
        .route("/v1/admin/connectors/{connector_id}/deactivate", post(connectors::deactivate))
        .route("/v1/admin/connectors/{connector_id}/limits", get(connectors::get_limits).put(connectors::put_limits))
        .route("/v1/admin/connections/{id}/pin", put(connectors::pin).delete(connectors::unpin))
        .route("/v1/admin/trusted-keys", get(trusted_keys::list).post(trusted_keys::add))
        .route("/v1/admin/trusted-keys/{key_id}", delete(trusted_keys::remove))
        .route("/v1/admin/runtime", get(connectors::runtime))
        .route("/v1/admin/audit-log", get(audit_log))
        .merge(crate::mapping::routes())
        .merge(crate::health::routes::routes())
        .merge(crate::webhooks::admin::routes())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    page_size: Option<String>,
    cursor: Option<String>,
}

async fn audit_log(State(app): State<AppState>, _auth: AdminAuth, StrictQuery(q): StrictQuery<AuditQuery>) -> Result<Json<Value>, ApiError> {
    let paging = PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let rows = app.store.audit_log(paging.after()?.as_deref(), limit).await?;
    let next = next_cursor(rows.last().map(|r| r.id.as_str()), rows.len(), limit);
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).expect("audit entries serialise");
            v["details"] = serde_json::from_str(&r.details_json).unwrap_or(Value::Null);
            v
        })
        .collect();
    Ok(Json(json!({ "data": data, "next_cursor": next })))
}
