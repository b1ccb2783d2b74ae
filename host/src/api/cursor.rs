//! Sealed list cursors.
//!
//! A cursor is opaque to clients: AES-256-GCM over the format version, connection, entity,
//! connector id, a hash of the query, the vendor's own cursor and the issue time. Tampered,
//! foreign (another connection, entity or query) and malformed cursors are refused as
//! `invalid_request`. The connector *version* is not bound, so cursors survive an upgrade.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use crate::vault::MasterKey;

const VERSION: u8 = 1;
const AAD: &[u8] = b"millwright-cursor-v1";

pub struct CursorSealer {
    cipher: Aes256Gcm,
}

/// What a cursor is bound to.
pub struct CursorScope<'a> {
    pub connection_id: &'a str,
    pub entity: &'a str,
    pub connector_id: &'a str,
    pub query_hash: &'a str,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    v: u8,
    c: String,
    e: String,
    k: String,
    q: String,
    vc: String,
    t: i64,
}

impl CursorSealer {
    pub fn new(master: &MasterKey) -> Self {
        // A key of its own, derived from the master key, so cursors never share a key with the vault.
        let key = Sha256::new().chain_update(b"millwright cursor key").chain_update(master.to_base64()).finalize();
        CursorSealer { cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)) }
    }

    pub fn seal(&self, scope: &CursorScope, vendor_cursor: &str) -> String {
        let body = Sealed {
            v: VERSION,
            c: scope.connection_id.into(),
            e: scope.entity.into(),
            k: scope.connector_id.into(),
            q: scope.query_hash.into(),
            vc: vendor_cursor.into(),
            t: chrono::Utc::now().timestamp(),
        };
        let plain = serde_json::to_vec(&body).expect("cursor serialises");
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self.cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: &plain, aad: AAD }).expect("AES-GCM encrypts");
        B64.encode([nonce.as_slice(), &ct].concat())
    }

    /// The vendor cursor inside `cursor`, if it is ours and bound to `scope`.
    pub fn open(&self, scope: &CursorScope, cursor: &str) -> Result<String, ApiError> {
        let invalid = || ApiError::invalid_request("the cursor is invalid or belongs to another list").with("field", "cursor");
        let raw = B64.decode(cursor.as_bytes()).map_err(|_| invalid())?;
        if raw.len() < 12 + 16 {
            return Err(invalid());
        }
        let (nonce, ct) = raw.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: AAD }).map_err(|_| invalid())?;
        let body: Sealed = serde_json::from_slice(&plain).map_err(|_| invalid())?;
        if body.v != VERSION
            || body.c != scope.connection_id
            || body.e != scope.entity
            || body.k != scope.connector_id
            || body.q != scope.query_hash
        {
            return Err(invalid());
        }
        Ok(body.vc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_bound_to_their_scope() {
        let sealer = CursorSealer::new(&MasterKey::generate());
        let scope = CursorScope { connection_id: "conn_a", entity: "work_order", connector_id: "maintainx", query_hash: "q1" };
        let c = sealer.seal(&scope, "vendor-123");
        assert_eq!(sealer.open(&scope, &c).unwrap(), "vendor-123");
        let other = CursorScope { connection_id: "conn_b", ..scope };
        assert!(sealer.open(&other, &c).is_err());
        let other_query = CursorScope { query_hash: "q2", connection_id: "conn_a", ..other };
        assert!(sealer.open(&other_query, &c).is_err());
        let mut tampered = c.clone().into_bytes();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        assert!(sealer.open(&scope, &String::from_utf8(tampered).unwrap()).is_err());
        assert!(sealer.open(&scope, "garbage!!").is_err());
        let foreign = CursorSealer::new(&MasterKey::generate()).seal(&scope, "x");
        assert!(sealer.open(&scope, &foreign).is_err());
    }
}
