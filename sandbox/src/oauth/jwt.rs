//! JWT client assertions as NetSuite's OAuth 2.0 client-credentials flow uses them:
//! `grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=<JWT>`.
//!
//! The JWT must be signed PS256 (RSA key) or ES256 (P-256 key) with the key registered for
//! the client, name that key in the header's `kid` ([`super::OAuthClient::jwt_kid`]), and
//! claim `iss` = client id, `aud` = the token URL (string or array), `iat` and `exp` (seconds;
//! `exp` after now, `iat` not in the future beyond 60 s of skew, `exp - iat` at most 60
//! minutes as NetSuite requires) and `scope` (NetSuite's comma-separated string, a
//! space-separated string or an array). Every failure is `invalid_client` (RFC 7523 §3.2)
//! except a scope the client may not have (`invalid_scope`).
//!
//! Only the signature check is delegated, to `jsonwebtoken`'s RustCrypto provider called
//! explicitly (not the process default, which is ambiguous when another crate in the build
//! enables the aws-lc provider); the claim rules are NetSuite's, checked here with precise
//! error descriptions.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use serde_json::Value;

use super::clients::Client;
use super::errors::OAuthError;
use super::form::grant_scopes;
use super::state::OAuthState;

/// Longest allowed `exp - iat` (NetSuite: 60 minutes).
const MAX_LIFETIME_S: f64 = 3600.0;
/// Tolerated clock skew for `iat` in the future.
const SKEW_S: f64 = 60.0;

fn part(segment: &str, what: &str) -> Result<Value, OAuthError> {
    let bad = || OAuthError::invalid_client(format!("client_assertion: malformed JWT {what}"));
    let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|_| bad())?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(bad)
}

/// Verifies an assertion; returns the client and the scopes it is granted.
pub fn verify<'a>(
    s: &'a OAuthState,
    jwt: &str,
    client_id: Option<&str>,
    audiences: &[String],
) -> Result<(&'a Client, Vec<String>), OAuthError> {
    let fail = |msg: &str| OAuthError::invalid_client(format!("client_assertion: {msg}"));
    let segments: Vec<&str> = jwt.split('.').collect();
    let [header_b64, claims_b64, signature_b64] = segments.as_slice() else {
        return Err(fail("not a JWS compact serialization (three parts)"));
    };
    let header = part(header_b64, "header")?;
    let claims = part(claims_b64, "claims")?;
    let alg = match header["alg"].as_str() {
        Some("PS256") => Algorithm::PS256,
        Some("ES256") => Algorithm::ES256,
        other => {
            return Err(fail(&format!(
                "alg {other:?} not accepted (PS256 or ES256)"
            )));
        }
    };
    let kid = header["kid"]
        .as_str()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| fail("header kid missing"))?;
    let iss = claims["iss"]
        .as_str()
        .ok_or_else(|| fail("claim iss missing"))?;
    if client_id.is_some_and(|id| id != iss) {
        return Err(fail("iss differs from client_id"));
    }
    let client = s.client(iss).ok_or_else(|| fail("unknown client (iss)"))?;
    let key = client
        .jwt
        .as_ref()
        .ok_or_else(|| fail("no public key is registered for this client"))?;
    if key.kid != kid {
        return Err(fail("kid does not name the client's registered key"));
    }
    if key.alg != alg {
        return Err(fail("alg does not fit the registered key type"));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| fail("malformed signature"))?;
    let message = format!("{header_b64}.{claims_b64}");
    let verifier = (DEFAULT_PROVIDER.verifier_factory)(&alg, &key.key)
        .map_err(|e| fail(&format!("unusable key: {e}")))?;
    verifier
        .verify(message.as_bytes(), &signature)
        .map_err(|_| fail("signature does not verify with the registered key"))?;
    check_claims(&claims, audiences).map_err(|m| fail(&m))?;
    let scopes = scope_claim(&claims["scope"]).ok_or_else(|| {
        OAuthError::invalid_scope("client_assertion: claim scope missing or empty")
    })?;
    Ok((client, grant_scopes(Some(scopes), &client.config.scopes)?))
}

fn check_claims(claims: &Value, audiences: &[String]) -> Result<(), String> {
    let aud_ok = match &claims["aud"] {
        Value::String(a) => audiences.contains(a),
        Value::Array(list) => list
            .iter()
            .any(|a| a.as_str().is_some_and(|a| audiences.iter().any(|x| x == a))),
        _ => return Err("claim aud missing".into()),
    };
    if !aud_ok {
        return Err(format!(
            "aud is not the token URL ({})",
            audiences.join(" or ")
        ));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let exp = claims["exp"].as_f64().ok_or("claim exp missing")?;
    let iat = claims["iat"].as_f64().ok_or("claim iat missing")?;
    if exp <= now {
        return Err("assertion expired (exp)".into());
    }
    if iat > now + SKEW_S {
        return Err("iat is in the future".into());
    }
    if exp <= iat || exp - iat > MAX_LIFETIME_S {
        return Err("exp must be after iat and at most 60 minutes later".into());
    }
    Ok(())
}

/// NetSuite's comma-separated string, an RFC 6749 space-separated string, or an array.
fn scope_claim(v: &Value) -> Option<Vec<String>> {
    let scopes: Vec<String> = match v {
        Value::String(s) => s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        Value::Array(list) => list
            .iter()
            .filter_map(|s| s.as_str())
            .map(str::to_string)
            .collect(),
        _ => return None,
    };
    (!scopes.is_empty()).then_some(scopes)
}
