//! Fault injection and rate limiting, shared by every vendor emulator.
//!
//! One axum middleware sits in front of each vendor's router. It counts the request (tests assert
//! "the host did not call the system"), adds the configured latency, answers the configured
//! 429 burst, enforces the per-key rate-limit window and fails a deterministic fraction of
//! requests with 503/500. Everything is deterministic (no randomness) so a test can predict
//! exactly which request fails. Vendors only supply a [`VendorFlavor`]: how to find the API key
//! in a request and how their error bodies look.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde::{Deserialize, Serialize};

/// Faults injected into every vendor request. All off by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Milliseconds added to every vendor request before it is answered.
    pub latency_ms: u64,
    /// Fraction (0.0..=1.0) of requests answered 503/500: request n fails when
    /// `floor(n * rate) > floor((n - 1) * rate)`, so exactly that fraction fails, evenly spread.
    pub error_rate: f64,
    /// The next N requests get 429 with `Retry-After` and the rate-limit headers.
    pub burst_429: u32,
    /// `Retry-After` (seconds) for 429s; 0 means 1.
    pub retry_after_s: u64,
    /// Requests per window (60 s unless changed) per API key; `None` = unlimited.
    pub rate_limit: Option<u32>,
    /// Keys that answer 401 from now on (checked by each vendor's auth).
    pub revoked_keys: Vec<String>,
    /// Keys that still authenticate but lack permission: every request answers 403 with the
    /// vendor's permission error (checked by each vendor's auth, after revocation).
    pub forbidden_keys: Vec<String>,
}

impl FaultConfig {
    fn retry_after(&self) -> u64 {
        self.retry_after_s.max(1)
    }
}

/// What the shared layer needs to know about a vendor.
#[derive(Clone, Copy)]
pub struct VendorFlavor {
    /// The API key of a request (the rate-limit bucket); `None` shares one anonymous bucket.
    pub api_key: fn(&HeaderMap) -> Option<String>,
    /// The vendor's own error body for an injected status.
    pub error: fn(StatusCode, &str) -> Response,
}

/// The headers' cap when no rate limit is configured: large, so clients that pace themselves on
/// `X-Rate-Limit-Remaining` never wait in tests, yet the headers are always there to be parsed.
const UNLIMITED_CAP: u32 = 1_000_000;

/// Run-time fault state: the current configuration plus the counters it acts on.
pub struct FaultState {
    config: Mutex<FaultConfig>,
    requests: AtomicU64,
    error_seq: AtomicU64,
    windows: Mutex<HashMap<String, Window>>,
    window_len: Mutex<Duration>,
}

struct Window {
    start: Instant,
    used: u32,
}

impl FaultState {
    pub fn new(config: FaultConfig) -> Self {
        FaultState {
            config: Mutex::new(config),
            requests: AtomicU64::new(0),
            error_seq: AtomicU64::new(0),
            windows: Mutex::new(HashMap::new()),
            window_len: Mutex::new(Duration::from_secs(60)),
        }
    }

    pub fn get(&self) -> FaultConfig {
        self.config.lock().unwrap().clone()
    }

    /// Replaces the configuration and restarts the deterministic counters (error sequence,
    /// rate-limit windows), so what a test sets up is what the next requests see.
    pub fn set(&self, config: FaultConfig) {
        *self.config.lock().unwrap() = config;
        self.error_seq.store(0, Ordering::SeqCst);
        self.windows.lock().unwrap().clear();
    }

    pub fn revoke(&self, key: &str) {
        add_key(&mut self.config.lock().unwrap().revoked_keys, key);
    }

    pub fn is_revoked(&self, key: &str) -> bool {
        self.config
            .lock()
            .unwrap()
            .revoked_keys
            .iter()
            .any(|k| k == key)
    }

    pub fn forbid(&self, key: &str) {
        add_key(&mut self.config.lock().unwrap().forbidden_keys, key);
    }

    pub fn is_forbidden(&self, key: &str) -> bool {
        self.config
            .lock()
            .unwrap()
            .forbidden_keys
            .iter()
            .any(|k| k == key)
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Shortens the rate-limit window (60 s like MaintainX by default) so tests can watch a
    /// window reset without waiting a minute.
    pub fn set_window(&self, len: Duration) {
        *self.window_len.lock().unwrap() = len.max(Duration::from_millis(1));
        self.windows.lock().unwrap().clear();
    }

    /// Decides the fate of one request; the counters move under their locks, so concurrent
    /// requests see a consistent sequence.
    fn admit(&self, key: &str) -> (Verdict, RateHeaders) {
        let (burst, limit, rate, retry_after) = {
            let mut c = self.config.lock().unwrap();
            let burst = c.burst_429 > 0;
            if burst {
                c.burst_429 -= 1;
            }
            (burst, c.rate_limit, c.error_rate, c.retry_after())
        };
        let window_len = *self.window_len.lock().unwrap();
        let mut windows = self.windows.lock().unwrap();
        let now = Instant::now();
        let w = windows.entry(key.to_string()).or_insert(Window {
            start: now,
            used: 0,
        });
        if now.duration_since(w.start) >= window_len {
            *w = Window {
                start: now,
                used: 0,
            };
        }
        let left = window_len.saturating_sub(now.duration_since(w.start));
        let reset = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        let cap = limit.unwrap_or(UNLIMITED_CAP);
        if burst {
            let h = RateHeaders {
                limit: cap,
                remaining: 0,
                reset: retry_after,
            };
            return (Verdict::TooMany(retry_after), h);
        }
        if w.used >= cap {
            let h = RateHeaders {
                limit: cap,
                remaining: 0,
                reset,
            };
            return (Verdict::TooMany(reset.max(1)), h);
        }
        w.used += 1;
        let headers = RateHeaders {
            limit: cap,
            remaining: cap - w.used,
            reset,
        };
        drop(windows);
        if rate > 0.0 {
            let n = self.error_seq.fetch_add(1, Ordering::SeqCst) + 1;
            let rate = rate.min(1.0);
            let failures = (n as f64 * rate).floor() as u64;
            if failures > ((n - 1) as f64 * rate).floor() as u64 {
                let status = if failures % 2 == 1 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                return (Verdict::Fail(status), headers);
            }
        }
        (Verdict::Pass, headers)
    }
}

/// Adds `key` to a key list once.
fn add_key(keys: &mut Vec<String>, key: &str) {
    if !keys.iter().any(|k| k == key) {
        keys.push(key.to_string());
    }
}

enum Verdict {
    Pass,
    TooMany(u64),
    Fail(StatusCode),
}

struct RateHeaders {
    limit: u32,
    remaining: u32,
    reset: u64,
}

#[derive(Clone)]
struct LayerState {
    faults: Arc<FaultState>,
    flavor: VendorFlavor,
}

/// Wraps a vendor router in the fault layer (counts, latency, 429s, errors, rate-limit headers).
pub fn wrap(router: Router, faults: Arc<FaultState>, flavor: VendorFlavor) -> Router {
    router.layer(middleware::from_fn_with_state(
        LayerState { faults, flavor },
        fault_layer,
    ))
}

async fn fault_layer(State(s): State<LayerState>, req: Request, next: Next) -> Response {
    s.faults.requests.fetch_add(1, Ordering::SeqCst);
    let latency = s.faults.get().latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let key = (s.flavor.api_key)(req.headers()).unwrap_or_default();
    let (verdict, rate) = s.faults.admit(&key);
    let mut resp = match verdict {
        Verdict::Pass => next.run(req).await,
        Verdict::TooMany(retry) => {
            let msg = format!("Too many requests. Please retry in {retry} seconds");
            let mut r = (s.flavor.error)(StatusCode::TOO_MANY_REQUESTS, &msg);
            r.headers_mut()
                .insert("retry-after", HeaderValue::from(retry));
            r
        }
        Verdict::Fail(status) => {
            let msg = if status == StatusCode::SERVICE_UNAVAILABLE {
                "Service temporarily unavailable."
            } else {
                "Internal server error."
            };
            (s.flavor.error)(status, msg)
        }
    };
    let h = resp.headers_mut();
    h.insert("x-rate-limit-limit", HeaderValue::from(rate.limit));
    h.insert("x-rate-limit-remaining", HeaderValue::from(rate.remaining));
    h.insert("x-rate-limit-reset", HeaderValue::from(rate.reset));
    resp
}
