//! The operator API under `/v1/admin/…` (admin token): connections, their tokens, end customers,
//! installed connectors and the audit log. Every change is audited (who, what, when, target;
//! never secrets).

pub mod auth;
mod connections;
mod end_customers;
pub(crate) mod pagination;
mod tokens;

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use self::auth::AdminAuth;
use self::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::query::StrictQuery;
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/connections", get(connections::list).post(connections::create))
        .route("/v1/admin/connections/{id}", get(connections::get).patch(connections::update).delete(connections::disconnect))
        .route("/v1/admin/connections/{id}/tokens", get(tokens::list).post(tokens::create))
        .route("/v1/admin/tokens/{id}/rotate", post(tokens::rotate))
        .route("/v1/admin/tokens/{id}", delete(tokens::revoke))
        .route("/v1/admin/end-customers", get(end_customers::list))
        .route("/v1/admin/end-customers/{id}", get(end_customers::get).patch(end_customers::update))
        .route("/v1/admin/connectors", get(connectors))
        .route("/v1/admin/audit-log", get(audit_log))
        .merge(crate::mapping::routes())
        .merge(crate::health::routes::routes())
        .merge(crate::webhooks::admin::routes())
}

/// Installed connectors and what their connect forms ask for.
async fn connectors(State(app): State<AppState>, _auth: AdminAuth) -> Json<Value> {
    let data: Vec<Value> = app
        .registry
        .connector_ids()
        .iter()
        .filter_map(|id| app.registry.active(id))
        .map(|m| {
            let info = m.info();
            json!({
                "id": info.id,
                "name": info.name,
                "version": info.version,
                "digest": m.module.digest,
                "default_base_url": info.default_base_url,
                "form": info.form.iter().map(|f| json!({"name": f.name, "label": f.label, "secret": f.secret, "required": f.required, "help": f.help})).collect::<Vec<_>>(),
                "entities": info.entities.iter().map(|s| millwright_model::Entity::from(s.entity).name()).collect::<Vec<_>>(),
                "extra_hosts": info.extra_hosts,
            })
        })
        .collect();
    Json(json!({ "data": data, "next_cursor": null }))
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
