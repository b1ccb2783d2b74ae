//! The connect flow's routes in the OpenAPI document: link sessions and the code exchange (JSON,
//! admin token), and the hosted pages end customers open (HTML, authorised by the link's secret).

use aide::axum::routing::{get_with, post_with};
use aide::transform::TransformOperation;
use axum::response::Html;
use serde_json::{Value, json};

use super::{callback, exchange, pages, sessions, submit};
use crate::openapi::ApiRouter;
use crate::openapi::ops::{self, OperationDocs, object, types::*};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .api_route(
            "/v1/admin/link-sessions",
            post_with(sessions::create, |op| {
                let op = op
                    .id("createLinkSession")
                    .tag("connections")
                    .summary("Start a connect (or reconnect) session; its `url` is the page to send the end customer to")
                    .body::<LinkSessionBody>();
                ops::json_response(op, 201, "The session and its one-time URL", session_created())
            }),
        )
        .api_route("/v1/admin/link-sessions/{id}", get_with(sessions::get, |op| ops::json_response(op.id("getLinkSession").tag("connections").summary("A link session's state"), 200, "The session", session())))
        .api_route(
            "/v1/link/token",
            post_with(exchange::exchange, |op| {
                let op = op
                    .id("exchangeLinkCode")
                    .tag("connect")
                    .summary("Exchange the code from the connect redirect for the connection and its token")
                    .description("Single use, valid for 10 minutes. Authenticated with the admin token: the exchange happens on the operator's server.")
                    .body::<ExchangeBody>();
                ops::json_response(op, 200, "The connection, with its token", exchanged())
            }),
        )
        .api_route("/connect/{secret}", get_with(pages::start, |op| page(op.id("connectStart").summary("Connect page: choose a system"))))
        .api_route(
            "/connect/{secret}/{connector_id}",
            get_with(pages::connector_form, |op| page(op.id("connectForm").summary("Connect page: the system's credential form")))
                .post_with(submit::submit, |op| {
                    let mut op = page(op.id("connectSubmit").summary("Submit the credential form (form-encoded, CSRF-checked)"));
                    ops::binary_body(op.inner_mut(), "application/x-www-form-urlencoded", "The form's fields, as the page posts them.");
                    op
                }),
        )
        .api_route(crate::oauth::apps::CALLBACK_PATH, get_with(callback::callback, |op| page(op.id("connectOAuthCallback").summary("The OAuth authorization server's redirect back to the connect flow"))))
}

/// An HTML page of the hosted flow (errors are HTML pages too, not problem+json).
fn page(op: TransformOperation<'_>) -> TransformOperation<'_> {
    op.tag("connect")
        .html_page()
        .response_with::<200, Html<String>, _>(|r| r.description("An HTML page (errors, such as an expired link, are pages too)"))
        .response_with::<303, (), _>(|r| r.description("On to the next step, or back to the operator's `redirect_uri` with `code` and `state`"))
}

/// `POST /v1/admin/link-sessions` (validated field by field in `validate.rs`).
#[derive(schemars::JsonSchema)]
#[schemars(rename = "LinkSessionCreate")]
#[allow(dead_code)] // documentation only
struct LinkSessionBody {
    end_customer_id: String,
    /// Where the end customer is sent back, with `code` and `state`.
    redirect_uri: String,
    /// `test` or `live`: the connection's environment (and its tokens' prefix).
    environment: String,
    /// Connector ids the end customer may choose from (all by default).
    allowed_connectors: Option<Vec<String>>,
    /// Seconds the link stays valid (default 3600).
    expires_in: Option<u64>,
    /// Reconnect this existing connection instead of creating one.
    connection_id: Option<String>,
    /// On reconnect: revoke the connection's tokens and mint a new one.
    rotate_tokens: Option<bool>,
    /// Passed back untouched on the redirect.
    state: Option<String>,
    /// Private networks (CIDR) or host names the connection may reach.
    allow_private: Option<Vec<String>>,
    /// Hosts beyond the connector's declared ones the connection may reach.
    approve_hosts: Option<Vec<String>>,
}

#[derive(schemars::JsonSchema)]
#[schemars(rename = "LinkCodeExchange")]
#[allow(dead_code)] // documentation only
struct ExchangeBody {
    /// The `code` from the redirect.
    code: String,
}

fn session_created() -> Value {
    object(json!({
        "id": string(), "url": { "type": "string", "format": "uri" }, "expires_at": timestamp(), "status": string(),
        "end_customer_id": string(), "environment": string(), "connection_id": nullable_string()
    }))
}

fn session() -> Value {
    object(json!({
        "id": string(), "status": one_of(&["pending", "completed", "expired"]), "end_customer_id": string(), "environment": string(),
        "redirect_uri": string(), "allowed_connectors": { "type": ["array", "null"], "items": string() }, "connection_id": nullable_string(),
        "reconnect": boolean(), "rotate_tokens": boolean(), "created_by": string(), "created_at": timestamp(), "expires_at": timestamp(),
        "completed_at": nullable_timestamp(), "code_exchanged": boolean()
    }))
}

fn exchanged() -> Value {
    object(json!({
        "connection_id": string(), "token": { "type": ["string", "null"], "description": "The connection token (shown once); `null` on a reconnect that kept the tokens" },
        "end_customer_id": string(), "connector_id": string(), "environment": string(), "link_session_id": string(), "reconnect": boolean(),
        "account": object(json!({ "id": nullable_string(), "name": nullable_string() }))
    }))
}
