//! An OAuth client as the host runs it: the connector's declared scheme (flow, token URL,
//! scopes) completed by the operator's OAuth app (client id, secret or signing key, and URL or
//! scope overrides). URLs the connector declares may be relative to the connection's base URL.

use jsonwebtoken::{Algorithm, EncodingKey};

use crate::runtime::bindings::AuthScheme;

/// The operator's OAuth app for one connector (secrets included: never print or return it).
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Option<String>,
    /// PEM private key signing JWT client assertions (`jwt-bearer`).
    pub private_key_pem: Option<String>,
    /// The key's id at the authorization server (NetSuite's certificate id), sent as `kid`.
    pub key_id: Option<String>,
    /// Replace the connector's scopes when set.
    pub scopes: Option<Vec<String>>,
    pub token_url: Option<String>,
    pub authorize_url: Option<String>,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    ClientCredentials,
    AuthorizationCode,
    JwtBearer,
}

/// Everything a token request needs.
#[derive(Clone)]
pub struct ClientConfig {
    pub flow: Flow,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub signing: Option<(Algorithm, EncodingKey)>,
    pub key_id: Option<String>,
    pub scopes: Vec<String>,
    pub token_url: url::Url,
    pub authorize_url: Option<url::Url>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig").field("flow", &self.flow).field("client_id", &self.client_id).field("token_url", &self.token_url.as_str()).finish_non_exhaustive()
    }
}

/// The flow of a scheme, when the host runs it.
pub fn flow_of(scheme: &AuthScheme) -> Option<Flow> {
    match scheme {
        AuthScheme::Oauth2ClientCredentials(_) => Some(Flow::ClientCredentials),
        AuthScheme::Oauth2AuthorizationCode(_) => Some(Flow::AuthorizationCode),
        AuthScheme::JwtBearer(_) => Some(Flow::JwtBearer),
        _ => None,
    }
}

impl ClientConfig {
    /// Completes `scheme` with the operator's app; the error names what is missing (never a value).
    pub fn resolve(scheme: &AuthScheme, app: &OAuthApp, base_url: &str) -> Result<ClientConfig, String> {
        let (flow, token_url, authorize_url, scopes, algorithm) = match scheme {
            AuthScheme::Oauth2ClientCredentials(c) => (Flow::ClientCredentials, &c.token_url, c.authorize_url.as_ref(), &c.scopes, None),
            AuthScheme::Oauth2AuthorizationCode(c) => (Flow::AuthorizationCode, &c.token_url, c.authorize_url.as_ref(), &c.scopes, None),
            AuthScheme::JwtBearer(j) => (Flow::JwtBearer, &j.token_url, None, &j.scopes, Some(j.algorithm.as_str())),
            _ => return Err("not an OAuth scheme".into()),
        };
        if app.client_id.is_empty() {
            return Err("the connector's OAuth app has no client id".into());
        }
        let base = url::Url::parse(&format!("{}/", base_url.trim_end_matches('/'))).map_err(|_| "the base URL is not a valid URL".to_string())?;
        let join = |what: &str, u: &str| base.join(u).map_err(|_| format!("the OAuth {what} URL `{u}` is not a valid URL"));
        let token_url = join("token", app.token_url.as_deref().unwrap_or(token_url))?;
        let authorize_url = app.authorize_url.as_deref().or(authorize_url.map(String::as_str)).map(|u| join("authorize", u)).transpose()?;
        let signing = match flow {
            Flow::JwtBearer => {
                let pem = app.private_key_pem.as_deref().ok_or("the connector's OAuth app has no private key for JWT assertions")?;
                Some(signing_key(algorithm.unwrap_or("ES256"), pem)?)
            }
            _ => {
                if app.client_secret.is_none() {
                    return Err("the connector's OAuth app has no client secret".into());
                }
                None
            }
        };
        if flow == Flow::AuthorizationCode && authorize_url.is_none() {
            return Err("no authorization URL is configured for this connector".into());
        }
        Ok(ClientConfig {
            flow,
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            signing,
            key_id: app.key_id.clone(),
            scopes: app.scopes.clone().unwrap_or_else(|| scopes.clone()),
            token_url,
            authorize_url,
        })
    }
}

/// Parses a PEM private key for `algorithm` (`ES256`: P-256; `PS256`/`RS256`: RSA).
pub fn signing_key(algorithm: &str, pem: &str) -> Result<(Algorithm, EncodingKey), String> {
    let alg = match algorithm {
        "ES256" => Algorithm::ES256,
        "PS256" => Algorithm::PS256,
        "RS256" => Algorithm::RS256,
        other => return Err(format!("JWT algorithm `{other}` is not supported (ES256, PS256, RS256)")),
    };
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
    }
    .map_err(|_| format!("the private key is not a PEM {} private key", if alg == Algorithm::ES256 { "P-256" } else { "RSA" }))?;
    Ok((alg, key))
}
