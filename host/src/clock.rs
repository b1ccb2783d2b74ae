//! The host's clock, injectable so tests move time instead of waiting (DESIGN.md: every duration
//! configurable, the clock injectable): expiries (link codes, OAuth tokens) and background work
//! (health checks, webhook retries) read it.
//!
//! Lifecycle: one `Clock` per app (`AppState::clock`; the health monitor's and the dispatcher's
//! configurations carry theirs), cloned into whatever reads the time; clones share the source
//! and the offset. `Clock::system()` in production.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct Clock {
    source: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::from_fn(Utc::now)
    }

    /// A clock of the caller's own (tests).
    pub fn from_fn(f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock { source: Arc::new(f), offset_ms: Arc::new(AtomicI64::new(0)) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.source)() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Now, as the RFC 3339 text the tables store.
    pub fn now_text(&self) -> String {
        text(self.now())
    }

    /// `now + d`, as stored text.
    pub fn after(&self, d: Duration) -> String {
        text(self.now() + chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::days(36_500)))
    }

    /// `now - d`, as stored text.
    pub fn before(&self, d: Duration) -> String {
        text(self.now() - chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::days(36_500)))
    }

    /// Moves this clock (and every clone) forward; tests only.
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX), Ordering::Relaxed);
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// A time as the RFC 3339 text every table stores (the format of `store::now`).
pub fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The same as [`text`] (the name the OAuth code uses).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    text(t)
}

/// Parses stored text back.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}
