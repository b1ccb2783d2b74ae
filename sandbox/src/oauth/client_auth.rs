//! Token-endpoint client authentication (RFC 6749 §2.3): HTTP Basic, or `client_id` and
//! `client_secret` in the body, or a JWT client assertion (RFC 7523 §2.2, as NetSuite's
//! client-credentials flow uses it). Exactly one method per request: a client that sends two
//! gets `invalid_request`, failed authentication is `invalid_client` (401).

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::clients::Client;
use super::errors::OAuthError;
use super::form::Params;
use super::state::OAuthState;
use super::{TOKEN_PATH, jwt};

/// `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An authenticated client; a JWT assertion also carries the scopes it asks for.
pub struct Authenticated<'a> {
    pub client: &'a Client,
    pub assertion_scopes: Option<Vec<String>>,
}

pub fn authenticate<'a>(
    s: &'a OAuthState,
    headers: &HeaderMap,
    p: &Params,
) -> Result<Authenticated<'a>, OAuthError> {
    let basic = basic_credentials(headers)?;
    let assertion = p.get("client_assertion");
    let methods = [
        basic.is_some(),
        p.get("client_secret").is_some(),
        assertion.is_some(),
    ];
    if methods.iter().filter(|m| **m).count() > 1 {
        return Err(OAuthError::invalid_request(
            "more than one client authentication method",
        ));
    }
    if let Some(assertion) = assertion {
        match p.get("client_assertion_type") {
            Some(JWT_BEARER_ASSERTION) => {}
            Some(other) => {
                return Err(OAuthError::invalid_request(format!(
                    "unsupported client_assertion_type {other}"
                )));
            }
            None => return Err(OAuthError::invalid_request("missing client_assertion_type")),
        }
        let (client, scopes) =
            jwt::verify(s, assertion, p.get("client_id"), &audiences(s, headers))?;
        return Ok(Authenticated {
            client,
            assertion_scopes: Some(scopes),
        });
    }
    let (id, secret) = match basic {
        Some((id, secret)) => {
            if p.get("client_id").is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_request(
                    "client_id differs from the HTTP Basic credentials",
                ));
            }
            (id, secret)
        }
        None => match (p.get("client_id"), p.get("client_secret")) {
            (Some(id), Some(secret)) => (id.to_string(), secret.to_string()),
            (Some(_), None) => return Err(OAuthError::invalid_client("missing client_secret")),
            _ => return Err(OAuthError::invalid_client("client authentication required")),
        },
    };
    let client = s
        .client(&id)
        .filter(|c| c.config.client_secret == secret)
        .ok_or_else(|| OAuthError::invalid_client("unknown client or wrong client secret"))?;
    Ok(Authenticated {
        client,
        assertion_scopes: None,
    })
}

/// HTTP Basic credentials: `base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1
/// form-encodes both before base64; for ids and secrets without special characters that is
/// the plain text many clients send). Another scheme is no Basic credential; a malformed
/// Basic header is a failed authentication.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get("authorization") else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("malformed HTTP Basic credentials");
    let value = value.to_str().map_err(|_| bad())?.trim();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

/// Form-decodes one value (`+` is a space, `%XX` a byte; a stray `%` stays itself).
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token URLs a JWT assertion may name as `aud`: the one the request was sent to (its
/// `Host`) and the sandbox's own address.
fn audiences(s: &OAuthState, headers: &HeaderMap) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(host) = headers.get("host").and_then(|h| h.to_str().ok()) {
        out.push(format!("http://{host}{TOKEN_PATH}"));
    }
    if let Some(addr) = s.addr() {
        out.push(format!("http://{addr}{TOKEN_PATH}"));
    }
    out
}
