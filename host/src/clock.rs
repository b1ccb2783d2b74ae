//! The host's clock: the system time plus an offset tests can move forward, so expiries (link
//! codes, OAuth access tokens) are tested without waiting.
//!
//! Lifecycle: one `Clock` per app (`AppState::clock`), cloned into whatever checks an expiry;
//! clones share the offset.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Now as the RFC 3339 text the tables store (see `store::now`).
    pub fn now_text(&self) -> String {
        rfc3339(self.now())
    }

    /// Moves this clock (and every clone) forward; tests only.
    pub fn advance(&self, by: std::time::Duration) {
        self.offset_ms.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX), Ordering::Relaxed);
    }
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
