//! What binding a connection needs for its OAuth scheme: the client config (scheme + the
//! operator's app), the stored grant, and for a live authorization-code connection the store
//! its rotated refresh tokens go to.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::config::flow_of;
use super::persist::ConnectionGrantStore;
use super::token_source::OAuthSetup;
use super::{ClientConfig, Flow, Grant, apps};
use crate::api::error::ApiError;
use crate::clock::Clock;
use crate::runtime::bindings::AuthScheme;
use crate::store::Store;
use crate::vault::Vault;

/// Refresh an access token this long before it expires.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

pub struct SetupContext<'a> {
    pub store: &'a Store,
    pub vault: &'a Vault,
    pub clock: &'a Clock,
    pub refresh_margin: Duration,
}

/// A stored connection: the id and credentials version its refreshed grants are swapped on.
pub struct Persisted<'a> {
    pub connection_id: &'a str,
    pub credentials_version: i64,
}

/// `None` when `scheme` is no OAuth flow.
pub async fn oauth_setup(
    cx: &SetupContext<'_>,
    connector_id: &str,
    scheme: &AuthScheme,
    base_url: &str,
    credentials: &BTreeMap<String, String>,
    persisted: Option<Persisted<'_>>,
) -> Result<Option<OAuthSetup>, ApiError> {
    let Some(flow) = flow_of(scheme) else { return Ok(None) };
    let app = apps::load(cx.store, cx.vault, connector_id).await?.ok_or_else(|| {
        ApiError::validation_failed(
            None,
            format!("no OAuth app is configured for connector `{connector_id}`; set one with PUT /v1/admin/connectors/{connector_id}/oauth-app"),
        )
    })?;
    let config = ClientConfig::resolve(scheme, &app, base_url).map_err(|m| ApiError::validation_failed(None, m))?;
    let (version, store) = match persisted {
        Some(p) if flow == Flow::AuthorizationCode => {
            let store = ConnectionGrantStore { store: cx.store.clone(), vault: cx.vault.clone(), connection_id: p.connection_id.to_string() };
            (p.credentials_version, Some(Arc::new(store) as Arc<dyn super::token_source::GrantStore>))
        }
        Some(p) => (p.credentials_version, None),
        None => (0, None),
    };
    Ok(Some(OAuthSetup {
        config,
        grant: Grant::from_credentials(credentials),
        version,
        store,
        clock: cx.clock.clone(),
        refresh_margin: cx.refresh_margin,
    }))
}
