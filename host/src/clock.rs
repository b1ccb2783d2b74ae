//! The clock background work reads, injectable so tests can move time (DESIGN.md: every
//! duration configurable, the clock injectable).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Now, as background work sees it. `Clock::system()` in production.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock of the caller's own (tests).
    pub fn from_fn(f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
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

/// Parses stored text back.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}
