//! The flow's secrets: the session secret (in the connect URL) and the one-time code (given to
//! the redirect URI). Both are 256 random bits, base64url, behind a recognisable prefix (`mwl_`,
//! `mwc_`) so secret scanners can spot them; only their SHA-256 is stored.
//!
//! The form token (CSRF, see `csrf.rs`) is derived from the session secret with a
//! domain-separated SHA-256, so it needs no storage and changes with every session.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_PREFIX: &str = "mwl_";
pub const CODE_PREFIX: &str = "mwc_";

/// Characters of the random part: 32 bytes in unpadded base64url.
const BODY_LEN: usize = 43;

/// A fresh secret: `prefix` + 256 random bits.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `text` has the shape of a secret with this prefix (checked before any lookup, so
/// junk never reaches the database).
pub fn well_formed(prefix: &str, text: &str) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|body| body.len() == BODY_LEN && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// What is stored: hex SHA-256, as for tokens.
pub fn hash(secret: &str) -> String {
    crate::tokens::hash(secret)
}

/// The hidden form token of a session's forms.
pub fn form_token(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"millwright-connect-form-token\0");
    h.update(session_secret.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_recognisable() {
        let a = generate(SESSION_PREFIX);
        let b = generate(SESSION_PREFIX);
        assert_ne!(a, b);
        assert!(well_formed(SESSION_PREFIX, &a), "{a}");
        assert!(!well_formed(CODE_PREFIX, &a));
        assert!(!well_formed(SESSION_PREFIX, &a[..a.len() - 1]));
        assert!(!well_formed(SESSION_PREFIX, &format!("{}!", &a[..a.len() - 1])));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(form_token(&a), form_token(&b));
        assert!(constant_time_eq(form_token(&a).as_bytes(), form_token(&a).as_bytes()));
    }
}
