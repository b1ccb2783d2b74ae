//! `/v1/admin/connections`: create (credentials in the body), list, get, update metadata,
//! disconnect; and each connection's tokens.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::AdminAuth;
use super::pagination::next_cursor;
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::api::query::StrictQuery;
use crate::app::AppState;
use crate::connections::CreateConnection;
use crate::store::{ConnectionFilter, ConnectionRow};

/// A connection as the operator sees it: never credentials.
pub fn view(row: &ConnectionRow) -> Value {
    json!({
        "id": row.id,
        "end_customer_id": row.end_customer_id,
        "connector_id": row.connector_id,
        "base_url": row.base_url,
        "environment": row.environment,
        "status": row.status,
        "account": { "id": row.account_id, "name": row.account_name },
        "settings": serde_json::from_str::<Value>(&row.settings_json).unwrap_or(Value::Null),
        "metadata": serde_json::from_str::<Value>(&row.metadata_json).unwrap_or(Value::Null),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ConnectionCreate")]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateBody {
    connector_id: String,
    end_customer_id: String,
    #[serde(default)]
    end_customer_name: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default = "test_env")]
    environment: String,
    /// Connect-form values (secret or not: the connector's form says which go to the vault).
    #[serde(default)]
    credentials: BTreeMap<String, String>,
    #[serde(default)]
    settings: BTreeMap<String, String>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, Value>>,
    /// Private networks (CIDR) or host names this connection may reach: on-prem systems.
    #[serde(default)]
    allow_private: Vec<String>,
    #[serde(default)]
    approve_hosts: Vec<String>,
    /// Which of the connector's auth schemes to use (`oauth2_client_credentials`, ...); the
    /// first one it declares by default.
    #[serde(default)]
    auth_scheme: Option<String>,
}

fn test_env() -> String {
    "test".into()
}

pub async fn create(State(app): State<AppState>, auth: AdminAuth, JsonObject(body): JsonObject) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require_write()?;
    let body: CreateBody = serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))?;
    let private_networks = body
        .allow_private
        .iter()
        .map(|n| n.parse().map_err(|m: String| ApiError::validation_failed(Some("allow_private"), m)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut values = body.settings;
    values.extend(body.credentials);
    if let Some(scheme) = body.auth_scheme {
        values.insert(crate::runtime::outbound::auth::AUTH_SCHEME_SETTING.to_string(), scheme);
    }
    let request = CreateConnection {
        connector_id: body.connector_id,
        base_url: body.base_url,
        environment: body.environment,
        end_customer_id: Some(body.end_customer_id.clone()),
        values,
        private_networks,
        approved_hosts: body.approve_hosts,
    };
    app.store.ensure_end_customer(&body.end_customer_id, body.end_customer_name.as_deref()).await?;
    let (row, token) = app.connections.create(request).await?;
    if let Some(metadata) = body.metadata {
        app.store.update_connection_metadata(&row.id, &Value::Object(metadata).to_string()).await?;
    }
    let row = app.store.connection(&row.id).await?.ok_or_else(|| ApiError::internal("connection vanished"))?;
    app.store.audit(&auth.actor, "connection.create", Some(&row.id), &json!({"connector_id": row.connector_id, "end_customer_id": row.end_customer_id})).await?;
    Ok((StatusCode::CREATED, Json(json!({ "connection": view(&row), "token": token.plaintext }))))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "ConnectionListQuery")]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    end_customer_id: Option<String>,
    connector_id: Option<String>,
    status: Option<String>,
    environment: Option<String>,
    page_size: Option<String>,
    cursor: Option<String>,
}

pub async fn list(State(app): State<AppState>, _auth: AdminAuth, StrictQuery(q): StrictQuery<ListQuery>) -> Result<Json<Value>, ApiError> {
    let paging = super::pagination::PageQuery { page_size: q.page_size, cursor: q.cursor };
    let limit = paging.limit()?;
    let filter = ConnectionFilter {
        end_customer_id: q.end_customer_id,
        connector_id: q.connector_id,
        status: q.status,
        environment: q.environment,
        after: paging.after()?,
        limit,
    };
    let rows = app.store.list_connections(&filter).await?;
    let next = next_cursor(rows.last().map(|r| r.id.as_str()), rows.len(), limit);
    Ok(Json(json!({ "data": rows.iter().map(view).collect::<Vec<_>>(), "next_cursor": next })))
}

async fn existing(app: &AppState, id: &str) -> Result<ConnectionRow, ApiError> {
    app.store.connection(id).await?.ok_or_else(|| ApiError::not_found(format!("no connection {id}")))
}

pub async fn get(State(app): State<AppState>, _auth: AdminAuth, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(view(&existing(&app, &id).await?)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ConnectionUpdate")]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateBody {
    metadata: serde_json::Map<String, Value>,
}

pub async fn update(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>, JsonObject(body): JsonObject) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let body: UpdateBody = serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))?;
    existing(&app, &id).await?;
    if !app.store.update_connection_metadata(&id, &Value::Object(body.metadata).to_string()).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "connection_disabled", "a disconnected connection cannot be changed"));
    }
    app.store.audit(&auth.actor, "connection.update", Some(&id), &json!({"fields": ["metadata"]})).await?;
    Ok(Json(view(&existing(&app, &id).await?)))
}

/// Disconnect: tokens dead at once, credentials destroyed, the row kept for history.
pub async fn disconnect(State(app): State<AppState>, auth: AdminAuth, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    existing(&app, &id).await?;
    app.store.disconnect_connection(&id).await?;
    app.runtime.forget_connection(&id);
    app.store.audit(&auth.actor, "connection.disconnect", Some(&id), &json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
