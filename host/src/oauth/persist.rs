//! The [`GrantStore`] of a live connection: its grant lives in the connection's sealed
//! credentials; storing a refreshed grant re-seals them and swaps them in only if the
//! credentials' version did not move (so a rotated refresh token and its access token are
//! written together, once, by one process).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use futures::future::BoxFuture;

use super::Grant;
use super::token_source::GrantStore;
use crate::store::Store;
use crate::vault::{Sealed, Vault};

pub struct ConnectionGrantStore {
    pub store: Store,
    pub vault: Vault,
    pub connection_id: String,
}

impl ConnectionGrantStore {
    async fn credentials(&self) -> Result<(i64, BTreeMap<String, String>)> {
        let row = self.store.connection(&self.connection_id).await?.context("connection vanished")?;
        let plain = self.vault.open(&row.id, &Sealed { ciphertext: row.credentials, wrapped_key: row.wrapped_key })?;
        Ok((row.credentials_version, serde_json::from_slice(&plain)?))
    }
}

impl GrantStore for ConnectionGrantStore {
    fn load(&self) -> BoxFuture<'_, Result<(i64, Grant)>> {
        Box::pin(async move {
            let (version, credentials) = self.credentials().await?;
            Ok((version, Grant::from_credentials(&credentials)))
        })
    }

    fn save<'a>(&'a self, expected: i64, grant: &'a Grant) -> BoxFuture<'a, Result<Option<i64>>> {
        Box::pin(async move {
            let (version, mut credentials) = self.credentials().await?;
            if version != expected {
                return Ok(None);
            }
            grant.write_into(&mut credentials);
            let sealed = self.vault.seal(&self.connection_id, serde_json::to_string(&credentials)?.as_bytes())?;
            let swapped = self.store.swap_connection_credentials(&self.connection_id, expected, &sealed.ciphertext, &sealed.wrapped_key).await?;
            Ok(swapped.then_some(expected + 1))
        })
    }
}
