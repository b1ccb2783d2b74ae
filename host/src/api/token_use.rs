//! `last_used_at` of connection tokens: written off the request path, and at most once a minute
//! per token and process.
//!
//! The store's `UPDATE` already keeps the minute (a second process, or a restart, writes at
//! most once more); this in-memory gate spares the requests in between the write transaction
//! and the trip through the database pool, which on SQLite cost as much as the token lookup.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::Store;

/// How often a token's `last_used_at` is written.
const GRANULARITY: Duration = Duration::from_secs(60);
/// Past this many tokens remembered, the ones written over a minute ago are forgotten.
const PRUNE_AT: usize = 4096;

#[derive(Default)]
pub struct TokenUse {
    written: Mutex<HashMap<String, Instant>>,
}

impl TokenUse {
    /// Records a use of `token_id` unless this process wrote it less than a minute ago.
    pub fn record(&self, store: &Store, token_id: &str) {
        let now = Instant::now();
        {
            let mut written = self.written.lock().expect("token-use map poisoned");
            if written.get(token_id).is_some_and(|at| now.duration_since(*at) < GRANULARITY) {
                return;
            }
            if written.len() >= PRUNE_AT {
                written.retain(|_, at| now.duration_since(*at) < GRANULARITY);
            }
            written.insert(token_id.to_owned(), now);
        }
        let (store, token_id) = (store.clone(), token_id.to_owned());
        tokio::spawn(async move {
            if let Err(e) = store.touch_token(&token_id).await {
                tracing::debug!(error = %e, "could not record token use");
            }
        });
    }
}
