//! Credentials the host injects into upstream requests, so the guest never sees them.
//!
//! Lifecycle: resolved per connection from the connector's declared scheme and the connection's
//! stored credentials; applied in the send hook to requests for the connection's base origin only
//! (an approved extra host never receives the system's credentials).

use std::collections::BTreeMap;

use base64::Engine as _;
use http::{HeaderName, HeaderValue};

use crate::runtime::bindings::AuthScheme;

#[derive(Clone, Debug, Default)]
pub enum HostAuth {
    #[default]
    None,
    Header { name: HeaderName, value: HeaderValue },
    Query { param: String, value: String },
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
            AuthScheme::Oauth2ClientCredentials(_)
            | AuthScheme::Oauth2AuthorizationCode(_)
            | AuthScheme::JwtBearer(_) => Err("OAuth 2.0 and JWT-bearer schemes are not supported by this host yet".into()),
        }
    }

    /// Sets the credential on a request, replacing whatever the guest put in its place.
    pub fn apply(&self, parts: &mut http::request::Parts) {
        match self {
            HostAuth::None => {}
            HostAuth::Header { name, value } => {
                parts.headers.insert(name.clone(), value.clone());
            }
            HostAuth::Query { param, value } => {
                let mut url = match url::Url::parse(&parts.uri.to_string()) {
                    Ok(u) => u,
                    Err(_) => return,
                };
                let kept: Vec<(String, String)> =
                    url.query_pairs().filter(|(k, _)| k != param).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                url.query_pairs_mut().clear().extend_pairs(kept).append_pair(param, value);
                if let Ok(uri) = url.as_str().parse() {
                    parts.uri = uri;
                }
            }
        }
    }
}
