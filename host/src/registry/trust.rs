//! Module signatures: a partner signs the SHA-256 digest of a module with an ed25519 key
//! (`millwright connectors sign`), the operator trusts the partner's public key by id, and the
//! signature travels beside the upload as
//! `x-millwright-signature: ed25519:<key id>:<base64 signature over the 32 digest bytes>`.
//!
//! A signature that is present is always checked (unknown key or a wrong signature: refused); with
//! `require_signed` on, an unsigned module is refused too.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::api::error::ApiError;
use crate::store::Store;

/// The request header carrying a module's detached signature.
pub const SIGNATURE_HEADER: &str = "x-millwright-signature";
/// The first line of a secret key file written by `millwright connectors keygen`.
const SECRET_KEY_PREFIX: &str = "millwright-ed25519-secret";

/// A parsed `ed25519:<key id>:<signature>` header value.
pub struct DetachedSignature {
    pub key_id: String,
    signature: Signature,
}

/// Key ids: 1–64 of letters, digits, `.`, `_`, `-` (they sit between colons in the header).
pub fn check_key_id(key_id: &str) -> Result<(), String> {
    let ok = !key_id.is_empty() && key_id.len() <= 64 && key_id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok { Ok(()) } else { Err(format!("`{key_id}` is not a key id (1-64 letters, digits, `.`, `_`, `-`)")) }
}

impl DetachedSignature {
    pub fn parse(value: &str) -> Result<DetachedSignature, String> {
        let mut parts = value.trim().splitn(3, ':');
        let (Some("ed25519"), Some(key_id), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("the {SIGNATURE_HEADER} header must be `ed25519:<key id>:<base64 signature>`"));
        };
        check_key_id(key_id)?;
        let bytes = B64.decode(sig).map_err(|_| "the signature is not base64".to_string())?;
        let bytes: [u8; 64] = bytes.try_into().map_err(|_| "an ed25519 signature is 64 bytes".to_string())?;
        Ok(DetachedSignature { key_id: key_id.to_string(), signature: Signature::from_bytes(&bytes) })
    }

    pub fn header_value(key_id: &str, signature: &Signature) -> String {
        format!("ed25519:{key_id}:{}", B64.encode(signature.to_bytes()))
    }
}

/// Decodes a trusted key as the admin API takes it: base64 of the 32 public key bytes.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = B64.decode(text.trim()).map_err(|_| "the public key is not base64".to_string())?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| "an ed25519 public key is 32 bytes".to_string())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid ed25519 public key".to_string())
}

/// Checks a module's signature against the trusted keys. Returns the signing key id, or `None`
/// for an unsigned module when signatures are optional.
pub async fn verify(store: &Store, header: Option<&str>, bytes: &[u8], require_signed: bool) -> Result<Option<String>, ApiError> {
    let refuse = |detail: String| ApiError::validation_failed(Some(SIGNATURE_HEADER), detail);
    let Some(header) = header else {
        if require_signed {
            return Err(refuse("this host requires signed modules: send the module's signature in x-millwright-signature".into()));
        }
        return Ok(None);
    };
    let signed = DetachedSignature::parse(header).map_err(refuse)?;
    let key = store.trusted_key(&signed.key_id).await?.ok_or_else(|| refuse(format!("`{}` is not a trusted key", signed.key_id)))?;
    let public = parse_public_key(&key.public_key).map_err(|e| ApiError::internal(format!("trusted key {} is unusable: {e}", key.key_id)))?;
    public
        .verify_strict(&Sha256::digest(bytes), &signed.signature)
        .map_err(|_| refuse(format!("the signature does not verify with trusted key `{}`", signed.key_id)))?;
    Ok(Some(signed.key_id))
}

/// A partner's signing key, as `millwright connectors keygen` writes it.
pub struct SecretKey {
    pub key_id: String,
    key: SigningKey,
}

impl SecretKey {
    pub fn generate(key_id: &str) -> Result<SecretKey, String> {
        check_key_id(key_id)?;
        let seed: [u8; 32] = rand::random();
        Ok(SecretKey { key_id: key_id.to_string(), key: SigningKey::from_bytes(&seed) })
    }

    /// `millwright-ed25519-secret:<key id>:<base64 seed>`.
    pub fn to_file_text(&self) -> String {
        format!("{SECRET_KEY_PREFIX}:{}:{}\n", self.key_id, B64.encode(self.key.to_bytes()))
    }

    pub fn from_file_text(text: &str) -> Result<SecretKey, String> {
        let mut parts = text.trim().splitn(3, ':');
        let (Some(SECRET_KEY_PREFIX), Some(key_id), Some(seed)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("not a millwright signing key file".into());
        };
        check_key_id(key_id)?;
        let seed: [u8; 32] = B64.decode(seed).ok().and_then(|b| b.try_into().ok()).ok_or("the key file's secret is damaged")?;
        Ok(SecretKey { key_id: key_id.to_string(), key: SigningKey::from_bytes(&seed) })
    }

    /// base64 of the public key: what the operator registers as a trusted key.
    pub fn public_key(&self) -> String {
        B64.encode(self.key.verifying_key().to_bytes())
    }

    /// The `x-millwright-signature` value for these module bytes.
    pub fn sign_module(&self, bytes: &[u8]) -> String {
        DetachedSignature::header_value(&self.key_id, &self.key.sign(&Sha256::digest(bytes)))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_parse_round_trip() {
        let key = SecretKey::generate("acme-2026").unwrap();
        let again = SecretKey::from_file_text(&key.to_file_text()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let header = key.sign_module(b"module bytes");
        let parsed = DetachedSignature::parse(&header).unwrap();
        assert_eq!(parsed.key_id, "acme-2026");
        let public = parse_public_key(&key.public_key()).unwrap();
        assert!(public.verify_strict(&Sha256::digest(b"module bytes"), &parsed.signature).is_ok());
        assert!(public.verify_strict(&Sha256::digest(b"other bytes"), &parsed.signature).is_err());
        assert!(DetachedSignature::parse("rsa:k:AAAA").is_err());
        assert!(DetachedSignature::parse("ed25519:bad key:AAAA").is_err());
        assert!(!format!("{key:?}").contains(&B64.encode(key.key.to_bytes())));
    }
}
