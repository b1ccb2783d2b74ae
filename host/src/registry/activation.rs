//! Which version serves: activate (approving the hosts a version declares), roll back, deactivate,
//! delete unused versions, pin a connection, and the operator's limit overrides.
//!
//! A switch loads (compiles) the module first, then commits one transaction that moves the active
//! version, records the history and bumps the `config_version` of the connections that follow it:
//! their next request, on any replica, rebuilds its live state on the new version; requests in
//! flight finish on the module they hold.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::limits::LimitOverrides;
use super::{ActiveModule, Registry};
use crate::api::error::ApiError;
use crate::store::{ActivationAction, DeleteOutcome, ModuleRow};

impl Registry {
    /// The active module of a connector as the database says now (loading it if needed).
    pub async fn current(&self, connector_id: &str) -> Result<Option<Arc<ActiveModule>>, ApiError> {
        match self.store.active_digest(connector_id).await? {
            Some(digest) => {
                let module = self.module(&digest).await?;
                self.active.write().unwrap().insert(connector_id.to_string(), module.clone());
                Ok(Some(module))
            }
            None => Ok(None),
        }
    }

    pub async fn version(&self, connector_id: &str, version: &str) -> Result<ModuleRow, ApiError> {
        self.store
            .module_by_version(connector_id, version)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("connector `{connector_id}` has no version `{version}`")))
    }

    /// Activates `version`. `approve_hosts` must name exactly the extra hosts the version
    /// declares; `None` reuses the approvals given when it was last activated.
    pub async fn activate(&self, connector_id: &str, version: &str, approve_hosts: Option<Vec<String>>, actor: &str) -> Result<ModuleRow, ApiError> {
        let row = self.version(connector_id, version).await?;
        self.switch(row, approve_hosts, ActivationAction::Activate, actor).await
    }

    /// Re-activates the version that was active before the current one.
    pub async fn rollback(&self, connector_id: &str, actor: &str) -> Result<ModuleRow, ApiError> {
        let current = self.store.active_digest(connector_id).await?;
        let target = self.store.rollback_target(connector_id, current.as_deref()).await?.ok_or_else(|| {
            ApiError::validation_failed(None, format!("connector `{connector_id}` has no earlier version to roll back to"))
        })?;
        let row = self.store.module(&target).await?.ok_or_else(|| ApiError::internal("rollback target vanished"))?;
        self.switch(row, None, ActivationAction::Rollback, actor).await
    }

    async fn switch(&self, row: ModuleRow, approve_hosts: Option<Vec<String>>, action: ActivationAction, actor: &str) -> Result<ModuleRow, ApiError> {
        // Compiled and loaded before anything switches: a module that no longer loads changes nothing.
        let module = self.module(&row.digest).await?;
        let hosts = approvals(&module, &row, approve_hosts)?;
        let hosts_json = serde_json::to_string(&hosts).map_err(anyhow::Error::from)?;
        self.store.activate_module(&row.connector_id, &row.digest, Some(&hosts_json), action, actor).await?;
        self.current(&row.connector_id).await?;
        tracing::info!(connector = %row.connector_id, version = %row.version, action = ?action, "connector version switched");
        Ok(self.store.module(&row.digest).await?.unwrap_or(row))
    }

    /// Leaves the connector without an active version: unpinned connections answer 409
    /// `connection_disabled` until one is activated.
    pub async fn deactivate(&self, connector_id: &str, actor: &str) -> Result<(), ApiError> {
        if !self.store.deactivate_module(connector_id, actor).await? {
            return Err(ApiError::validation_failed(None, format!("connector `{connector_id}` has no active version")));
        }
        self.active.write().unwrap().remove(connector_id);
        Ok(())
    }

    /// Deletes a version that is neither active nor pinned.
    pub async fn delete_version(&self, connector_id: &str, version: &str) -> Result<ModuleRow, ApiError> {
        let row = self.version(connector_id, version).await?;
        match self.store.delete_module(&row.digest).await? {
            DeleteOutcome::Deleted => {
                self.loaded.write().unwrap().remove(&row.digest);
                Ok(row)
            }
            DeleteOutcome::Missing => Err(ApiError::not_found(format!("connector `{connector_id}` has no version `{version}`"))),
            DeleteOutcome::Active => Err(ApiError::validation_failed(
                None,
                format!("version `{version}` is active; activate another version or deactivate `{connector_id}` first"),
            )),
            DeleteOutcome::Pinned(n) => Err(ApiError::validation_failed(None, format!("version `{version}` is pinned by {n} connection(s); unpin them first"))),
        }
    }

    /// Pins a connection to one version of its connector (`None`: follow the active version).
    /// A pinned version must have had its declared hosts approved (at an activation).
    pub async fn pin(&self, connection_id: &str, version: Option<&str>) -> Result<Option<ModuleRow>, ApiError> {
        let connection = self.store.connection(connection_id).await?.ok_or_else(|| ApiError::not_found(format!("no connection {connection_id}")))?;
        let row = match version {
            Some(v) => {
                let row = self.version(&connection.connector_id, v).await?;
                let module = self.module(&row.digest).await?;
                if !module.info().extra_hosts.is_empty() && row.approved_hosts_json.is_none() {
                    return Err(ApiError::validation_failed(
                        Some("version"),
                        format!("version `{v}` declares extra hosts that were never approved; activate it once with approve_hosts first"),
                    ));
                }
                Some(row)
            }
            None => None,
        };
        if !self.store.pin_connection(connection_id, row.as_ref().map(|r| r.digest.as_str())).await? {
            return Err(ApiError::new(axum::http::StatusCode::CONFLICT, "connection_disabled", "a disconnected connection cannot be changed"));
        }
        Ok(row)
    }

    /// Replaces a connector's limit overrides (empty: back to the configured defaults).
    pub async fn set_limits(&self, connector_id: &str, overrides: LimitOverrides) -> Result<(), ApiError> {
        if !self.store.modules().await?.iter().any(|m| m.connector_id == connector_id) {
            return Err(ApiError::not_found(format!("no connector `{connector_id}` is installed")));
        }
        overrides.check(self.runtime.max_memory_ceiling())?;
        let json = serde_json::to_string(&overrides).map_err(anyhow::Error::from)?;
        self.store.set_connector_limits(connector_id, (!overrides.is_empty()).then_some(json.as_str())).await?;
        self.current(connector_id).await?;
        Ok(())
    }
}

/// The hosts to record as approved: they must be exactly the ones the module declares.
fn approvals(module: &ActiveModule, row: &ModuleRow, given: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let declared: BTreeSet<String> = module.info().extra_hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
    let stored: Option<Vec<String>> = row.approved_hosts_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    let approved: BTreeSet<String> = given.or(stored).unwrap_or_default().iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let field = Some("approve_hosts");
    if let Some(extra) = approved.difference(&declared).next() {
        return Err(ApiError::validation_failed(field, format!("`{extra}` is not a host this version declares (it declares: {})", list(&declared))));
    }
    let missing: Vec<&String> = declared.difference(&approved).collect();
    if !missing.is_empty() {
        return Err(ApiError::validation_failed(
            field,
            format!(
                "version `{}` calls hosts beyond the connection's base URL that must be approved: {}; send them in approve_hosts",
                row.version,
                missing.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(approved.into_iter().collect())
}

fn list(hosts: &BTreeSet<String>) -> String {
    if hosts.is_empty() { "none".into() } else { hosts.iter().cloned().collect::<Vec<_>>().join(", ") }
}
