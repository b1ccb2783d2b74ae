//! Per-token rate limits on `/v1/*`: a token bucket per bearer token (keyed by the token's
//! SHA-256, never the token), `limit` requests a minute with bursts up to `limit`.
//!
//! Every limited response carries `x-ratelimit-limit`, `x-ratelimit-remaining` and
//! `x-ratelimit-reset` (seconds until the bucket is full again); a request over the limit gets
//! 429 `rate_limited` with `retry-after` and reaches no handler. Requests without a bearer token
//! are not limited here (they fail authentication anyway). Off unless configured
//! (`MILLWRIGHT_RATE_LIMIT_PER_MINUTE`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::app::AppState;
use crate::runtime::outbound::rate::RateBudget;

/// Buckets kept before idle (full) ones are forgotten.
const PRUNE_ABOVE: usize = 10_000;

pub struct TokenRateLimits {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Arc<RateBudget>>>,
}

impl TokenRateLimits {
    pub fn new(per_minute: u32) -> TokenRateLimits {
        TokenRateLimits { per_minute: per_minute.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    fn bucket(&self, key: String) -> Arc<RateBudget> {
        let mut buckets = self.buckets.lock().unwrap();
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| !b.is_full());
        }
        buckets
            .entry(key)
            .or_insert_with(|| Arc::new(RateBudget::with_rate(f64::from(self.per_minute) / 60.0, self.per_minute)))
            .clone()
    }
}

fn bearer_key(headers: &HeaderMap) -> Option<String> {
    let token = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| crate::tokens::hash(token))
}

pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limits) = app.rate_limits.as_deref() else { return next.run(request).await };
    if !request.uri().path().starts_with("/v1/") {
        return next.run(request).await;
    }
    let Some(key) = bearer_key(request.headers()) else { return next.run(request).await };
    let bucket = limits.bucket(key);
    let (mut response, remaining) = match bucket.take() {
        Ok(remaining) => (next.run(request).await, remaining),
        Err(wait) => {
            let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("this token may make {} requests a minute", limits.per_minute));
            e.retry_after = Some(wait.max(Duration::from_secs(1)));
            (e.into_response(), 0)
        }
    };
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limits.per_minute));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(bucket.full_in().as_secs_f64().ceil() as u64));
    response
}
