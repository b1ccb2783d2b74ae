//! The authorization-code grant's two protocol steps (RFC 6749 §4.1 with PKCE, RFC 7636 S256):
//! the authorization request URL the connect page redirects to, and the code exchange its
//! callback makes. The pages themselves are the connect module's (`connect/authorize.rs`,
//! `connect/callback.rs`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::token_endpoint::{self, TokenError};
use super::token_source::grant_from;
use super::{ClientConfig, Grant};
use crate::clock::Clock;
use crate::runtime::outbound::client::UpstreamClient;

/// A PKCE code verifier: 256 random bits, base64url (43 characters).
pub fn code_verifier() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The authorization request: `response_type=code`, client, redirect URI, scope, state, PKCE.
pub fn authorization_url(config: &ClientConfig, redirect_uri: &str, state: &str, verifier: &str) -> Option<url::Url> {
    let mut url = config.authorize_url.clone()?;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &config.scopes.join(" "))
        .append_pair("state", state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    Some(url)
}

/// Trades the callback's code for the grant (client authenticated with HTTP Basic).
pub async fn exchange_code(
    http: &UpstreamClient,
    config: &ClientConfig,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
    clock: &Clock,
    timeout: std::time::Duration,
) -> Result<Grant, TokenError> {
    let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri), ("code_verifier", verifier)];
    let basic = config.client_secret.as_deref().map(|s| (config.client_id.as_str(), s));
    let issued = token_endpoint::request(http, &config.token_url, &form, basic, timeout).await?;
    Ok(grant_from(issued, None, clock))
}
