//! One token request (RFC 6749 §3.2) over the host's hyper client with the connection's egress
//! policy: a form POST, client authentication by HTTP Basic (§2.3.1) or a JWT assertion in the
//! body, the §5.1 answer or the §5.2 error. Error texts carry the server's error code and
//! description, never a secret of the request.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use serde::Deserialize;

use crate::runtime::outbound::client::UpstreamClient;

/// Largest token response read.
const MAX_BODY: usize = 64 * 1024;

#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub expires_in: Option<f64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The authorization server refused (`invalid_grant`, `invalid_client`, ...).
    #[error("the authorization server refused the token request: {error}{}", in_parentheses(.description))]
    Rejected { error: String, description: Option<String> },
    #[error("the token request failed: {0}")]
    Failed(String),
}

fn in_parentheses(text: &Option<String>) -> String {
    text.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
}

/// POSTs `form` to `url`; `basic` authenticates the client with HTTP Basic.
pub async fn request(
    client: &UpstreamClient,
    url: &url::Url,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
    timeout: Duration,
) -> Result<TokenResponse, TokenError> {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let uri: http::Uri = url.as_str().parse().map_err(|_| TokenError::Failed("the token URL is not a valid URI".into()))?;
    let mut request = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| TokenError::Failed(e.to_string()))?;
    if let Some((id, secret)) = basic {
        let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let raw = format!("{}:{}", encode(id), encode(secret));
        let mut value = http::HeaderValue::try_from(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw)))
            .map_err(|_| TokenError::Failed("the client credentials are not valid header text".into()))?;
        value.set_sensitive(true);
        request.headers_mut().insert(http::header::AUTHORIZATION, value);
    }
    let exchange = async {
        let response = client.request(request).await.map_err(|e| TokenError::Failed(format!("{} unreachable: {e}", url.host_str().unwrap_or(""))))?;
        let status = response.status();
        let bytes = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|_| TokenError::Failed("the token response could not be read".into()))?
            .to_bytes();
        Ok::<_, TokenError>((status, bytes))
    };
    let (status, bytes) = tokio::time::timeout(timeout, exchange).await.map_err(|_| TokenError::Failed("the token endpoint timed out".into()))??;
    if !status.is_success() {
        #[derive(Deserialize)]
        struct ErrorBody {
            error: String,
            error_description: Option<String>,
        }
        return Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(e) => TokenError::Rejected { error: e.error, description: e.error_description },
            Err(_) => TokenError::Failed(format!("the token endpoint answered {status}")),
        });
    }
    let token: TokenResponse =
        serde_json::from_slice(&bytes).map_err(|_| TokenError::Failed("the token response is not an RFC 6749 access token response".into()))?;
    if token.token_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
        return Err(TokenError::Failed("the token endpoint issued a token that is not a bearer token".into()));
    }
    Ok(token)
}
