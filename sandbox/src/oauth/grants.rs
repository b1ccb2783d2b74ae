//! What the authorization server has handed out: authorization codes, access tokens and
//! refresh tokens, all opaque random strings tied to a *grant* (one consent or one
//! client-credentials issuance) so that revoking a grant kills every token descended from it.
//!
//! Rules the host's flows are tested against:
//! - a code lives 10 minutes and is spent by its first presentation, successful or not; a
//!   second presentation is `invalid_grant` and, as RFC 6749 §4.1.2 recommends, revokes every
//!   token already issued from that code;
//! - refresh tokens rotate: each use returns a new one and invalidates the presented one, whose
//!   reuse is `invalid_grant` (the new token stays valid);
//! - access tokens expire `ttl` after issue (the ttl in force then) and are checked by the
//!   vendor emulators; refresh tokens do not expire, they die only by rotation or revocation.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use super::errors::OAuthError;

/// How long an authorization code may wait for its exchange.
pub const CODE_TTL: Duration = Duration::from_secs(600);

/// Spent codes and rotated refresh tokens are remembered (for precise errors and code-reuse
/// revocation) up to this many; past it the memory restarts.
const REMEMBERED: usize = 100_000;

/// A token response's content.
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: Option<String>,
    pub scope: Vec<String>,
}

/// An authorization code waiting for its exchange.
pub struct Code {
    pub client_id: String,
    /// The redirect URI of the authorization request (or the client's only one).
    pub redirect_uri: String,
    /// Whether the authorization request named `redirect_uri`; then the token request must
    /// repeat it identically (RFC 6749 §4.1.3).
    pub explicit_redirect: bool,
    pub scope: Vec<String>,
    /// PKCE (RFC 7636): the challenge and its method (`S256` or `plain`).
    pub challenge: Option<(String, String)>,
    pub grant: u64,
    pub expires: Instant,
}

struct Access {
    client_id: String,
    grant: u64,
    expires: Instant,
}

struct Refresh {
    client_id: String,
    grant: u64,
    scope: Vec<String>,
}

#[derive(Default)]
pub struct Grants {
    codes: HashMap<String, Code>,
    spent_codes: HashMap<String, u64>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    rotated: HashMap<String, ()>,
    next_grant: u64,
}

/// A fresh opaque token: a readable prefix and 256 random bits.
fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

impl Grants {
    pub fn new_grant(&mut self) -> u64 {
        self.next_grant += 1;
        self.next_grant
    }

    /// Issues an access token (and a refresh token when asked) under `grant`.
    pub fn issue(
        &mut self,
        client_id: &str,
        scope: Vec<String>,
        grant: u64,
        refresh: bool,
        ttl: Duration,
    ) -> Issued {
        let now = Instant::now();
        self.access.retain(|_, a| a.expires > now);
        self.codes.retain(|_, c| c.expires > now);
        let access_token = random_token("sbx_at_");
        let access = Access {
            client_id: client_id.into(),
            grant,
            expires: now + ttl,
        };
        self.access.insert(access_token.clone(), access);
        let refresh_token = refresh.then(|| {
            let token = random_token("sbx_rt_");
            let r = Refresh {
                client_id: client_id.into(),
                grant,
                scope: scope.clone(),
            };
            self.refresh.insert(token.clone(), r);
            token
        });
        Issued {
            access_token,
            // Whole seconds, rounded up so a 1.5 s ttl never reads as "expires in 1 s".
            expires_in: ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0),
            refresh_token,
            scope,
        }
    }

    pub fn add_code(&mut self, code: Code) -> String {
        let value = random_token("sbx_code_");
        self.codes.insert(value.clone(), code);
        value
    }

    /// Spends a code. Checking it against the token request is the caller's job; whatever it
    /// decides, the code is gone.
    pub fn take_code(&mut self, value: &str) -> Result<Code, OAuthError> {
        if let Some(grant) = self.spent_codes.get(value).copied() {
            self.revoke_grant(grant);
            return Err(OAuthError::invalid_grant(
                "authorization code already used; tokens issued from it are revoked",
            ));
        }
        let code = self
            .codes
            .remove(value)
            .ok_or_else(|| OAuthError::invalid_grant("unknown authorization code"))?;
        remember(&mut self.spent_codes, value, code.grant);
        if code.expires <= Instant::now() {
            return Err(OAuthError::invalid_grant("authorization code expired"));
        }
        Ok(code)
    }

    /// Spends a refresh token presented by `client_id`: its grant and scope.
    pub fn rotate(
        &mut self,
        token: &str,
        client_id: &str,
    ) -> Result<(u64, Vec<String>), OAuthError> {
        match self.refresh.get(token) {
            Some(r) if r.client_id == client_id => {}
            Some(_) => {
                return Err(OAuthError::invalid_grant(
                    "refresh token was issued to another client",
                ));
            }
            None if self.rotated.contains_key(token) => {
                return Err(OAuthError::invalid_grant(
                    "refresh token already used (rotated)",
                ));
            }
            None => {
                return Err(OAuthError::invalid_grant(
                    "unknown or revoked refresh token",
                ));
            }
        }
        let r = self.refresh.remove(token).expect("checked above");
        remember(&mut self.rotated, token, ());
        Ok((r.grant, r.scope))
    }

    /// Whether an access token is known, unexpired and unrevoked.
    pub fn access_valid(&self, token: &str) -> bool {
        self.access
            .get(token)
            .is_some_and(|a| a.expires > Instant::now())
    }

    pub fn revoke_grant(&mut self, grant: u64) {
        self.access.retain(|_, a| a.grant != grant);
        self.refresh.retain(|_, r| r.grant != grant);
    }

    /// Kills every code, access token and refresh token of a client.
    pub fn revoke_client(&mut self, client_id: &str) {
        self.codes.retain(|_, c| c.client_id != client_id);
        self.access.retain(|_, a| a.client_id != client_id);
        self.refresh.retain(|_, r| r.client_id != client_id);
    }

    pub fn active_access_tokens(&self) -> usize {
        let now = Instant::now();
        self.access.values().filter(|a| a.expires > now).count()
    }
}

fn remember<V>(map: &mut HashMap<String, V>, key: &str, value: V) {
    if map.len() >= REMEMBERED {
        map.clear();
    }
    map.insert(key.to_string(), value);
}
