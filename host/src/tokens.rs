//! Tokens: connection tokens `mw_live_…` / `mw_test_…` and operator tokens `mw_admin_…`, 32
//! random bytes in base62 plus a CRC-32 checksum (so secret scanners can recognise them without
//! a lookup). Only the SHA-256 hash is stored; the plaintext is shown once.

use rand::RngCore;
use sha2::{Digest, Sha256};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A freshly minted token: the plaintext (shown once), its hash and its display prefix.
pub struct MintedToken {
    pub plaintext: String,
    pub hash: String,
    pub prefix: String,
}

impl std::fmt::Debug for MintedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MintedToken({}…)", self.prefix)
    }
}

pub fn mint(environment: &str) -> MintedToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let body = base62(&bytes, 43);
    let checksum = base62(&crc32fast::hash(body.as_bytes()).to_be_bytes(), 6);
    let plaintext = format!("mw_{environment}_{body}{checksum}");
    let prefix = plaintext[..plaintext.len().min(16)].to_string();
    MintedToken { hash: hash(&plaintext), plaintext, prefix }
}

pub fn hash(token: &str) -> String {
    crate::runtime::compile::hex(&Sha256::digest(token.as_bytes()))
}

/// Shape and checksum check of a connection token, before any database lookup.
pub fn well_formed(token: &str) -> bool {
    matches!(kind(token), Some("live" | "test"))
}

/// The kind of a well-formed token (`live`, `test` or `admin`), checksum verified.
pub fn kind(token: &str) -> Option<&'static str> {
    let (kind, rest) = [("live", "mw_live_"), ("test", "mw_test_"), ("admin", "mw_admin_")]
        .into_iter()
        .find_map(|(kind, prefix)| token.strip_prefix(prefix).map(|rest| (kind, rest)))?;
    checksum_ok(rest).then_some(kind)
}

fn checksum_ok(rest: &str) -> bool {
    if rest.len() != 49 || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (body, checksum) = rest.split_at(43);
    base62(&crc32fast::hash(body.as_bytes()).to_be_bytes(), 6) == checksum
}

/// Big-endian base62 of `bytes`, left-padded with '0' to `width`.
fn base62(bytes: &[u8], width: usize) -> String {
    let mut digits = bytes.to_vec();
    let mut out = Vec::new();
    while digits.iter().any(|d| *d != 0) {
        let mut rem = 0u32;
        for d in digits.iter_mut() {
            let acc = (rem << 8) | *d as u32;
            *d = (acc / 62) as u8;
            rem = acc % 62;
        }
        out.push(BASE62[rem as usize]);
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("base62 is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_are_well_formed_and_checksummed() {
        let t = mint("test");
        assert!(t.plaintext.starts_with("mw_test_"));
        assert!(well_formed(&t.plaintext), "{}", t.plaintext);
        let mut tampered = t.plaintext.clone().into_bytes();
        let i = 10;
        tampered[i] = if tampered[i] == b'a' { b'b' } else { b'a' };
        assert!(!well_formed(&String::from_utf8(tampered).unwrap()));
        assert_ne!(t.hash, mint("test").hash);
        assert!(!well_formed("mw_prod_abc"));
    }
}
