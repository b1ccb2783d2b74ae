//! Installing modules: from an upload, the CLI, or the built-ins at start-up.
//!
//! Order: signature (a present one is always checked; `require_signed` refuses unsigned) →
//! validation (see [`super::validate`]) → one insert. A refusal stores nothing. Installing the
//! same bytes again is a no-op that answers with the stored module.

use std::sync::Arc;

use super::{Registry, trust, validate, view};
use crate::api::error::ApiError;
use crate::runtime::bindings::WIT_VERSION;
use crate::runtime::compile::digest;
use crate::store::{ActivationAction, ModuleRow};

/// The outcome of an install.
pub struct Installed {
    pub row: ModuleRow,
    /// False when these exact bytes were already installed.
    pub created: bool,
}

impl Registry {
    /// Installs a module. `signature` is the `x-millwright-signature` value, if any.
    pub async fn install(&self, bytes: Vec<u8>, signature: Option<&str>) -> Result<Installed, ApiError> {
        if bytes.len() > self.config.max_module_bytes {
            return Err(too_large(self.config.max_module_bytes));
        }
        let signed_by = trust::verify(&self.store, signature, &bytes, self.config.require_signed).await?;
        self.store_validated(bytes, signed_by).await
    }

    /// Installs a built-in module unless present, activating it (its declared hosts approved:
    /// it ships with the binary) when its connector has no active version.
    pub async fn install_builtin(&self, bytes: &[u8]) -> anyhow::Result<()> {
        if self.store.module(&digest(bytes)).await?.is_some() {
            return Ok(());
        }
        let installed = match self.store_validated(bytes.to_vec(), None).await {
            Ok(installed) => installed,
            // A rebuilt built-in that kept its version string: the installed bytes stay.
            Err(e) if e.extra.contains_key("installed_digest") => {
                tracing::warn!(detail = %e.detail, "built-in connector not installed");
                return Ok(());
            }
            Err(e) => anyhow::bail!("built-in connector refused: {}", e.detail),
        };
        let row = installed.row;
        if self.store.active_digest(&row.connector_id).await?.is_none() {
            let hosts = self.loaded.read().unwrap().get(&row.digest).map(|m| m.info().extra_hosts.clone()).unwrap_or_default();
            let hosts_json = serde_json::to_string(&hosts)?;
            self.store.activate_module(&row.connector_id, &row.digest, Some(&hosts_json), ActivationAction::Activate, "builtin").await?;
        }
        tracing::info!(connector = %row.connector_id, version = %row.version, "installed built-in connector");
        Ok(())
    }

    async fn store_validated(&self, bytes: Vec<u8>, signed_by: Option<String>) -> Result<Installed, ApiError> {
        let digest = digest(&bytes);
        if let Some(row) = self.store.module(&digest).await? {
            return Ok(Installed { row, created: false });
        }
        let module = validate::validate(&self.runtime, bytes.clone()).await.map_err(|reason| ApiError::validation_failed(None, reason))?;
        let info = module.info();
        let row = ModuleRow {
            digest: digest.clone(),
            connector_id: info.id.clone(),
            version: info.version.clone(),
            wit_version: WIT_VERSION.into(),
            info_json: view::info(&module).to_string(),
            installed_at: crate::store::now(),
            signed_by,
            approved_hosts_json: None,
        };
        if !self.store.insert_module(&row, &bytes).await? {
            let installed = self.store.module_by_version(&row.connector_id, &row.version).await?.map(|m| m.digest);
            return Err(ApiError::validation_failed(
                None,
                format!("connector `{}` version `{}` is already installed with different bytes; give the new build another version", row.connector_id, row.version),
            )
            .with("installed_digest", installed));
        }
        self.loaded.write().unwrap().insert(digest, Arc::new(module));
        Ok(Installed { row, created: true })
    }
}

/// 413 `payload_too_large` for a module over the configured size.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the module is larger than this host's limit of {limit} bytes (MILLWRIGHT_MAX_MODULE_BYTES)"),
    )
}
