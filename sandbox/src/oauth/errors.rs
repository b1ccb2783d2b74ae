//! The authorization server's error answers.
//!
//! Token-endpoint errors are RFC 6749 §5.2 JSON bodies (`error`, `error_description`): 401
//! with a `WWW-Authenticate` challenge for `invalid_client` (§5.2 requires it when the client
//! tried HTTP Basic; sending it always is allowed and simpler), 400 for everything else. Every
//! token-endpoint answer carries `Cache-Control: no-store` (§5.1). The authorization endpoint
//! answers problems it cannot safely redirect (bad client or redirect URI) with a small HTML
//! page, as a browser-facing server would.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

/// One RFC 6749 §5.2 error.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub code: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new("invalid_request", d)
    }

    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new("invalid_client", d)
    }

    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new("invalid_grant", d)
    }

    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new("invalid_scope", d)
    }

    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new("unsupported_grant_type", d)
    }

    pub fn status(&self) -> StatusCode {
        if self.code == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = json!({"error": self.code, "error_description": self.description});
        let mut resp = no_store((status, Json(body)).into_response());
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"millwright-sandbox\""),
            );
        }
        resp
    }
}

/// Adds the §5.1 cache headers (tokens must never be cached).
pub fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// A 400 HTML page: the answer to an authorization request whose client or redirect URI
/// cannot be trusted, so nothing may be sent to the redirect URI.
pub fn error_page(message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><title>Authorization error</title></head><body>\
         <h1>Authorization error</h1><p id=\"error\">{}</p></body></html>",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
