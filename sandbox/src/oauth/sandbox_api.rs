//! The [`Sandbox`] methods of the authorization server: URLs for the host under test and the
//! controls its tests use (token lifetime, auto-approval, revocation, the token-call count).

use std::time::Duration;

use super::{OAUTH_PREFIX, TOKEN_PATH};
use crate::Sandbox;

impl Sandbox {
    /// `http://127.0.0.1:PORT/oauth/authorize`.
    pub fn oauth_authorize_url(&self) -> String {
        format!("http://{}{OAUTH_PREFIX}/authorize", self.addr)
    }

    /// `http://127.0.0.1:PORT/oauth/token`: also the `aud` JWT client assertions name.
    pub fn oauth_token_url(&self) -> String {
        format!("http://{}{TOKEN_PATH}", self.addr)
    }

    /// Lifetime of access tokens issued from now on (tokens already issued keep theirs);
    /// e.g. one second to watch a token expire.
    pub fn set_oauth_token_ttl(&self, ttl: Duration) {
        self.oauth.set_ttl(ttl);
    }

    /// Makes `GET /oauth/authorize` approve at once (as `auto_approve=1` does per request).
    pub fn set_oauth_auto_approve(&self, on: bool) {
        self.oauth.set_auto_approve(on);
    }

    /// Kills every authorization code, access token and refresh token of `client_id`: the
    /// vendors answer 401 to its access tokens and its next refresh is `invalid_grant`.
    pub fn revoke_oauth_grants(&self, client_id: &str) {
        self.oauth.revoke_client(client_id);
    }

    /// `POST /oauth/token` calls received, successful or not.
    pub fn oauth_token_requests(&self) -> u64 {
        self.oauth.token_requests()
    }
}
