//! Reconnecting an existing connection: new credentials, checked live like `create`, must reach
//! the same account (`check`'s account id equal to the stored one). The connection keeps its id,
//! settings it did not resubmit are replaced by the new form, and its tokens stay valid (the
//! caller decides about rotating them).
//!
//! The check runs under a scratch connection id, so a session the connector cached for the old
//! credentials (session-login schemes) cannot make new, wrong credentials look valid, and the
//! live connection's cache is left alone until the swap. The credentials are sealed under the
//! real connection id (the vault binds the id as associated data).

use std::collections::BTreeMap;

use axum::http::StatusCode;

use super::{Connections, split_form, stored_networks, validate_base_url};
use crate::api::error::ApiError;
use crate::oauth::grant::RESERVED_PREFIX;
use crate::runtime::ConnectionSpec;
use crate::store::{ConnectionRow, ReplaceCredentials, new_id};

pub struct ReconnectConnection {
    pub connection_id: String,
    /// `None` keeps the connection's base URL.
    pub base_url: Option<String>,
    /// Connect-form values by field name, as for `create`.
    pub values: BTreeMap<String, String>,
}

/// `reason` of the validation error when the credentials reach another account.
pub const ACCOUNT_MISMATCH: &str = "account_mismatch";

impl Connections {
    /// Validates the form, checks the new credentials against the system and seals them. Nothing
    /// is stored: apply the result with `Store::replace_connection_credentials` (or inside a
    /// link-session completion), which compare-and-swaps on `credentials_version`.
    pub async fn check_reconnect(&self, req: &ReconnectConnection) -> Result<ReplaceCredentials, ApiError> {
        self.check_reconnect_with(req, BTreeMap::new()).await
    }

    /// [`Connections::check_reconnect`] with credentials the host obtained itself (an OAuth
    /// grant from the connect page's callback).
    pub async fn check_reconnect_with(&self, req: &ReconnectConnection, host_credentials: BTreeMap<String, String>) -> Result<ReplaceCredentials, ApiError> {
        let row = self
            .store
            .connection(&req.connection_id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no connection {}", req.connection_id)))?;
        if row.status == "disconnected" {
            return Err(ApiError::new(StatusCode::CONFLICT, "connection_disabled", "a disconnected connection cannot be reconnected"));
        }
        let module = self
            .registry
            .active(&row.connector_id)
            .ok_or_else(|| ApiError::invalid_request(format!("no connector `{}` is installed", row.connector_id)))?;
        let base_url = req.base_url.clone().unwrap_or_else(|| row.base_url.clone());
        validate_base_url(&base_url)?;
        let (mut settings, mut credentials) = split_form(module.info(), &req.values)?;
        credentials.extend(host_credentials);
        // The host's own settings (`mw:auth_scheme`) stay unless the request names them again.
        let stored: BTreeMap<String, String> = serde_json::from_str(&row.settings_json).map_err(anyhow::Error::from)?;
        for (k, v) in stored.into_iter().filter(|(k, _)| k.starts_with(RESERVED_PREFIX)) {
            settings.entry(k).or_insert(v);
        }
        let scratch = new_id("relink");
        let spec = ConnectionSpec {
            connection_id: scratch.clone(),
            base_url: base_url.clone(),
            settings: settings.clone(),
            credentials: credentials.clone(),
            approved_hosts: serde_json::from_str(&row.approved_hosts_json).map_err(anyhow::Error::from)?,
            private_networks: stored_networks(&row)?,
        };
        let account = self.check_credentials(&module, &spec, &row.id).await?;
        if let Some(stored) = &row.account_id
            && *stored != account.account_id
        {
            return Err(account_mismatch(&row, &account.display_name));
        }
        let sealed = self
            .vault
            .seal(&row.id, serde_json::to_string(&credentials).expect("a map serialises").as_bytes())
            .map_err(ApiError::from)?;
        Ok(ReplaceCredentials {
            connection_id: row.id,
            expected_credentials_version: row.credentials_version,
            base_url,
            settings_json: serde_json::to_string(&settings).expect("a map serialises"),
            credentials: sealed.ciphertext,
            wrapped_key: sealed.wrapped_key,
            account_name: Some(account.display_name),
        })
    }

    /// Checks and swaps in new credentials; the connection becomes `active`, its id and tokens
    /// are unchanged, and every replica rebuilds it on its next request (`config_version`).
    pub async fn reconnect(&self, req: &ReconnectConnection) -> Result<ConnectionRow, ApiError> {
        let replace = self.check_reconnect(req).await?;
        if !self.store.replace_connection_credentials(&replace).await? {
            return Err(changed_meanwhile());
        }
        self.runtime.forget_connection(&req.connection_id);
        self.store.connection(&req.connection_id).await?.ok_or_else(|| ApiError::internal("connection vanished"))
    }
}

/// The credentials work, but for another account than the connection's.
fn account_mismatch(row: &ConnectionRow, other_account: &str) -> ApiError {
    let ours = row.account_name.as_deref().or(row.account_id.as_deref()).unwrap_or("the connected account");
    ApiError::validation_failed(
        None,
        format!(
            "these credentials belong to another account ({other_account}), not to {ours}, the account this connection \
             uses; use credentials of {ours}, or connect the other account as a new connection"
        ),
    )
    .with("reason", ACCOUNT_MISMATCH)
}

/// The compare-and-swap lost: someone else changed the credentials after the check.
pub fn changed_meanwhile() -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "the connection's credentials changed while these were being checked; try again")
}
