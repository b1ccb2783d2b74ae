//! Key pairs and JWT signing for the assertion tests. Keys come from RustCrypto (`rsa`,
//! `p256`); JWTs are signed by jsonwebtoken's RustCrypto provider (called explicitly), an
//! encoder independent of the server's claim checks.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::{Algorithm, EncodingKey};
use p256::elliptic_curve::Generate;
use serde_json::{Value, json};

pub struct KeyPair {
    pub alg: Algorithm,
    pub private_pem: String,
    pub public_pem: String,
}

/// 2048-bit RSA keys, made once per test binary (RSA generation is the slow part).
pub fn rsa(n: usize) -> &'static KeyPair {
    static KEYS: [OnceLock<KeyPair>; 2] = [OnceLock::new(), OnceLock::new()];
    KEYS[n].get_or_init(|| {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let mut rng = p256::elliptic_curve::common::getrandom::SysRng;
        let key = rsa::PrivateKey::new(&mut rng, 2048).expect("RSA key generated");
        KeyPair {
            alg: Algorithm::PS256,
            private_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public_pem: key
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
        }
    })
}

/// A fresh P-256 key.
pub fn ec() -> KeyPair {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let key = p256::ecdsa::SigningKey::generate();
    KeyPair {
        alg: Algorithm::ES256,
        private_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// NetSuite-shaped claims: `iss`, `scope`, `aud`, `iat`, `exp` (now + 5 min).
pub fn claims(client_id: &str, aud: &str, scope: &str) -> Value {
    json!({"iss": client_id, "scope": scope, "aud": aud, "iat": now(), "exp": now() + 300})
}

/// A compact JWS of `claims` with header `{"typ": "JWT", "alg", "kid"}`.
pub fn sign(key: &KeyPair, kid: &str, claims: &Value) -> String {
    let alg = if key.alg == Algorithm::PS256 {
        "PS256"
    } else {
        "ES256"
    };
    let header = json!({"typ": "JWT", "alg": alg, "kid": kid});
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let message = format!("{}.{}", b64(&header), b64(claims));
    let encoding = match key.alg {
        Algorithm::PS256 => EncodingKey::from_rsa_pem(key.private_pem.as_bytes()),
        _ => EncodingKey::from_ec_pem(key.private_pem.as_bytes()),
    }
    .expect("encoding key");
    let signer = (DEFAULT_PROVIDER.signer_factory)(&key.alg, &encoding).expect("signer");
    let signature = signer.try_sign(message.as_bytes()).expect("signed");
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}
