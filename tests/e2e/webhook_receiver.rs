//! A webhook receiver for tests: an HTTP server on loopback that verifies every delivery with an
//! independent Standard Webhooks implementation (the `standardwebhooks` crate), records what it
//! got, and answers with a status the test sets (to make deliveries fail), as slowly as it sets.

use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

/// One delivery the receiver accepted.
#[derive(Clone, Debug)]
pub struct Received {
    pub webhook_id: String,
    pub event_type: String,
    pub body: Value,
    /// Which of the receiver's secrets verified it.
    pub verified_by: Vec<usize>,
}

#[derive(Default)]
pub struct ReceiverState {
    secrets: Mutex<Vec<String>>,
    received: Mutex<Vec<Received>>,
    /// Deliveries whose signature no secret verified (answered 400).
    pub unverified: AtomicUsize,
    /// Requests seen, answered or not.
    pub requests: AtomicUsize,
    status: AtomicU16,
    /// How long each answer takes, in milliseconds.
    delay_ms: AtomicU64,
}

pub struct Receiver {
    pub url: String,
    pub port: u16,
    pub state: Arc<ReceiverState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Receiver {
    /// On an ephemeral port.
    pub async fn start() -> Receiver {
        Receiver::serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), Arc::default()).await
    }

    /// On a given port (a receiver coming back after an outage), keeping `state`.
    pub async fn on_port(port: u16, state: Arc<ReceiverState>) -> Receiver {
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        Receiver::serve(listener, state).await
    }

    async fn serve(listener: tokio::net::TcpListener, state: Arc<ReceiverState>) -> Receiver {
        let port = listener.local_addr().unwrap().port();
        if state.status.load(Ordering::SeqCst) == 0 {
            state.status.store(200, Ordering::SeqCst);
        }
        let app = axum::Router::new().fallback(axum::routing::post(receive)).with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Receiver { url: format!("http://127.0.0.1:{port}/hooks"), port, state, stop: Some(stop), task: Some(task) }
    }

    /// Adds a secret deliveries may be signed with.
    pub fn trust(&self, secret: &str) {
        self.state.secrets.lock().unwrap().push(secret.to_string());
    }

    /// The status later deliveries get.
    pub fn answer(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    /// How long later answers take (a slow endpoint).
    pub fn slow_down(&self, by: Duration) {
        self.state.delay_ms.store(by.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Stops listening (the port is free again once this returns).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

async fn receive(State(state): State<Arc<ReceiverState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    // The status is decided before the request is counted, so a test that saw n requests knows
    // what the n-th got.
    let status = StatusCode::from_u16(state.status.load(Ordering::SeqCst)).unwrap();
    state.requests.fetch_add(1, Ordering::SeqCst);
    let secrets = state.secrets.lock().unwrap().clone();
    let verified_by: Vec<usize> = secrets
        .iter()
        .enumerate()
        .filter(|(_, s)| standardwebhooks::Webhook::new(s).unwrap().verify(&body, &headers).is_ok())
        .map(|(i, _)| i)
        .collect();
    if verified_by.is_empty() {
        state.unverified.fetch_add(1, Ordering::SeqCst);
        return StatusCode::BAD_REQUEST;
    }
    if status.is_success() {
        let body: Value = serde_json::from_slice(&body).expect("deliveries are JSON");
        let webhook_id = headers["webhook-id"].to_str().unwrap().to_string();
        let event_type = body["type"].as_str().unwrap_or_default().to_string();
        state.received.lock().unwrap().push(Received { webhook_id, event_type, body, verified_by });
    }
    tokio::time::sleep(Duration::from_millis(state.delay_ms.load(Ordering::SeqCst))).await;
    status
}

/// Polls `check` until it returns `Some`, for at most `within` (a generous bound, not a timing
/// assertion).
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
