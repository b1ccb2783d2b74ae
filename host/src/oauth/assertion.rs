//! JWT client assertions (RFC 7523 §2.2) as NetSuite's OAuth 2.0 client-credentials flow wants
//! them: header `alg` + `kid` (the certificate id), claims `iss` = client id, `aud` = the token
//! URL, `scope` (comma-separated, NetSuite's form), `iat`, `exp` (5 minutes later) and a
//! random `jti`. Signed by `jsonwebtoken`'s RustCrypto provider, called explicitly as the
//! sandbox does (the process default is ambiguous when another crate enables aws-lc).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use rand::RngCore;
use serde_json::json;

use super::ClientConfig;

/// An assertion's lifetime: short, well inside NetSuite's 60-minute limit.
const LIFETIME_S: i64 = 300;

pub fn sign(config: &ClientConfig, now: DateTime<Utc>) -> Result<String, String> {
    let (alg, key) = config.signing.as_ref().ok_or("no signing key")?;
    let alg_name = match alg {
        jsonwebtoken::Algorithm::ES256 => "ES256",
        jsonwebtoken::Algorithm::PS256 => "PS256",
        _ => "RS256",
    };
    let mut header = json!({"typ": "JWT", "alg": alg_name});
    if let Some(kid) = &config.key_id {
        header["kid"] = kid.clone().into();
    }
    let mut jti = [0u8; 16];
    rand::rng().fill_bytes(&mut jti);
    let iat = now.timestamp();
    let claims = json!({
        "iss": config.client_id,
        "aud": config.token_url.as_str(),
        "scope": config.scopes.join(","),
        "iat": iat,
        "exp": iat + LIFETIME_S,
        "jti": URL_SAFE_NO_PAD.encode(jti),
    });
    let encode = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("JSON serialises"));
    let message = format!("{}.{}", encode(&header), encode(&claims));
    let signer = (DEFAULT_PROVIDER.signer_factory)(alg, key).map_err(|_| "the signing key does not fit the algorithm".to_string())?;
    let signature = signer.try_sign(message.as_bytes()).map_err(|_| "signing the client assertion failed".to_string())?;
    Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
}
