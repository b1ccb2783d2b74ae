//! # OAuth test connector
//!
//! Reads MaintainX emulator work orders (`GET /workorders`, `GET /workorders/{id}`; `check`
//! is `GET /organizations`) with an access token the *host* obtains and injects: the connector
//! declares three schemes (id `maintainx-oauth`), in this order, against the sandbox's
//! authorization server at `/oauth` (URLs relative to the base URL's origin):
//!
//! 1. `oauth2-authorization-code` (the default: the connect page signs the customer in),
//! 2. `oauth2-client-credentials`,
//! 3. `jwt-bearer` (ES256, NetSuite's style).
//!
//! A connection picks 2 or 3 with the host setting `mw:auth_scheme`. The form asks for no
//! secret: the guest never sees a credential.

use millwright_sdk::prelude::*;
use millwright_sdk::{JwtBearerConfig, Oauth2Config};
use serde_json::Value;

pub struct OAuthTest;

const TOKEN_URL: &str = "/oauth/token";

fn oauth(authorize: bool) -> Oauth2Config {
    Oauth2Config {
        token_url: TOKEN_URL.into(),
        authorize_url: authorize.then(|| "/oauth/authorize".into()),
        scopes: vec!["read".into()],
    }
}

fn get_json(ctx: &ConnectionContext, path: &str, query: &[(&str, String)]) -> Result<Value, ConnectorError> {
    let mut request = Request::get(url(ctx, path));
    for (k, v) in query {
        request = request.query(*k, v.clone());
    }
    request.send_checked()?.json()
}

fn record(v: &Value) -> SourceRecord {
    SourceRecord {
        id: v["id"].to_string(),
        updated_at: v["updatedAt"].as_str().map(str::to_string),
        deleted: false,
        data: v.to_string(),
    }
}

impl Connector for OAuthTest {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            id: "maintainx-oauth".into(),
            name: "MaintainX (OAuth test)".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            auth: vec![
                AuthScheme::Oauth2AuthorizationCode(oauth(true)),
                AuthScheme::Oauth2ClientCredentials(oauth(false)),
                AuthScheme::JwtBearer(JwtBearerConfig { token_url: TOKEN_URL.into(), algorithm: "ES256".into(), scopes: vec!["read".into()] }),
            ],
            form: vec![],
            default_base_url: None,
            entities: vec![EntitySupport {
                entity: Entity::WorkOrder,
                operations: Operations::LIST | Operations::GET,
                filters: vec![],
                incremental: false,
                default_rules: r#"[{"target": "title", "source": "/title"}]"#.into(),
            }],
            max_page_size: 100,
            extra_hosts: vec![],
            supports_passthrough: false,
        }
    }

    fn check(ctx: &ConnectionContext) -> Result<AccountInfo, ConnectorError> {
        let body = get_json(ctx, "/organizations", &[])?;
        let org = &body["organizations"][0];
        Ok(AccountInfo { account_id: org["id"].to_string(), display_name: org["name"].as_str().unwrap_or_default().to_string() })
    }

    fn list(ctx: &ConnectionContext, entity: Entity, query: &ListQuery) -> Result<Page, ConnectorError> {
        if entity != Entity::WorkOrder {
            return Err(ConnectorError::Unsupported("list".into()));
        }
        let mut params = vec![("limit", query.page_size.clamp(1, 100).to_string())];
        if let Some(cursor) = &query.cursor {
            params.push(("cursor", cursor.clone()));
        }
        let body = get_json(ctx, "/workorders", &params)?;
        let records = body["workOrders"].as_array().map(|a| a.iter().map(record).collect()).unwrap_or_default();
        Ok(Page { records, next_cursor: body["nextCursor"].as_str().map(str::to_string) })
    }

    fn get(ctx: &ConnectionContext, entity: Entity, id: &str) -> Result<SourceRecord, ConnectorError> {
        if entity != Entity::WorkOrder {
            return Err(ConnectorError::Unsupported("get".into()));
        }
        let body = get_json(ctx, &format!("/workorders/{id}"), &[])?;
        Ok(record(body.get("workOrder").unwrap_or(&body)))
    }
}

millwright_sdk::export_connector!(OAuthTest);
