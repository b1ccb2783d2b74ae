//! Posting one signed delivery, with the host's own HTTP stack (hyper through the policy
//! connector of `runtime::outbound::client`: names resolved by the host, every address checked
//! against the private-target rule before connecting).

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::runtime::outbound::client::{UpstreamClient, build_client_with_idle};
use crate::runtime::outbound::egress::{EgressPolicy, PrivateAccess};

/// The first bytes of a response body the delivery log keeps.
pub const LOGGED_BODY_BYTES: usize = 1024;

/// What one attempt got back.
#[derive(Debug)]
pub struct Answer {
    pub status: Option<u16>,
    pub body: Option<String>,
    pub error: Option<String>,
    pub latency: Duration,
}

impl Answer {
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

#[derive(Clone)]
pub struct Sender {
    client: UpstreamClient,
    timeout: Duration,
}

impl Sender {
    /// `concurrency`: the most posts in flight at once; as many connections per host stay open
    /// between batches, so a batch does not reconnect what the previous one opened.
    pub fn new(allow_private: bool, timeout: Duration, concurrency: usize) -> Sender {
        // Only the address rule applies: the origin is the endpoint's own, checked when it was saved.
        let policy = if allow_private { EgressPolicy::any_address() } else { EgressPolicy::address_rules_only(PrivateAccess::Deny) };
        Sender { client: build_client_with_idle(policy, timeout, concurrency.max(1)), timeout }
    }

    /// POSTs `body` with `headers`; the whole exchange within the timeout.
    pub async fn post(&self, url: &str, headers: http::HeaderMap, body: Bytes) -> Answer {
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.timeout, self.exchange(url, headers, body)).await;
        let latency = started.elapsed();
        match outcome {
            Ok(Ok((status, body))) => Answer { status: Some(status), body: Some(body), error: None, latency },
            Ok(Err(error)) => Answer { status: None, body: None, error: Some(error), latency },
            Err(_) => Answer { status: None, body: None, error: Some(format!("no answer within {} s", self.timeout.as_secs_f64())), latency },
        }
    }

    async fn exchange(&self, url: &str, headers: http::HeaderMap, body: Bytes) -> Result<(u16, String), String> {
        let mut request = http::Request::post(url).body(Full::new(body)).map_err(|e| format!("invalid request: {e}"))?;
        *request.headers_mut() = headers;
        let response = self.client.request(request).await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut kept = Vec::new();
        // Only the first KB is kept; the rest is read (so the connection can be reused) up to a cap.
        let mut read = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { break };
            if let Some(data) = frame.data_ref() {
                read += data.len();
                if kept.len() < LOGGED_BODY_BYTES {
                    kept.extend_from_slice(&data[..data.len().min(LOGGED_BODY_BYTES - kept.len())]);
                }
                if read > 1 << 20 {
                    break;
                }
            }
        }
        Ok((status, String::from_utf8_lossy(&kept).into_owned()))
    }
}

/// The client error in words, the policy's refusal named as such.
fn describe(e: &hyper_util::client::legacy::Error) -> String {
    if let Some(denied) = crate::runtime::outbound::client::egress_denial(e) {
        return format!("refused: {denied}");
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
