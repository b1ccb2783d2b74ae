//! A small blocking HTTP client.
//!
//! ```ignore
//! let resp = Request::get(url(ctx, "/workorders"))
//!     .query("limit", "100")
//!     .header("accept", "application/json")
//!     .send()?;
//! if !resp.is_success() {
//!     return Err(http::error_for_status(&resp));
//! }
//! let body: serde_json::Value = resp.json()?;
//! ```
//!
//! - On `wasm32` it calls `wasi:http/outgoing-handler` (through the `wasip2` crate), blocks on
//!   the response's pollable and reads the whole body. The host injects credentials for the
//!   connection's origin and polices egress, timeouts and sizes.
//! - Natively it runs over `ureq` when the `native` feature is on (plain HTTP; `native-https`
//!   adds TLS), so connector logic can be unit-tested and benchmarked without Wasm. Without the
//!   feature, [`Request::send`] returns [`HttpError::Other`].
//!
//! Transport failures are an [`HttpError`] (which converts into a [`ConnectorError`]); any HTTP
//! status is a [`Response`]: map non-2xx with [`error_for_status`] (or refine it with the
//! system's error body first).

use std::fmt;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ConnectorError, InvalidInput, RateLimit, UpstreamFailure};

/// Responses larger than this are refused with [`HttpError::Other`] (the host caps them too).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Characters left as they are in query keys and values: RFC 3986 unreserved characters.
/// Everything else (including `[`, `]`, `:`, `/`, `+`, space) is percent-encoded, which every
/// server decodes (`updatedAt[gte]` is sent as `updatedAt%5Bgte%5D`).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Headers the WASI HTTP implementation forbids guests to set; [`Request::header`] drops them
/// (the transport computes them).
const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "http2-settings",
    "content-length",
    "te",
];

/// A transport failure: no HTTP response was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// Connecting, or waiting for the response or its body, took too long.
    Timeout(String),
    /// The system refused the connection (nothing listens there).
    ConnectionRefused(String),
    /// The host's egress policy refused the request (host not allowed, private address, ...).
    Denied(String),
    /// The URL cannot be sent (no scheme or host, bad characters).
    InvalidUrl(String),
    /// Anything else (DNS, TLS, connection reset, body too large, ...).
    Other(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Timeout(m) => write!(f, "timeout: {m}"),
            HttpError::ConnectionRefused(m) => write!(f, "connection refused: {m}"),
            HttpError::Denied(m) => write!(f, "request denied: {m}"),
            HttpError::InvalidUrl(m) => write!(f, "invalid URL: {m}"),
            HttpError::Other(m) => write!(f, "HTTP transport error: {m}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<HttpError> for ConnectorError {
    /// Timeout → `timeout`; refused, denied and other transport failures →
    /// `upstream-unavailable` without a status (the host reports its own policy denials as
    /// `egress_denied` whatever the guest returns); a bad URL → `internal`.
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Timeout(m) => ConnectorError::Timeout(m),
            HttpError::InvalidUrl(_) => ConnectorError::Internal(e.to_string()),
            other => ConnectorError::UpstreamUnavailable(UpstreamFailure {
                status: None,
                message: other.to_string(),
            }),
        }
    }
}

/// An outgoing request, built fluently and sent with [`Request::send`].
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// The URL without the query added by [`Request::query`] (it may carry its own query).
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Optional per-request timeout (connect, first byte, and between bytes on wasm32; global
    /// natively). The host's own limits apply regardless.
    pub timeout: Option<Duration>,
}

impl Request {
    /// A request with any method (`"GET"`, `"PATCH"`, ...).
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            method: method.into().to_ascii_uppercase(),
            url: url.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            timeout: None,
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    pub fn put(url: impl Into<String>) -> Self {
        Self::new("PUT", url)
    }

    pub fn patch(url: impl Into<String>) -> Self {
        Self::new("PATCH", url)
    }

    pub fn delete(url: impl Into<String>) -> Self {
        Self::new("DELETE", url)
    }

    /// Appends a query parameter (repeat the key for array parameters). Keys and values are
    /// percent-encoded when the URL is built.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Appends a query parameter when the value is `Some`.
    pub fn query_opt(self, key: impl Into<String>, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header. Headers the transport owns (`host`, `content-length`, ...) are dropped.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if !FORBIDDEN_HEADERS
            .iter()
            .any(|f| name.eq_ignore_ascii_case(f))
        {
            self.headers.push((name, value.into()));
        }
        self
    }

    /// Sets a header only when it is not already set (case-insensitive).
    pub fn header_if_absent(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            self
        } else {
            self.header(name, value)
        }
    }

    /// A JSON body (and `content-type: application/json` unless already set).
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        // Serialising plain data (serde_json::Value, derived structs) cannot fail; a failing
        // custom Serialize impl sends `null`, which the system will reject visibly.
        let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        self.header_if_absent("content-type", "application/json")
            .body(bytes)
    }

    /// A raw body.
    pub fn body(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some(bytes.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The URL with the query parameters appended, percent-encoded.
    pub fn full_url(&self) -> String {
        if self.query.is_empty() {
            return self.url.clone();
        }
        let mut url = self.url.clone();
        let mut sep = if url.contains('?') {
            if url.ends_with('?') || url.ends_with('&') {
                ""
            } else {
                "&"
            }
        } else {
            "?"
        };
        for (k, v) in &self.query {
            url.push_str(sep);
            url.extend(utf8_percent_encode(k, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(v, QUERY));
            sep = "&";
        }
        url
    }

    /// Sends the request and reads the whole response. Any HTTP status is `Ok`.
    pub fn send(self) -> Result<Response, HttpError> {
        transport::send(self)
    }

    /// Sends the request; a non-2xx status becomes [`error_for_status`].
    pub fn send_checked(self) -> Result<Response, ConnectorError> {
        let resp = self.send()?;
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(error_for_status(&resp))
        }
    }
}

/// A complete response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    pub status: u16,
    /// In the order received; names as the transport gives them (lowercase on wasm32).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON; a body that does not parse is `internal` (the system answered
    /// something unexpected), quoting the start of the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ConnectorError::Internal(format!(
                "unexpected response body (HTTP {}): {e}: {}",
                self.status,
                snippet(&self.body, 200)
            ))
        })
    }
}

/// Maps a non-2xx response to a [`ConnectorError`]:
///
/// | status | error |
/// |---|---|
/// | 401 | `unauthorized` |
/// | 403 | `forbidden` |
/// | 404, 410 | `not-found` |
/// | 429 | `rate-limited`, `retry-after-ms` from `Retry-After` (seconds or HTTP date) or `X-Rate-Limit-Reset` (seconds, or a Unix time) |
/// | 400, 409, 422 (and other 4xx) | `invalid-request` with the system's message |
/// | 408, 504 | `timeout` |
/// | other 5xx | `upstream-unavailable` with the status |
///
/// The message is taken from common JSON error shapes (`message`, `error`, `errors[0]`,
/// `error.message`, `detail`, `title`) or the start of the body. Connectors refine 400/422 by
/// parsing their system's error body (and mapping its field names to unified ones).
pub fn error_for_status(resp: &Response) -> ConnectorError {
    let status = resp.status;
    let message = error_message(resp);
    match status {
        401 => ConnectorError::Unauthorized(message),
        403 => ConnectorError::Forbidden(message),
        404 | 410 => ConnectorError::NotFound(message),
        429 => ConnectorError::RateLimited(RateLimit {
            retry_after_ms: retry_after_ms(resp),
            message,
        }),
        408 | 504 => ConnectorError::Timeout(message),
        500..=599 => ConnectorError::UpstreamUnavailable(UpstreamFailure {
            status: Some(status),
            message,
        }),
        _ => ConnectorError::InvalidRequest(InvalidInput {
            message,
            field: None,
        }),
    }
}

/// A human message for an error response: from its JSON body when it has a recognisable shape,
/// else the start of the body, else `HTTP <status>`.
pub fn error_message(resp: &Response) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| json_error_message(&v));
    match from_json {
        Some(m) => format!("HTTP {}: {m}", resp.status),
        None if resp.body.iter().all(u8::is_ascii_whitespace) => format!("HTTP {}", resp.status),
        None => format!("HTTP {}: {}", resp.status, snippet(&resp.body, 300)),
    }
}

fn json_error_message(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(map) => {
            for key in [
                "message",
                "error_description",
                "error",
                "detail",
                "title",
                "errors",
                "Error",
            ] {
                match map.get(key) {
                    Some(Value::String(s)) if !s.is_empty() => return Some(s.clone()),
                    Some(inner @ Value::Object(_)) => {
                        if let Some(m) = json_error_message(inner) {
                            return Some(m);
                        }
                    }
                    Some(Value::Array(items)) => {
                        let parts: Vec<String> =
                            items.iter().filter_map(json_error_message).collect();
                        if !parts.is_empty() {
                            return Some(parts.join("; "));
                        }
                    }
                    _ => {}
                }
            }
            // SAP-style {"message": {"value": "..."}} is covered by recursion above.
            map.get("value").and_then(|v| v.as_str()).map(str::to_owned)
        }
        _ => None,
    }
}

/// Milliseconds to wait before retrying, from `Retry-After` (delta seconds or an HTTP date) or
/// `X-Rate-Limit-Reset` / `X-RateLimit-Reset` (seconds to wait, or a Unix time in seconds when
/// it is larger than 10^9).
pub fn retry_after_ms(resp: &Response) -> Option<u64> {
    if let Some(v) = resp.header("retry-after") {
        let v = v.trim();
        if let Ok(secs) = v.parse::<f64>()
            && secs.is_finite()
            && secs >= 0.0
        {
            return Some((secs * 1000.0).round() as u64);
        }
        if let Some(at_ms) = crate::time::parse_http_date_ms(v) {
            return Some(at_ms.saturating_sub(crate::time::now_unix_ms()).max(0) as u64);
        }
    }
    for name in ["x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"] {
        if let Some(v) = resp.header(name)
            && let Ok(n) = v.trim().parse::<f64>()
        {
            if !n.is_finite() || n < 0.0 {
                continue;
            }
            if n > 1e9 {
                // A Unix time: seconds, or milliseconds when very large.
                let at_ms = if n > 1e12 {
                    n as i64
                } else {
                    (n * 1000.0) as i64
                };
                return Some(at_ms.saturating_sub(crate::time::now_unix_ms()).max(0) as u64);
            }
            return Some((n * 1000.0).round() as u64);
        }
    }
    None
}

fn snippet(bytes: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max_chars).collect();
        s.push('…');
        s
    }
}

/// The parts of an absolute `http(s)` URL that wasi:http wants separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub scheme: String,
    pub authority: String,
    /// Path and query, starting with `/`.
    pub path_with_query: String,
}

/// Splits an absolute URL into scheme, authority and path-with-query (fragment dropped).
pub fn split_url(url: &str) -> Result<UrlParts, HttpError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| HttpError::InvalidUrl(format!("no scheme in {url:?}")))?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(HttpError::InvalidUrl(format!("bad scheme in {url:?}")));
    }
    let rest = rest.split('#').next().unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains(char::is_whitespace) {
        return Err(HttpError::InvalidUrl(format!("no host in {url:?}")));
    }
    let mut path_with_query = rest[end..].to_owned();
    if !path_with_query.starts_with('/') {
        path_with_query.insert(0, '/');
    }
    if path_with_query.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(HttpError::InvalidUrl(format!("whitespace in {url:?}")));
    }
    Ok(UrlParts {
        scheme: scheme.to_ascii_lowercase(),
        authority: authority.to_owned(),
        path_with_query,
    })
}

#[cfg(target_arch = "wasm32")]
mod transport {
    //! wasi:http/outgoing-handler through the `wasip2` crate.

    use super::*;
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{
        ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions,
        Scheme,
    };
    use wasip2::io::streams::StreamError;

    pub(super) fn send(req: Request) -> Result<Response, HttpError> {
        let url = req.full_url();
        let parts = split_url(&url)?;

        let entries: Vec<(String, Vec<u8>)> = req
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes().to_vec()))
            .collect();
        let headers = Fields::from_list(&entries)
            .map_err(|e| HttpError::Other(format!("bad request header: {e:?}")))?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match req.method.as_str() {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "CONNECT" => Method::Connect,
            "OPTIONS" => Method::Options,
            "TRACE" => Method::Trace,
            "PATCH" => Method::Patch,
            other => Method::Other(other.to_owned()),
        };
        let scheme = match parts.scheme.as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => Scheme::Other(other.to_owned()),
        };
        outgoing
            .set_method(&method)
            .map_err(|()| HttpError::Other(format!("bad method {}", req.method)))?;
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|()| HttpError::InvalidUrl(format!("bad scheme in {url}")))?;
        outgoing
            .set_authority(Some(&parts.authority))
            .map_err(|()| HttpError::InvalidUrl(format!("bad authority in {url}")))?;
        outgoing
            .set_path_with_query(Some(&parts.path_with_query))
            .map_err(|()| HttpError::InvalidUrl(format!("bad path in {url}")))?;

        let options = req.timeout.map(|t| {
            let ns = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
            let o = RequestOptions::new();
            // A host may not support some options; its own limits apply anyway.
            let _ = o.set_connect_timeout(Some(ns));
            let _ = o.set_first_byte_timeout(Some(ns));
            let _ = o.set_between_bytes_timeout(Some(ns));
            o
        });

        let body = outgoing
            .body()
            .map_err(|()| HttpError::Other("request body already taken".into()))?;
        let future = outgoing_handler::handle(outgoing, options).map_err(map_error_code)?;

        // Stream the body after handing the request over, so a body larger than the pipe's
        // buffer cannot deadlock.
        {
            let stream = body
                .write()
                .map_err(|()| HttpError::Other("request body stream".into()))?;
            if let Some(bytes) = &req.body {
                for chunk in bytes.chunks(4096) {
                    stream
                        .blocking_write_and_flush(chunk)
                        .map_err(stream_error)?;
                }
            }
        }
        OutgoingBody::finish(body, None).map_err(map_error_code)?;

        let incoming = loop {
            match future.get() {
                Some(result) => break result,
                None => future.subscribe().block(),
            }
        };
        let incoming = incoming
            .map_err(|()| HttpError::Other("response already taken".into()))?
            .map_err(map_error_code)?;

        let status = incoming.status();
        let headers: Vec<(String, String)> = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| (n, String::from_utf8_lossy(&v).into_owned()))
            .collect();
        let incoming_body = incoming
            .consume()
            .map_err(|()| HttpError::Other("response body already taken".into()))?;
        // One buffer, sized from `content-length` when there is one; reads in large chunks, and
        // the first chunk of a body that fits in it becomes the buffer without a copy.
        let expected = content_length(&headers).min(MAX_RESPONSE_BYTES);
        let mut body = Vec::new();
        {
            let stream = incoming_body
                .stream()
                .map_err(|()| HttpError::Other("response body stream".into()))?;
            loop {
                let want = (expected.saturating_sub(body.len())).max(READ_CHUNK) as u64;
                match stream.blocking_read(want) {
                    Ok(chunk) => {
                        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                            return Err(HttpError::Other(format!(
                                "response body larger than {MAX_RESPONSE_BYTES} bytes"
                            )));
                        }
                        if body.is_empty() && chunk.len() >= expected {
                            body = chunk;
                        } else {
                            if body.capacity() == 0 {
                                body.reserve(expected.max(chunk.len()));
                            }
                            body.extend_from_slice(&chunk);
                        }
                    }
                    Err(StreamError::Closed) => break,
                    Err(e) => return Err(stream_error(e)),
                }
            }
        }
        let _trailers = IncomingBody::finish(incoming_body);
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// The smallest read asked of the body stream.
    const READ_CHUNK: usize = 64 * 1024;

    fn content_length(headers: &[(String, String)]) -> usize {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0)
    }

    fn stream_error(e: StreamError) -> HttpError {
        match e {
            StreamError::Closed => HttpError::Other("stream closed".into()),
            StreamError::LastOperationFailed(err) => {
                match wasip2::http::types::http_error_code(&err) {
                    Some(code) => map_error_code(code),
                    None => HttpError::Other(err.to_debug_string()),
                }
            }
        }
    }

    fn map_error_code(code: ErrorCode) -> HttpError {
        let msg = format!("{code:?}");
        match code {
            ErrorCode::DnsTimeout
            | ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::ConnectionWriteTimeout
            | ErrorCode::HttpResponseTimeout => HttpError::Timeout(msg),
            ErrorCode::ConnectionRefused => HttpError::ConnectionRefused(msg),
            ErrorCode::HttpRequestDenied
            | ErrorCode::DestinationIpProhibited
            | ErrorCode::DestinationIpUnroutable => HttpError::Denied(msg),
            ErrorCode::HttpRequestUriInvalid | ErrorCode::HttpRequestUriTooLong => {
                HttpError::InvalidUrl(msg)
            }
            _ => HttpError::Other(msg),
        }
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "native"))]
mod transport {
    //! The native client: ureq 3.

    use super::*;
    use std::io::ErrorKind;
    use std::sync::OnceLock;

    fn agent() -> &'static ureq::Agent {
        static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
        AGENT.get_or_init(|| {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .allow_non_standard_methods(true)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into()
        })
    }

    pub(super) fn send(req: Request) -> Result<Response, HttpError> {
        let url = req.full_url();
        split_url(&url)?;
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(url.as_str());
        for (n, v) in &req.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let http_req = builder
            .body(req.body.clone().unwrap_or_default())
            .map_err(|e| HttpError::InvalidUrl(format!("{url}: {e}")))?;
        let mut configured = agent().configure_request(http_req);
        if let Some(t) = req.timeout {
            configured = configured.timeout_global(Some(t));
        }
        let http_req = configured.build();
        let resp = agent().run(http_req).map_err(map_error)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .into_body()
            .with_config()
            .limit(MAX_RESPONSE_BYTES as u64)
            .read_to_vec()
            .map_err(map_error)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn map_error(e: ureq::Error) -> HttpError {
        let msg = e.to_string();
        match e {
            ureq::Error::Timeout(_) => HttpError::Timeout(msg),
            ureq::Error::Io(io) => match io.kind() {
                ErrorKind::ConnectionRefused => HttpError::ConnectionRefused(msg),
                ErrorKind::TimedOut | ErrorKind::WouldBlock => HttpError::Timeout(msg),
                ErrorKind::PermissionDenied => HttpError::Denied(msg),
                _ => HttpError::Other(msg),
            },
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => HttpError::InvalidUrl(msg),
            _ => HttpError::Other(msg),
        }
    }
}

#[cfg(all(not(target_arch = "wasm32"), not(feature = "native")))]
mod transport {
    use super::*;

    pub(super) fn send(_req: Request) -> Result<Response, HttpError> {
        Err(HttpError::Other(
            "no HTTP transport: build for wasm32-wasip2, or enable millwright-sdk's `native` feature".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn builds_query_with_encoding() {
        let r = Request::get("http://h/v1/workorders")
            .query("updatedAt[gte]", "2024-01-01T00:00:00Z")
            .query("statuses", "OPEN")
            .query("statuses", "IN PROGRESS");
        assert_eq!(
            r.full_url(),
            "http://h/v1/workorders?updatedAt%5Bgte%5D=2024-01-01T00%3A00%3A00Z&statuses=OPEN&statuses=IN%20PROGRESS"
        );
        assert_eq!(
            Request::get("http://h/x?a=1").query("b", "2").full_url(),
            "http://h/x?a=1&b=2"
        );
        assert_eq!(Request::get("http://h/x").full_url(), "http://h/x");
    }

    #[test]
    fn json_body_sets_content_type_once() {
        let r = Request::post("http://h/")
            .header("Content-Type", "application/merge+json")
            .json(&serde_json::json!({"a": 1}));
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.body.as_deref(), Some(&b"{\"a\":1}"[..]));
        let r = Request::post("http://h/").json(&serde_json::json!([]));
        assert_eq!(
            r.headers,
            vec![("content-type".to_string(), "application/json".to_string())]
        );
    }

    #[test]
    fn forbidden_headers_are_dropped() {
        let r = Request::get("http://h/")
            .header("Host", "evil")
            .header("Content-Length", "3")
            .header("x-a", "1");
        assert_eq!(r.headers, vec![("x-a".to_string(), "1".to_string())]);
    }

    #[test]
    fn splits_urls() {
        let p = split_url("https://api.getmaintainx.com/v1/workorders?limit=1#frag").unwrap();
        assert_eq!(p.scheme, "https");
        assert_eq!(p.authority, "api.getmaintainx.com");
        assert_eq!(p.path_with_query, "/v1/workorders?limit=1");
        let p = split_url("http://127.0.0.1:8080").unwrap();
        assert_eq!(p.authority, "127.0.0.1:8080");
        assert_eq!(p.path_with_query, "/");
        let p = split_url("http://h?x=1").unwrap();
        assert_eq!(p.path_with_query, "/?x=1");
        assert!(split_url("/relative").is_err());
        assert!(split_url("http:///nohost").is_err());
    }

    #[test]
    fn maps_statuses() {
        assert_eq!(error_for_status(&resp(401, &[], "")).kind(), "unauthorized");
        assert_eq!(error_for_status(&resp(403, &[], "")).kind(), "forbidden");
        assert_eq!(
            error_for_status(&resp(404, &[], r#"{"error":"Not Found."}"#)),
            ConnectorError::NotFound("HTTP 404: Not Found.".into())
        );
        match error_for_status(&resp(
            422,
            &[],
            r#"{"errors":[{"error":"bad title"},{"error":"bad x"}]}"#,
        )) {
            ConnectorError::InvalidRequest(i) => {
                assert_eq!(i.message, "HTTP 422: bad title; bad x");
                assert_eq!(i.field, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            error_for_status(&resp(400, &[], "plain words")).kind(),
            "invalid_request"
        );
        match error_for_status(&resp(503, &[], "")) {
            ConnectorError::UpstreamUnavailable(u) => {
                assert_eq!(u.status, Some(503));
                assert_eq!(u.message, "HTTP 503");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(error_for_status(&resp(504, &[], "")).kind(), "timeout");
    }

    #[test]
    fn rate_limit_retry_after() {
        let r = |h: &[(&str, &str)]| match error_for_status(&resp(429, h, "")) {
            ConnectorError::RateLimited(rl) => rl.retry_after_ms,
            other => panic!("{other:?}"),
        };
        assert_eq!(r(&[("Retry-After", "7")]), Some(7000));
        assert_eq!(r(&[("X-Rate-Limit-Reset", "30")]), Some(30000));
        assert_eq!(r(&[]), None);
        let soon = crate::time::now_unix_ms() / 1000 + 20;
        let ms = r(&[("x-rate-limit-reset", &soon.to_string())]).unwrap();
        assert!((18_000..=21_000).contains(&ms), "{ms}");
        assert_eq!(
            r(&[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            Some(0)
        );
    }

    #[test]
    fn transport_errors_convert() {
        assert_eq!(
            ConnectorError::from(HttpError::Timeout("t".into())).kind(),
            "timeout"
        );
        assert_eq!(
            ConnectorError::from(HttpError::ConnectionRefused("r".into())).kind(),
            "upstream_unavailable"
        );
        assert_eq!(
            ConnectorError::from(HttpError::InvalidUrl("u".into())).kind(),
            "internal"
        );
    }

    /// One-shot HTTP server: answers the first request with `response`, returns the request.
    #[cfg(feature = "native")]
    fn serve_once(response: &'static str) -> (String, std::thread::JoinHandle<String>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut sock, _) = listener.accept().unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = sock.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if buf.len() >= head_end + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            sock.write_all(response.as_bytes()).unwrap();
            String::from_utf8_lossy(&buf).to_string()
        });
        (addr, handle)
    }

    #[cfg(feature = "native")]
    #[test]
    fn native_transport_round_trip() {
        let (base, server) = serve_once(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Thing: 1\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"id\":7}",
        );
        let resp = Request::post(format!("{base}/v1/workorders"))
            .query("updatedAt[gte]", "2024-01-01T00:00:00Z")
            .header("x-organization-id", "42")
            .json(&serde_json::json!({"title": "t"}))
            .send()
            .unwrap();
        assert_eq!(resp.status, 201);
        assert_eq!(resp.header("x-thing"), Some("1"));
        assert_eq!(resp.json::<serde_json::Value>().unwrap()["id"], 7);
        let request = server.join().unwrap();
        assert!(
            request.starts_with(
                "POST /v1/workorders?updatedAt%5Bgte%5D=2024-01-01T00%3A00%3A00Z HTTP/1.1"
            ),
            "{request}"
        );
        assert!(
            request
                .to_ascii_lowercase()
                .contains("x-organization-id: 42"),
            "{request}"
        );
        assert!(request.ends_with("{\"title\":\"t\"}"), "{request}");
    }

    #[cfg(feature = "native")]
    #[test]
    fn native_transport_errors() {
        let (base, server) = serve_once(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        let resp = Request::get(format!("{base}/x")).send().unwrap();
        server.join().unwrap();
        assert!(matches!(
            error_for_status(&resp),
            ConnectorError::RateLimited(RateLimit {
                retry_after_ms: Some(3000),
                ..
            })
        ));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = Request::get(format!("http://127.0.0.1:{port}/"))
            .send()
            .unwrap_err();
        assert!(matches!(err, HttpError::ConnectionRefused(_)), "{err:?}");
        assert!(matches!(
            Request::get("not a url").send().unwrap_err(),
            HttpError::InvalidUrl(_)
        ));
    }

    #[test]
    fn response_helpers() {
        let r = resp(200, &[("Content-Type", "application/json")], r#"{"a":1}"#);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json::<serde_json::Value>().unwrap()["a"], 1);
        assert_eq!(
            resp(200, &[], "<html>")
                .json::<serde_json::Value>()
                .unwrap_err()
                .kind(),
            "internal"
        );
    }
}
