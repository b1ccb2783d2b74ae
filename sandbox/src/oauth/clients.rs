//! Registered OAuth clients: their secrets, redirect-URI patterns, scopes and (for the
//! NetSuite-style JWT client assertion) public keys.
//!
//! Redirect URIs are matched the way a careful authorization server does it, because the
//! host's authorization-code flow must never be able to smuggle a code to another origin:
//! - a registered URI without `*` matches only the identical string (RFC 6749 §3.1.2.3 /
//!   OAuth 2.1 "simple string comparison");
//! - a registered URI may use `*` in two places only: as the whole port (`http://127.0.0.1:*/cb`:
//!   any port, since test servers bind port 0) and as the last character of the path
//!   (`.../cb/*`: any path below that prefix, with any query). Scheme and host must be equal
//!   (case-insensitively); the requested URI is parsed first, so `http://127.0.0.1:80@evil/`
//!   (userinfo), fragments and paths that normalise out of the prefix (`/cb/../x`) never match.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey};
use sha2::{Digest, Sha256};
use url::Url;

/// One client registered with the sandbox's authorization server.
#[derive(Clone, Debug, PartialEq)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    /// Exact URIs or patterns (see the module docs: `*` as the port or at the end of the path).
    pub redirect_uris: Vec<String>,
    /// Scopes the client may be granted; a request without `scope` gets all of them.
    pub scopes: Vec<String>,
    /// PEM public key (`PUBLIC KEY` RSA or P-256, `RSA PUBLIC KEY`) or X.509 `CERTIFICATE`
    /// verifying the client's JWT assertions (PS256 for RSA, ES256 for P-256).
    pub jwt_public_key_pem: Option<String>,
}

impl Default for OAuthClient {
    /// `mx-client` / `mx-client-secret`, any loopback redirect (`http://127.0.0.1:*/*`),
    /// scopes `read write`, no JWT key.
    fn default() -> Self {
        OAuthClient {
            client_id: "mx-client".into(),
            client_secret: "mx-client-secret".into(),
            redirect_uris: vec!["http://127.0.0.1:*/*".into()],
            scopes: vec!["read".into(), "write".into()],
            jwt_public_key_pem: None,
        }
    }
}

impl OAuthClient {
    /// The `kid` the client's JWT assertions must carry: base64url (no padding) of the SHA-256
    /// of the PEM's DER body. NetSuite assigns a certificate id when a key is uploaded; the
    /// sandbox derives one so host and test agree on it without extra configuration.
    pub fn jwt_kid(&self) -> Option<String> {
        pem_der(self.jwt_public_key_pem.as_deref()?)
            .map(|der| URL_SAFE_NO_PAD.encode(Sha256::digest(der)))
    }
}

/// The DER bytes of the first PEM block.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN "))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END "))
        .collect();
    STANDARD.decode(body).ok().filter(|d| !d.is_empty())
}

/// A client's assertion key, parsed once at start-up.
pub struct JwtKey {
    pub alg: Algorithm,
    pub key: DecodingKey,
    pub kid: String,
}

/// A registered client as the server uses it.
pub struct Client {
    pub config: OAuthClient,
    pub jwt: Option<JwtKey>,
}

impl Client {
    /// Validates the configuration (a key that does not parse is a start-up error, not a
    /// mysterious `invalid_client` later).
    pub fn new(config: OAuthClient) -> anyhow::Result<Client> {
        anyhow::ensure!(!config.client_id.is_empty(), "an OAuth client_id is empty");
        let jwt = match &config.jwt_public_key_pem {
            None => None,
            Some(pem) => Some(parse_key(pem).map_err(|e| {
                anyhow::anyhow!("OAuth client {}: jwt_public_key_pem: {e}", config.client_id)
            })?),
        };
        for uri in &config.redirect_uris {
            anyhow::ensure!(
                uri.contains("://"),
                "OAuth client {}: redirect URI {uri} is not absolute",
                config.client_id
            );
        }
        Ok(Client { config, jwt })
    }

    pub fn redirect_allowed(&self, candidate: &str) -> bool {
        self.config
            .redirect_uris
            .iter()
            .any(|p| redirect_matches(p, candidate))
    }

    /// The redirect URI used when a request names none: allowed only when exactly one exact
    /// (pattern-free) URI is registered, as RFC 6749 §3.1.2.3 permits.
    pub fn default_redirect(&self) -> Option<&str> {
        match self.config.redirect_uris.as_slice() {
            [only] if !only.contains('*') => Some(only),
            _ => None,
        }
    }
}

fn parse_key(pem: &str) -> anyhow::Result<JwtKey> {
    anyhow::ensure!(
        !pem.contains("PRIVATE KEY"),
        "a private key, not a public key"
    );
    let der = pem_der(pem).ok_or_else(|| anyhow::anyhow!("not a PEM block"))?;
    let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(der));
    if let Ok(key) = DecodingKey::from_rsa_pem(pem.as_bytes()) {
        return Ok(JwtKey {
            alg: Algorithm::PS256,
            key,
            kid,
        });
    }
    let key = DecodingKey::from_ec_pem(pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("neither an RSA nor an EC public key: {e}"))?;
    Ok(JwtKey {
        alg: Algorithm::ES256,
        key,
        kid,
    })
}

/// Whether `candidate` matches the registered `pattern` (rules in the module docs).
pub fn redirect_matches(pattern: &str, candidate: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == candidate;
    }
    let Ok(url) = Url::parse(candidate) else {
        return false;
    };
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return false;
    }
    let Some((scheme, rest)) = pattern.split_once("://") else {
        return false;
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !authority.ends_with(']') => (h, Some(p)),
        _ => (authority, None),
    };
    let port_ok = match port {
        Some("*") => true,
        Some(p) => p.parse::<u16>().ok() == url.port_or_known_default(),
        None => url.port().is_none(),
    };
    let path_ok = match path.strip_suffix('*') {
        Some(prefix) if !prefix.contains('*') => url.path().starts_with(prefix),
        Some(_) => false,
        None => !path.contains('*') && url.path() == path && url.query().is_none(),
    };
    scheme.eq_ignore_ascii_case(url.scheme())
        && !host.contains('*')
        && url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(host))
        && port_ok
        && path_ok
}

#[cfg(test)]
mod tests {
    use super::redirect_matches as m;

    #[test]
    fn redirect_patterns() {
        let any = "http://127.0.0.1:*/*";
        assert!(m(any, "http://127.0.0.1:4321/callback?x=1"));
        assert!(m(any, "http://127.0.0.1/"));
        assert!(!m(any, "http://127.0.0.1:80@evil.example/cb"));
        assert!(!m(any, "http://localhost:4321/cb"));
        assert!(!m(any, "https://127.0.0.1:4321/cb"));
        assert!(!m(any, "http://127.0.0.1:4321/cb#frag"));
        assert!(!m(any, "http://127.0.0.1.evil.example:4321/cb"));
        let prefix = "http://127.0.0.1:*/cb/*";
        assert!(m(prefix, "http://127.0.0.1:9/cb/done"));
        assert!(!m(prefix, "http://127.0.0.1:9/cb/../admin"));
        assert!(!m(prefix, "http://127.0.0.1:9/other"));
        let exact = "https://app.example/cb";
        assert!(m(exact, "https://app.example/cb"));
        assert!(!m(exact, "https://app.example/cb?x=1"));
        assert!(!m(exact, "https://APP.example/cb"));
        assert!(m("http://127.0.0.1:8080/cb", "http://127.0.0.1:8080/cb"));
        assert!(!m("http://127.0.0.1:8080/*", "http://127.0.0.1:8081/cb"));
        assert!(m("http://[::1]:*/*", "http://[::1]:5/cb"));
        assert!(m("http://[::1]/*", "http://[::1]/cb"));
    }
}
