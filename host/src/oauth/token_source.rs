//! A connection's access token: cached, refreshed before it expires, one refresh at a time.
//!
//! Single flight: the state sits behind one async mutex held across the token request, so
//! concurrent calls that find no fresh token queue behind the one refreshing and then use its
//! result. After an upstream 401, [`TokenSource::renew`] refreshes only if nobody did since the
//! rejected token was handed out (the `generation` it came with).
//!
//! Refreshing: client credentials and JWT-bearer ask for a new token; authorization code uses
//! the refresh token. With a [`GrantStore`] (live connections), a refresh first adopts a newer
//! grant another process stored (a rotated refresh token must not be replayed), and stores the
//! new tokens by compare-and-swap on the credentials' version; losing the swap means another
//! process refreshed first, whose grant is adopted.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use http::HeaderValue;

use super::token_endpoint::{self, TokenError};
use super::{ClientConfig, Flow, Grant, assertion};
use crate::clock::Clock;
use crate::runtime::outbound::client::UpstreamClient;

/// Where a live connection's grant is kept (its sealed credentials). Only authorization-code
/// grants are stored: the other flows just ask again after a restart.
pub trait GrantStore: Send + Sync {
    /// The stored grant and the credentials' version.
    fn load(&self) -> BoxFuture<'_, anyhow::Result<(i64, Grant)>>;
    /// Stores `grant` if the version is still `expected`; the new version, or `None` if it moved.
    fn save<'a>(&'a self, expected: i64, grant: &'a Grant) -> BoxFuture<'a, anyhow::Result<Option<i64>>>;
}

/// The refresh failed: the call ends with `CallError::TokenRefreshFailed`.
#[derive(Clone, Debug)]
pub struct RefreshFailed {
    pub detail: String,
    /// The authorization server refused (`invalid_grant`, `invalid_client`, ..., or there is no
    /// refresh token): only a reauthorization helps. `false`: it could not be asked (unreachable,
    /// timed out, a malformed answer), which may pass.
    pub rejected: bool,
}

/// What the runtime needs to build a connection's token source.
pub struct OAuthSetup {
    pub config: ClientConfig,
    pub grant: Grant,
    pub version: i64,
    pub store: Option<Arc<dyn GrantStore>>,
    pub clock: Clock,
    /// Refresh this long before the token expires.
    pub refresh_margin: Duration,
}

struct State {
    grant: Grant,
    version: i64,
    /// Bumped on every new access token.
    generation: u64,
}

pub struct TokenSource {
    config: ClientConfig,
    http: UpstreamClient,
    timeout: Duration,
    clock: Clock,
    margin: Duration,
    store: Option<Arc<dyn GrantStore>>,
    state: tokio::sync::Mutex<State>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource").field("config", &self.config).finish_non_exhaustive()
    }
}

/// An `Authorization` value and the generation it belongs to.
pub struct Token {
    pub header: HeaderValue,
    pub generation: u64,
}

impl TokenSource {
    pub fn new(setup: OAuthSetup, http: UpstreamClient, timeout: Duration) -> TokenSource {
        let state = State { grant: setup.grant, version: setup.version, generation: 0 };
        TokenSource {
            config: setup.config,
            http,
            timeout,
            clock: setup.clock,
            margin: setup.refresh_margin,
            store: setup.store,
            state: tokio::sync::Mutex::new(state),
        }
    }

    /// A fresh access token, refreshing first when there is none.
    pub async fn token(&self) -> Result<Token, RefreshFailed> {
        let mut st = self.state.lock().await;
        if st.grant.fresh_access(self.clock.now(), self.margin).is_none() {
            self.refresh(&mut st, None).await?;
        }
        bearer(&st)
    }

    /// After the system refused the token of `generation`: a new one (refreshed once, by
    /// whoever comes first).
    pub async fn renew(&self, generation: u64) -> Result<Token, RefreshFailed> {
        let mut st = self.state.lock().await;
        if st.generation == generation {
            let rejected = st.grant.access_token.clone();
            self.refresh(&mut st, rejected).await?;
        }
        bearer(&st)
    }

    async fn refresh(&self, st: &mut State, rejected: Option<String>) -> Result<(), RefreshFailed> {
        if let Some(store) = &self.store
            && self.adopt_stored(store.as_ref(), st, rejected.as_deref()).await
        {
            return Ok(());
        }
        let grant = self.fetch(&st.grant).await?;
        if let Some(store) = &self.store {
            match store.save(st.version, &grant).await {
                Ok(Some(version)) => st.version = version,
                // Another process refreshed first: its grant is the live one.
                Ok(None) => {
                    if self.adopt_stored(store.as_ref(), st, None).await {
                        return Ok(());
                    }
                }
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "could not store the refreshed OAuth grant"),
            }
        }
        st.grant = grant;
        st.generation += 1;
        Ok(())
    }

    /// Takes a grant stored by another process when it is newer than ours and usable.
    async fn adopt_stored(&self, store: &dyn GrantStore, st: &mut State, rejected: Option<&str>) -> bool {
        let Ok((version, stored)) = store.load().await else { return false };
        if version == st.version {
            return false;
        }
        st.version = version;
        let usable = stored.fresh_access(self.clock.now(), self.margin).is_some_and(|t| Some(t) != rejected);
        let adopt = usable || stored.refresh_token.is_some();
        if adopt {
            st.grant = stored;
            st.generation += 1;
        }
        usable
    }

    /// One token request for this flow.
    async fn fetch(&self, current: &Grant) -> Result<Grant, RefreshFailed> {
        let c = &self.config;
        let scope = c.scopes.join(" ");
        let basic = c.client_secret.as_deref().map(|s| (c.client_id.as_str(), s));
        let assertion;
        let refresh_token;
        let mut form: Vec<(&str, &str)> = Vec::new();
        let basic = match c.flow {
            Flow::ClientCredentials => {
                form.push(("grant_type", "client_credentials"));
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                basic
            }
            Flow::JwtBearer => {
                assertion = assertion::sign(c, self.clock.now()).map_err(|detail| RefreshFailed { detail, rejected: false })?;
                form.extend([
                    ("grant_type", "client_credentials"),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion.as_str()),
                ]);
                None
            }
            Flow::AuthorizationCode => {
                refresh_token = current.refresh_token.clone().ok_or_else(|| RefreshFailed {
                    detail: "the access token expired and the grant has no refresh token".into(),
                    rejected: true,
                })?;
                form.extend([("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())]);
                basic
            }
        };
        let issued = token_endpoint::request(&self.http, &c.token_url, &form, basic, self.timeout).await.map_err(|e| RefreshFailed {
            rejected: matches!(e, TokenError::Rejected { .. }),
            detail: e.to_string(),
        })?;
        Ok(grant_from(issued, current.refresh_token.clone(), &self.clock))
    }
}

/// The grant a token response gives; a server that does not rotate keeps the old refresh token.
pub fn grant_from(issued: token_endpoint::TokenResponse, old_refresh: Option<String>, clock: &Clock) -> Grant {
    Grant {
        access_token: Some(issued.access_token),
        refresh_token: issued.refresh_token.or(old_refresh),
        expires_at: issued
            .expires_in
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| clock.now() + chrono::Duration::milliseconds((s * 1000.0) as i64)),
    }
}

fn bearer(st: &State) -> Result<Token, RefreshFailed> {
    let token = st.grant.access_token.as_deref().ok_or_else(|| RefreshFailed { detail: "no access token".into(), rejected: false })?;
    let mut header = HeaderValue::try_from(format!("Bearer {token}"))
        .map_err(|_| RefreshFailed { detail: "the access token is not valid header text".into(), rejected: false })?;
    header.set_sensitive(true);
    Ok(Token { header, generation: st.generation })
}
