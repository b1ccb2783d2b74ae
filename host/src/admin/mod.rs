//! The operator API under `/v1/admin/…` (admin token): connections, their tokens, end customers,
//! the connector registry, trusted signing keys and the audit log. Every change is audited (who, what, when, target;
//! never secrets).

pub mod auth;
mod connections;
mod docs;
mod connectors;
mod module_upload;
mod trusted_keys;
mod end_customers;
pub(crate) mod pagination;
mod tokens;

use axum::extract::State;
use aide::axum::routing::{delete_with, get_with, post_with, put_with};
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use self::auth::AdminAuth;
use self::pagination::{PageQuery, next_cursor};
use crate::api::error::ApiError;
use crate::api::query::StrictQuery;
use crate::app::AppState;
use crate::openapi::ApiRouter;
use crate::openapi::ops::{self, no_content, ok, OperationDocs, page_of};

/// Module uploads: outside the API's JSON body limit, with the registry's own (the listing shares
/// the path).
pub fn upload_routes() -> ApiRouter {
    ApiRouter::new().api_route(
        "/v1/admin/connectors",
        get_with(connectors::list, |op| ok(op.id("listConnectors").tag("connectors").summary("Installed connectors and their versions"), page_of(docs::connector())))
            .post_with(connectors::upload, |op| {
                let op = op
                    .id("uploadConnectorModule")
                    .tag("connectors")
                    .summary("Install a connector module (a signed or unsigned component)")
                    .description("Validated (WIT world, size, declared hosts, default rules) and compiled before it is stored; installed inactive unless it is the connector's first version.");
                ops::json_response(op, 201, "The installed version", docs::module_version())
            }),
    )
}



pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .api_route(
            "/v1/admin/connections",
            get_with(connections::list, |op| ok(op.id("listConnections").tag("connections").summary("List connections"), docs::connections_page()))
                .post_with(connections::create, |op| {
                    let op = op.id("createConnection").tag("connections").summary("Create a connection (credentials in the body)").body::<connections::CreateBody>();
                    ops::json_response(op, 201, "The connection and its first token", docs::connection_created())
                }),
        )
        .api_route(
            "/v1/admin/connections/{id}",
            get_with(connections::get, |op| ok(op.id("getAdminConnection").tag("connections").summary("Get a connection"), docs::connection()))
                .patch_with(connections::update, |op| {
                    ok(op.id("updateConnection").tag("connections").summary("Replace a connection's metadata").body::<connections::UpdateBody>().codes(&["connection_disabled"]), docs::connection())
                })
                .delete_with(connections::disconnect, |op| no_content(op.id("disconnectConnection").tag("connections").summary("Disconnect: tokens die at once, credentials are destroyed"), "Done")),
        )
        .api_route(
            "/v1/admin/connections/{id}/tokens",
            get_with(tokens::list, |op| ok(op.id("listConnectionTokens").tag("connections").summary("A connection's tokens (never the secrets)"), page_of(docs::token())))
                .post_with(tokens::create, |op| {
                    let op = op.id("createConnectionToken").tag("connections").summary("Mint another token for a connection").body::<tokens::CreateBody>().codes(&["connection_disabled"]);
                    ops::json_response(op, 201, "The token, shown once", docs::token_created())
                }),
        )
        .api_route(
            "/v1/admin/tokens/{id}/rotate",
            post_with(tokens::rotate, |op| {
                let op = op.id("rotateToken").tag("connections").summary("Rotate a token (the old one may keep a grace period)").body::<tokens::RotateBody>();
                ops::json_response(op, 201, "The new token, shown once", docs::token_rotated())
            }),
        )
        .api_route("/v1/admin/tokens/{id}", delete_with(tokens::revoke, |op| no_content(op.id("revokeToken").tag("connections").summary("Revoke a token"), "Done")))
        .api_route(
            "/v1/admin/end-customers",
            get_with(end_customers::list, |op| ok(op.id("listEndCustomers").tag("connections").summary("List end customers"), page_of(docs::end_customer()))),
        )
        .api_route(
            "/v1/admin/end-customers/{id}",
            get_with(end_customers::get, |op| ok(op.id("getEndCustomer").tag("connections").summary("Get an end customer"), docs::end_customer()))
                .patch_with(end_customers::update, |op| ok(op.id("updateEndCustomer").tag("connections").summary("Update an end customer's name or metadata").body::<end_customers::UpdateBody>(), docs::end_customer())),
        )
        .api_route(
            "/v1/admin/connectors/{connector_id}",
            get_with(connectors::get, |op| ok(op.id("getConnector").tag("connectors").summary("A connector: its active version's description and every installed version"), docs::connector())),
        )
        .api_route(
            "/v1/admin/connectors/{connector_id}/versions/{version}",
            get_with(connectors::inspect, |op| ok(op.id("inspectConnectorVersion").tag("connectors").summary("One installed version, with what its module declares"), connectors::inspect_schema()))
                .delete_with(connectors::delete_version, |op| no_content(op.id("deleteConnectorVersion").tag("connectors").summary("Delete an inactive, unpinned version").codes(&["validation_failed"]), "Deleted")),
        )
        .api_route(
            "/v1/admin/connectors/{connector_id}/versions/{version}/activate",
            post_with(connectors::activate, |op| {
                let op = op.id("activateConnectorVersion").tag("connectors").summary("Activate a version (connections switch on their next request)").body::<connectors::ActivateBody>();
                ok(op, docs::module_version())
            }),
        )
        .api_route(
            "/v1/admin/connectors/{connector_id}/rollback",
            post_with(connectors::rollback, |op| ok(op.id("rollbackConnector").tag("connectors").summary("Reactivate the previously active version").codes(&["validation_failed"]), docs::module_version())),
        )
        .api_route(
            "/v1/admin/connectors/{connector_id}/deactivate",
            post_with(connectors::deactivate, |op| no_content(op.id("deactivateConnector").tag("connectors").summary("Deactivate a connector (its connections answer 409 until one is active)"), "Done")),
        )
        .api_route(
            "/v1/admin/connectors/{connector_id}/limits",
            get_with(connectors::get_limits, |op| ok(op.id("getConnectorLimits").tag("connectors").summary("The connector's sandbox limits: overrides, effective values, defaults"), docs::limits()))
                .put_with(connectors::put_limits, |op| ok(op.id("putConnectorLimits").tag("connectors").summary("Replace the connector's limit overrides (`{}` restores the defaults)").body::<crate::registry::limits::LimitOverrides>(), docs::limits())),
        )
        .api_route(
            "/v1/admin/connections/{id}/pin",
            put_with(connectors::pin, |op| ok(op.id("pinConnection").tag("connectors").summary("Pin a connection to one version of its connector").body::<connectors::PinBody>(), docs::pinned()))
                .delete_with(connectors::unpin, |op| no_content(op.id("unpinConnection").tag("connectors").summary("Unpin: follow the connector's active version again"), "Done")),
        )
        .api_route(
            "/v1/admin/trusted-keys",
            get_with(trusted_keys::list, |op| ok(op.id("listTrustedKeys").tag("connectors").summary("Keys trusted to sign modules"), docs::trusted_keys()))
                .post_with(trusted_keys::add, |op| {
                    ops::json_response(op.id("addTrustedKey").tag("connectors").summary("Trust a signing key").body::<trusted_keys::AddBody>(), 201, "The key", docs::trusted_key())
                }),
        )
        .api_route(
            "/v1/admin/trusted-keys/{key_id}",
            delete_with(trusted_keys::remove, |op| no_content(op.id("removeTrustedKey").tag("connectors").summary("Stop trusting a key (modules it signed stay installed)"), "Done")),
        )
        .api_route("/v1/admin/runtime", get_with(connectors::runtime, |op| ok(op.id("getRuntime").tag("admin").summary("Loaded modules and compile-cache counts of this process"), docs::runtime())))
        .api_route("/v1/admin/audit-log", get_with(audit_log, |op| ok(op.id("listAuditLog").tag("admin").summary("Who changed what, newest first (never secrets)"), page_of(docs::audit_entry()))))
        .merge(crate::mapping::routes())
        .merge(crate::health::routes::routes())
        .merge(crate::webhooks::docs::routes())
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "AuditLogQuery")]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
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
