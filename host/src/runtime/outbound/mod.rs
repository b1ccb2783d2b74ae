//! Outbound HTTP for guests: the wasi-http send hook (wasmtime-wasi-http without its
//! `default-send-request`).
//!
//! The request path of one upstream call: origin check → request body (capped) → auth injection
//! (base origin only; an OAuth token refreshed once after a 401) → resolve + address check (in the connector) → send with the total timeout
//! → response body (capped) → retry decision. What happened is written to the call's
//! [`CallRecord`], so the host enforces policy whatever the guest does with the error.

pub mod auth;
pub mod client;
pub mod egress;
pub mod rate;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use tokio::sync::Semaphore;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use self::auth::HostAuth;
use self::client::{UpstreamClient, egress_denial};
use self::egress::{EgressPolicy, Origin};
use self::rate::RateBudget;
use super::limits::OutboundLimits;

/// What the host knows about one connection's upstream: policy, injected auth, its client.
pub struct ConnectionOutbound {
    pub policy: EgressPolicy,
    pub auth: HostAuth,
    pub client: UpstreamClient,
    pub concurrency: Semaphore,
    pub rate: Option<RateBudget>,
    pub limits: OutboundLimits,
}

impl ConnectionOutbound {
    pub fn new(policy: EgressPolicy, auth: HostAuth, limits: OutboundLimits) -> Self {
        let client = client::build_client(policy.clone(), limits.connect_timeout);
        let concurrency = Semaphore::new(limits.per_connection_concurrency);
        let rate = limits.per_connection_rate.map(|r| RateBudget::new(r, r));
        ConnectionOutbound { policy, auth, client, concurrency, rate, limits }
    }
}

/// What the upstream calls of one connector call did; read by the runtime after the call.
#[derive(Debug, Default)]
pub struct CallRecord {
    pub upstream_calls: u32,
    /// The outcome of every exchange (retries included), for the metrics: `2xx` … `5xx`, `429`,
    /// `timeout`, `unreachable`, `denied`.
    pub outcomes: Vec<&'static str>,
    pub egress_denied: Option<String>,
    pub timed_out: bool,
    pub unreachable: Option<String>,
    pub last_status: Option<u16>,
    /// The `Retry-After` of the last 429 the host passed on to the guest.
    pub retry_after: Option<Duration>,
    pub rate_limit_waited: Duration,
    /// The host could not get or refresh the connection's OAuth token (the call ends with
    /// `CallError::TokenRefreshFailed`, whatever the guest makes of it).
    pub token_refresh_failed: Option<crate::oauth::RefreshFailed>,
}

pub type SharedRecord = Arc<Mutex<CallRecord>>;

/// The wasi-http hooks of one store.
pub struct OutboundHooks {
    pub connection: Arc<ConnectionOutbound>,
    pub record: SharedRecord,
}

type IoFuture = Box<dyn Future<Output = Result<(), HttpError>> + Send>;
type SendResult = Result<(http::Response<WasiBody>, IoFuture), HttpError>;

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: IoFuture,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let connection = self.connection.clone();
        let record = self.record.clone();
        // A child of the Wasm call's span (current here: the guest is inside its host call),
        // kept however wasi-http polls the future. The host, never the path (it carries ids).
        let span = tracing::info_span!(
            "upstream_request",
            method = %request.method(),
            host = request.uri().host().unwrap_or_default(),
            status = tracing::field::Empty,
        );
        Box::new(tracing::Instrument::instrument(
            async move {
                let response = send(&connection, &record, request).await?;
                tracing::Span::current().record("status", response.status().as_u16());
                tracing::debug!(status = response.status().as_u16(), "upstream answered");
                Ok((response, Box::new(async { Ok(()) }) as IoFuture))
            },
            span,
        ))
    }
}

async fn send(
    conn: &ConnectionOutbound,
    record: &SharedRecord,
    request: http::Request<WasiBody>,
) -> Result<http::Response<WasiBody>, HttpError> {
    let limits = &conn.limits;
    let origin = Origin::from_uri(request.uri()).ok_or(HttpError::HttpRequestUriInvalid)?;
    if let Err(denied) = conn.policy.check_origin(&origin) {
        record.lock().unwrap().egress_denied = Some(denied.0.clone());
        tracing::warn!(host = %origin.host, "outbound request denied: host not allowed");
        return Err(HttpError::HttpRequestDenied);
    }
    let (mut parts, body) = request.into_parts();
    let body = Limited::new(body, limits.max_request_bytes)
        .collect()
        .await
        .map_err(|_| HttpError::HttpRequestBodySize(None))?
        .to_bytes();
    // The token generation sent, while a 401 may still be answered with one refresh.
    let mut renewable = None;
    if origin == conn.policy.base {
        match conn.auth.apply(&mut parts).await {
            Ok(generation) => renewable = generation,
            Err(failed) => {
                record.lock().unwrap().token_refresh_failed = Some(failed);
                return Err(HttpError::HttpRequestDenied);
            }
        }
    }
    let idempotent = matches!(parts.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS);
    let deadline = Instant::now() + limits.total_timeout;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        while let Some(Err(wait)) = conn.rate.as_ref().map(RateBudget::try_take) {
            if Instant::now() + wait >= deadline {
                record.lock().unwrap().timed_out = true;
                return Err(HttpError::ConnectionReadTimeout);
            }
            tokio::time::sleep(wait).await;
        }
        let outcome = tokio::time::timeout_at(deadline.into(), exchange(conn, &parts, body.clone())).await;
        {
            let mut rec = record.lock().unwrap();
            rec.upstream_calls += 1;
            rec.outcomes.push(exchange_outcome(&outcome));
        }
        let retry_in = match outcome {
            Err(_elapsed) => {
                record.lock().unwrap().timed_out = true;
                return Err(HttpError::ConnectionReadTimeout);
            }
            Ok(Ok((status, headers, body))) => {
                // A 401 to an OAuth token: refresh once and retry once (a rejection, so any method).
                if status == StatusCode::UNAUTHORIZED
                    && let Some(generation) = renewable.take()
                {
                    match conn.auth.renew(&mut parts, generation).await {
                        Ok(()) => continue,
                        Err(failed) => record.lock().unwrap().token_refresh_failed = Some(failed),
                    }
                }
                let wait = retry_wait(status, &headers, idempotent, attempt, limits, record);
                match wait {
                    Some(wait) if Instant::now() + wait < deadline => wait,
                    _ => {
                        let mut rec = record.lock().unwrap();
                        rec.last_status = Some(status.as_u16());
                        if status == StatusCode::TOO_MANY_REQUESTS {
                            rec.retry_after = Some(retry_after(&headers).unwrap_or(Duration::from_secs(1)));
                        }
                        drop(rec);
                        let mut response = http::Response::new(Full::new(body).map_err(|e| match e {}).boxed_unsync());
                        *response.status_mut() = status;
                        *response.headers_mut() = headers;
                        return Ok(response);
                    }
                }
            }
            Ok(Err(ExchangeError::Denied(reason))) => {
                record.lock().unwrap().egress_denied = Some(reason);
                tracing::warn!(host = %origin.host, "outbound request denied: address not allowed");
                return Err(HttpError::DestinationIpProhibited);
            }
            Ok(Err(ExchangeError::TooLarge)) => return Err(HttpError::HttpResponseBodySize(None)),
            Ok(Err(ExchangeError::Failed { sent, message })) => {
                // Not sent (connect failure): safe to retry any method. Sent and lost: only
                // idempotent ones, since a create may have reached the system.
                if attempt <= limits.max_retries && (!sent || idempotent) {
                    backoff(attempt)
                } else {
                    record.lock().unwrap().unreachable = Some(message);
                    return Err(if sent { HttpError::ConnectionTerminated } else { HttpError::ConnectionRefused });
                }
            }
        };
        if Instant::now() + retry_in >= deadline {
            record.lock().unwrap().timed_out = true;
            return Err(HttpError::ConnectionReadTimeout);
        }
        tokio::time::sleep(retry_in).await;
    }
}

fn exchange_outcome<T>(outcome: &Result<Result<(StatusCode, T, Bytes), ExchangeError>, tokio::time::error::Elapsed>) -> &'static str {
    match outcome {
        Err(_) => "timeout",
        Ok(Ok((status, _, _))) => match status.as_u16() {
            429 => "429",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        },
        Ok(Err(ExchangeError::Denied(_))) => "denied",
        Ok(Err(ExchangeError::TooLarge)) => "too_large",
        Ok(Err(ExchangeError::Failed { .. })) => "unreachable",
    }
}

/// Whether to try again, and after how long: a 429 within the rate-limit budget (any method:
/// the system refused it), a 5xx for idempotent methods only.
fn retry_wait(
    status: StatusCode,
    headers: &http::HeaderMap,
    idempotent: bool,
    attempt: u32,
    limits: &OutboundLimits,
    record: &SharedRecord,
) -> Option<Duration> {
    if attempt > limits.max_retries {
        return None;
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = retry_after(headers).unwrap_or(Duration::from_secs(1));
        let mut rec = record.lock().unwrap();
        if rec.rate_limit_waited + wait > limits.rate_limit_wait_budget {
            return None;
        }
        rec.rate_limit_waited += wait;
        return Some(wait);
    }
    if status.is_server_error() && idempotent {
        return Some(backoff(attempt));
    }
    None
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(50 * 2u64.pow(attempt.min(6)))
}

/// `Retry-After` in seconds (the HTTP-date form is rare on APIs and treated as absent).
pub fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<f64>().ok().filter(|s| *s >= 0.0).map(Duration::from_secs_f64)
}

enum ExchangeError {
    Denied(String),
    TooLarge,
    Failed { sent: bool, message: String },
}

/// One request and its whole response body.
async fn exchange(
    conn: &ConnectionOutbound,
    parts: &http::request::Parts,
    body: Bytes,
) -> Result<(StatusCode, http::HeaderMap, Bytes), ExchangeError> {
    let _permit = conn.concurrency.acquire().await.map_err(|_| ExchangeError::Failed { sent: false, message: "closed".into() })?;
    let mut request = http::Request::new(Full::new(body));
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = parts.uri.clone();
    *request.headers_mut() = parts.headers.clone();
    let response = conn.client.request(request).await.map_err(|e| {
        if let Some(reason) = egress_denial(&e) {
            return ExchangeError::Denied(reason);
        }
        ExchangeError::Failed { sent: !e.is_connect(), message: error_chain(&e) }
    })?;
    let (head, body) = response.into_parts();
    let bytes = Limited::new(body, conn.limits.max_response_bytes).collect().await.map_err(|e| {
        if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
            ExchangeError::TooLarge
        } else {
            ExchangeError::Failed { sent: true, message: e.to_string() }
        }
    })?;
    Ok((head.status, head.headers, bytes.to_bytes()))
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        parts.push(e.to_string());
        current = e.source();
    }
    parts.join(": ")
}
