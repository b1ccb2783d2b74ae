//! Credentials the host injects into upstream requests, so the guest never sees them.
//!
//! Lifecycle: resolved per connection from the connector's declared scheme and the connection's
//! stored credentials; applied in the send hook to requests for the connection's base origin only
//! (an approved extra host never receives the system's credentials). OAuth schemes get their
//! token from the connection's [`TokenSource`] (`crate::oauth`), which the binding builds.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use http::{HeaderName, HeaderValue};

use crate::oauth::{RefreshFailed, TokenSource};
use crate::runtime::bindings::{AuthScheme, auth_kind};

/// The host setting naming the scheme a connection uses among those its connector declares
/// (by [`auth_kind`], the name the admin API shows); without it, the first one.
pub const AUTH_SCHEME_SETTING: &str = "mw:auth_scheme";

#[derive(Clone, Debug, Default)]
pub enum HostAuth {
    #[default]
    None,
    Header { name: HeaderName, value: HeaderValue },
    Query { param: String, value: String },
    OAuth(Arc<TokenSource>),
}


/// The scheme a connection uses: the one its settings name, else the connector's first.
pub fn chosen_scheme(declared: &[AuthScheme], settings: &BTreeMap<String, String>) -> Result<AuthScheme, String> {
    match settings.get(AUTH_SCHEME_SETTING) {
        None => Ok(declared.first().cloned().unwrap_or(AuthScheme::None)),
        Some(name) => declared.iter().find(|s| auth_kind(s) == name).cloned().ok_or_else(|| {
            let names: Vec<&str> = declared.iter().map(auth_kind).collect();
            format!("this connector has no auth scheme `{name}`; it offers: {}", names.join(", "))
        }),
    }
}

impl HostAuth {
    /// Builds the injection for `scheme` from the connection's credentials; names the missing
    /// field when one is absent (never its value).
    pub fn resolve(scheme: &AuthScheme, credentials: &BTreeMap<String, String>) -> Result<HostAuth, String> {
        let field = |name: &str| {
            credentials.get(name).filter(|v| !v.is_empty()).cloned().ok_or_else(|| format!("missing credential `{name}`"))
        };
        let header = |name: &str, value: String| -> Result<HostAuth, String> {
            let name = HeaderName::try_from(name).map_err(|_| format!("invalid auth header name `{name}`"))?;
            let mut value = HeaderValue::try_from(value).map_err(|_| "credential is not a valid header value".to_string())?;
            value.set_sensitive(true);
            Ok(HostAuth::Header { name, value })
        };
        match scheme {
            AuthScheme::None | AuthScheme::ConnectorManaged => Ok(HostAuth::None),
            AuthScheme::Bearer(f) => header("authorization", format!("Bearer {}", field(&f.field)?)),
            AuthScheme::Basic(b) => {
                let raw = format!("{}:{}", field(&b.username_field)?, field(&b.password_field)?);
                header("authorization", format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw)))
            }
            AuthScheme::ApiKeyHeader(h) => {
                header(&h.header, format!("{}{}", h.prefix.clone().unwrap_or_default(), field(&h.field)?))
            }
            AuthScheme::ApiKeyQuery(q) => Ok(HostAuth::Query { param: q.param.clone(), value: field(&q.field)? }),
            AuthScheme::Oauth2ClientCredentials(_) | AuthScheme::Oauth2AuthorizationCode(_) | AuthScheme::JwtBearer(_) => {
                Err("an OAuth scheme needs the connector's OAuth app (the binding builds its token source)".into())
            }
        }
    }

    /// Sets the credential on a request, replacing whatever the guest put in its place. For
    /// OAuth, the generation of the token set (for [`HostAuth::renew`] after a 401).
    pub async fn apply(&self, parts: &mut http::request::Parts) -> Result<Option<u64>, RefreshFailed> {
        match self {
            HostAuth::OAuth(source) => {
                let token = source.token().await?;
                parts.headers.insert(http::header::AUTHORIZATION, token.header);
                return Ok(Some(token.generation));
            }
            HostAuth::None => {}
            HostAuth::Header { name, value } => {
                parts.headers.insert(name.clone(), value.clone());
            }
            HostAuth::Query { param, value } => {
                let mut url = match url::Url::parse(&parts.uri.to_string()) {
                    Ok(u) => u,
                    Err(_) => return Ok(None),
                };
                let kept: Vec<(String, String)> =
                    url.query_pairs().filter(|(k, _)| k != param).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                url.query_pairs_mut().clear().extend_pairs(kept).append_pair(param, value);
                if let Ok(uri) = url.as_str().parse() {
                    parts.uri = uri;
                }
            }
        }
        Ok(None)
    }

    /// After the system answered 401 to the token of `generation`: a renewed token on the
    /// request (refreshed once, whoever asks first).
    pub async fn renew(&self, parts: &mut http::request::Parts, generation: u64) -> Result<(), RefreshFailed> {
        if let HostAuth::OAuth(source) = self {
            let token = source.renew(generation).await?;
            parts.headers.insert(http::header::AUTHORIZATION, token.header);
        }
        Ok(())
    }
}
