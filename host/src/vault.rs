//! The credential vault: AES-256-GCM envelope encryption.
//!
//! Each connection has its own random data key; the data key is stored wrapped by the master key.
//! The connection id is bound as associated data to both, so a ciphertext copied onto another
//! connection does not decrypt. Rotating the master key re-wraps data keys only.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;

const NONCE_LEN: usize = 12;

/// The 256-bit master key, given as base64 (`MILLWRIGHT_MASTER_KEY`) or kept in a key file.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    pub fn parse(text: &str) -> Result<MasterKey> {
        let bytes = B64.decode(text.trim()).map_err(|_| anyhow!("the master key is not valid base64"))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| anyhow!("the master key must be 32 bytes (44 base64 characters)"))?;
        Ok(MasterKey(key))
    }

    pub fn generate() -> MasterKey {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        MasterKey(key)
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }
}

/// Credentials sealed for one connection.
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub wrapped_key: Vec<u8>,
}

#[derive(Clone)]
pub struct Vault {
    master: Aes256Gcm,
}

impl Vault {
    pub fn new(master: &MasterKey) -> Vault {
        Vault { master: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&master.0)) }
    }

    pub fn seal(&self, connection_id: &str, plaintext: &[u8]) -> Result<Sealed> {
        let mut data_key = [0u8; 32];
        rand::rng().fill_bytes(&mut data_key);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&data_key));
        let ciphertext = encrypt(&cipher, plaintext, connection_id.as_bytes())?;
        let wrapped_key = encrypt(&self.master, &data_key, &key_aad(connection_id))?;
        Ok(Sealed { ciphertext, wrapped_key })
    }

    pub fn open(&self, connection_id: &str, sealed: &Sealed) -> Result<Vec<u8>> {
        let data_key = decrypt(&self.master, &sealed.wrapped_key, &key_aad(connection_id))
            .context("cannot unwrap the connection's data key: wrong master key?")?;
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&data_key));
        decrypt(&cipher, &sealed.ciphertext, connection_id.as_bytes()).context("credentials do not decrypt")
    }
}

impl Vault {
    /// Re-wraps a connection's data key under another master key (master-key rotation); the
    /// credentials themselves are not touched.
    pub fn rewrap(&self, to: &Vault, connection_id: &str, wrapped_key: &[u8]) -> Result<Vec<u8>> {
        let data_key = decrypt(&self.master, wrapped_key, &key_aad(connection_id))
            .with_context(|| format!("cannot unwrap the data key of {connection_id} with the current master key"))?;
        encrypt(&to.master, &data_key, &key_aad(connection_id))
    }
}

/// The pseudo-connection the master-key check value is sealed for.
pub const CHECK_ID: &str = "vault-check";
const CHECK_VALUE: &[u8] = b"millwright vault check v1";

impl Vault {
    /// Proves this master key is the database's: seals a check value on first use, opens it
    /// after. A wrong key is refused here, at start-up, with a clear error.
    pub async fn verify_against(&self, store: &crate::store::Store) -> Result<()> {
        match store.vault_check().await? {
            None => {
                let sealed = self.seal(CHECK_ID, CHECK_VALUE)?;
                store.set_vault_check(&sealed.ciphertext, &sealed.wrapped_key).await
            }
            Some((ciphertext, wrapped_key)) => match self.open(CHECK_ID, &Sealed { ciphertext, wrapped_key }) {
                Ok(v) if v == CHECK_VALUE => Ok(()),
                _ => bail!("the master key does not match the one this database's credentials are encrypted with (MILLWRIGHT_MASTER_KEY)"),
            },
        }
    }
}

fn key_aad(connection_id: &str) -> Vec<u8> {
    [b"millwright-data-key:".as_slice(), connection_id.as_bytes()].concat()
}

fn encrypt(cipher: &Aes256Gcm, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
        .map_err(|_| anyhow!("encryption failed"))?;
    Ok([nonce.as_slice(), &ct].concat())
}

fn decrypt(cipher: &Aes256Gcm, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    if sealed.len() < NONCE_LEN + 16 {
        bail!("ciphertext too short");
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad }).map_err(|_| anyhow!("authentication failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_bound_to_the_connection_and_the_master_key() {
        let key = MasterKey::generate();
        let vault = Vault::new(&key);
        let sealed = vault.seal("conn_a", b"{\"api_key\":\"s3cret\"}").unwrap();
        assert_eq!(vault.open("conn_a", &sealed).unwrap(), b"{\"api_key\":\"s3cret\"}");
        assert!(vault.open("conn_b", &sealed).is_err(), "another connection's id must not open it");
        let other = Vault::new(&MasterKey::generate());
        assert!(other.open("conn_a", &sealed).is_err(), "another master key must not open it");
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"s3cret"));
        assert!(MasterKey::parse(&key.to_base64()).is_ok());
        assert!(MasterKey::parse("c2hvcnQ=").is_err());

        let next = Vault::new(&MasterKey::generate());
        let rewrapped = vault.rewrap(&next, "conn_a", &sealed.wrapped_key).unwrap();
        let moved = Sealed { ciphertext: sealed.ciphertext.clone(), wrapped_key: rewrapped };
        assert_eq!(next.open("conn_a", &moved).unwrap(), b"{\"api_key\":\"s3cret\"}");
        assert!(vault.open("conn_a", &moved).is_err(), "the old master key no longer opens it");
    }
}
