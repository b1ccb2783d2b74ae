//! `/v1/admin/connectors/{connector_id}/oauth-app`: the operator's OAuth app for a connector
//! whose schemes include an OAuth flow. `PUT` sets it whole (`client_id`, and `client_secret`
//! and/or `private_key_pem`, optional `key_id`, `scopes`, `token_url`, `authorize_url`), `GET`
//! shows it without secrets (`client_secret_set`, `private_key_set`) plus the `redirect_uri` to
//! register with the system, `DELETE` removes it. Changes are audited (never the secrets).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::OAuthApp;
use super::config::{flow_of, signing_key};
use crate::admin::auth::AdminAuth;
use crate::api::error::ApiError;
use crate::api::json_body::JsonObject;
use crate::app::AppState;
use crate::runtime::bindings::AuthScheme;
use crate::store::{OAuthAppRow, Store};
use crate::vault::{Sealed, Vault};

/// The callback path the connect flow's redirect URI uses (under `MILLWRIGHT_PUBLIC_URL`).
pub const CALLBACK_PATH: &str = "/connect/oauth/callback";

/// The id an app's secrets are sealed under (the vault binds it as associated data).
pub fn vault_id(connector_id: &str) -> String {
    format!("oauth_app:{connector_id}")
}

#[derive(Serialize, Deserialize)]
struct Secrets {
    client_secret: Option<String>,
    private_key_pem: Option<String>,
}

/// What the operator sees: everything but the secrets.
#[derive(Serialize, Deserialize)]
struct Public {
    key_id: Option<String>,
    scopes: Option<Vec<String>>,
    token_url: Option<String>,
    authorize_url: Option<String>,
    client_secret_set: bool,
    private_key_set: bool,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "OAuthAppPut")]
#[serde(deny_unknown_fields)]
pub(crate) struct Body {
    client_id: String,
    client_secret: Option<String>,
    private_key_pem: Option<String>,
    key_id: Option<String>,
    scopes: Option<Vec<String>>,
    token_url: Option<String>,
    authorize_url: Option<String>,
}

/// The app of `connector_id`, secrets opened.
pub async fn load(store: &Store, vault: &Vault, connector_id: &str) -> anyhow::Result<Option<OAuthApp>> {
    let Some(row) = store.oauth_app(connector_id).await? else { return Ok(None) };
    let secrets: Secrets = serde_json::from_slice(&vault.open(&vault_id(connector_id), &Sealed { ciphertext: row.secrets, wrapped_key: row.wrapped_key })?)?;
    let public: Public = serde_json::from_str(&row.public_json)?;
    Ok(Some(OAuthApp {
        client_id: row.client_id,
        client_secret: secrets.client_secret,
        private_key_pem: secrets.private_key_pem,
        key_id: public.key_id,
        scopes: public.scopes,
        token_url: public.token_url,
        authorize_url: public.authorize_url,
    }))
}

/// The app without secrets, plus the callback to register with the system (`null` without
/// `MILLWRIGHT_PUBLIC_URL`, which the authorization-code sign-in needs).
fn view(app: &AppState, row: &OAuthAppRow) -> Value {
    let public: Value = serde_json::from_str(&row.public_json).unwrap_or(Value::Null);
    let mut v = json!({
        "connector_id": row.connector_id,
        "client_id": row.client_id,
        "redirect_uri": app.public_url.as_ref().map(|u| format!("{u}{CALLBACK_PATH}")),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    });
    if let (Value::Object(v), Value::Object(p)) = (&mut v, public) {
        v.extend(p);
    }
    v
}

/// The connector's OAuth schemes; an error when it is not installed or has none.
async fn oauth_schemes(app: &AppState, connector_id: &str) -> Result<Vec<AuthScheme>, ApiError> {
    let module = app.registry.current(connector_id).await?.ok_or_else(|| ApiError::not_found(format!("no connector `{connector_id}` is installed")))?;
    let schemes: Vec<AuthScheme> = module.info().auth.iter().filter(|s| flow_of(s).is_some()).cloned().collect();
    if schemes.is_empty() {
        return Err(ApiError::validation_failed(None, format!("connector `{connector_id}` declares no OAuth scheme")));
    }
    Ok(schemes)
}

fn check_url(field: &str, url: &Option<String>) -> Result<(), ApiError> {
    if let Some(u) = url {
        let parsed = url::Url::parse(u).map_err(|_| ApiError::validation_failed(Some(field), format!("`{field}` is not an absolute URL")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.fragment().is_some() {
            return Err(ApiError::validation_failed(Some(field), format!("`{field}` must be an http(s) URL without a fragment")));
        }
    }
    Ok(())
}

pub async fn put(
    State(app): State<AppState>,
    auth: AdminAuth,
    Path(connector_id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<Value>, ApiError> {
    auth.require_write()?;
    let schemes = oauth_schemes(&app, &connector_id).await?;
    let body: Body = serde_json::from_value(Value::Object(body)).map_err(|e| ApiError::validation_failed(None, e.to_string()))?;
    if body.client_id.trim().is_empty() {
        return Err(ApiError::validation_failed(Some("client_id"), "`client_id` must not be empty"));
    }
    if body.client_secret.is_none() && body.private_key_pem.is_none() {
        return Err(ApiError::validation_failed(None, "give `client_secret`, `private_key_pem` (JWT assertions) or both"));
    }
    if let Some(pem) = &body.private_key_pem {
        let algorithm = schemes.iter().find_map(|s| match s {
            AuthScheme::JwtBearer(j) => Some(j.algorithm.clone()),
            _ => None,
        });
        let Some(algorithm) = algorithm else {
            return Err(ApiError::validation_failed(Some("private_key_pem"), format!("connector `{connector_id}` uses no JWT assertions")));
        };
        signing_key(&algorithm, pem).map_err(|m| ApiError::validation_failed(Some("private_key_pem"), m))?;
    }
    check_url("token_url", &body.token_url)?;
    check_url("authorize_url", &body.authorize_url)?;
    let secrets = Secrets { client_secret: body.client_secret, private_key_pem: body.private_key_pem };
    let public = Public {
        key_id: body.key_id,
        scopes: body.scopes,
        token_url: body.token_url,
        authorize_url: body.authorize_url,
        client_secret_set: secrets.client_secret.is_some(),
        private_key_set: secrets.private_key_pem.is_some(),
    };
    let sealed = app.connections.vault().seal(&vault_id(&connector_id), &serde_json::to_vec(&secrets).map_err(anyhow::Error::from)?)?;
    let public_json = serde_json::to_string(&public).map_err(anyhow::Error::from)?;
    app.store.upsert_oauth_app(&connector_id, &body.client_id, &sealed.ciphertext, &sealed.wrapped_key, &public_json).await?;
    let details = json!({"client_id": body.client_id, "client_secret_set": public.client_secret_set, "private_key_set": public.private_key_set});
    app.store.audit(&auth.actor, "oauth_app.set", Some(&connector_id), &details).await?;
    let row = app.store.oauth_app(&connector_id).await?.ok_or_else(|| ApiError::internal("OAuth app vanished"))?;
    Ok(Json(view(&app, &row)))
}

pub async fn get(State(app): State<AppState>, _auth: AdminAuth, Path(connector_id): Path<String>) -> Result<Json<Value>, ApiError> {
    let row = app.store.oauth_app(&connector_id).await?.ok_or_else(|| ApiError::not_found(format!("no OAuth app is configured for `{connector_id}`")))?;
    Ok(Json(view(&app, &row)))
}

pub async fn delete(State(app): State<AppState>, auth: AdminAuth, Path(connector_id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    if !app.store.delete_oauth_app(&connector_id).await? {
        return Err(ApiError::not_found(format!("no OAuth app is configured for `{connector_id}`")));
    }
    app.store.audit(&auth.actor, "oauth_app.delete", Some(&connector_id), &json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
