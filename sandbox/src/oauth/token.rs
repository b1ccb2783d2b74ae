//! `POST /oauth/token` (RFC 6749 §3.2): the grants `client_credentials` (secret or JWT
//! assertion), `authorization_code` (with optional PKCE) and `refresh_token` (rotating).
//! Requests are form-encoded; answers are §5.1 JSON (`access_token`, `token_type: "Bearer"`,
//! `expires_in`, `refresh_token` for the code and refresh grants only, as §4.4.3 advises for
//! client credentials, and `scope`) or §5.2 errors. Every call is counted, successful or not,
//! so host tests can assert single-flight refreshes.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::client_auth::{Authenticated, authenticate};
use super::errors::{OAuthError, no_store};
use super::form::{Params, grant_scopes, scopes};
use super::grants::{Code, Issued};
use super::state::OAuthState;

pub async fn token(State(s): State<Arc<OAuthState>>, headers: HeaderMap, body: Bytes) -> Response {
    let params = Params::parse(&body);
    s.count_token_request(params.as_ref().ok().and_then(|p| p.get("grant_type")));
    match params.and_then(|p| handle(&s, &headers, &p)) {
        Ok(issued) => {
            let mut body = json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope.join(" "),
            });
            if let Some(r) = issued.refresh_token {
                body["refresh_token"] = r.into();
            }
            no_store(Json(body).into_response())
        }
        Err(e) => e.into_response(),
    }
}

fn handle(s: &OAuthState, headers: &HeaderMap, p: &Params) -> Result<Issued, OAuthError> {
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let grant_type = p.require("grant_type")?;
    if !matches!(
        grant_type,
        "client_credentials" | "authorization_code" | "refresh_token"
    ) {
        return Err(OAuthError::unsupported_grant_type(format!(
            "grant_type {grant_type} is not supported"
        )));
    }
    let auth = authenticate(s, headers, p)?;
    let client_id = auth.client.config.client_id.as_str();
    let ttl = s.ttl();
    match grant_type {
        "client_credentials" => {
            let scope = match auth.assertion_scopes {
                Some(granted) => granted,
                None => grant_scopes(p.get("scope").map(scopes), &auth.client.config.scopes)?,
            };
            let mut grants = s.grants();
            let grant = grants.new_grant();
            Ok(grants.issue(client_id, scope, grant, false, ttl))
        }
        "authorization_code" => {
            let code = p.require("code")?;
            let mut grants = s.grants();
            let c = grants.take_code(code)?;
            check_code(&c, &auth, p)?;
            Ok(grants.issue(client_id, c.scope, c.grant, true, ttl))
        }
        _ => {
            let token = p.require("refresh_token")?;
            let mut grants = s.grants();
            let (grant, granted) = grants.rotate(token, client_id)?;
            // A narrower scope may be asked for the new access token (§6); the grant keeps
            // its scope, so later refreshes can widen back to it.
            let scope = grant_scopes(p.get("scope").map(scopes), &granted)?;
            let mut issued = grants.issue(client_id, granted, grant, true, ttl);
            issued.scope = scope;
            Ok(issued)
        }
    }
}

/// The §4.1.3 checks of a code against the request that presents it, plus PKCE (RFC 7636).
fn check_code(c: &Code, auth: &Authenticated, p: &Params) -> Result<(), OAuthError> {
    if c.client_id != auth.client.config.client_id {
        return Err(OAuthError::invalid_grant(
            "authorization code was issued to another client",
        ));
    }
    match p.get("redirect_uri") {
        Some(r) if r == c.redirect_uri => {}
        None if !c.explicit_redirect => {}
        Some(_) => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        None => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri is required: the authorization request had one",
            ));
        }
    }
    match (&c.challenge, p.get("code_verifier")) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent but the authorization request had no code_challenge",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is required")),
        (Some((challenge, method)), Some(verifier)) => {
            let computed = if method == "S256" {
                URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
            } else {
                verifier.to_string()
            };
            if &computed == challenge {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
    }
}
