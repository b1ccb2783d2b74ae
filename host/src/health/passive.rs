//! Passive health: the outcome of every upstream call made for an API request, recorded in
//! memory on the request path (one short lock, no I/O) and flushed by the monitor.
//!
//! Per connection it keeps the evidence since the last flush and a sliding window of calls and
//! failures in buckets (the error ratio of the state machine). A rejected credential wakes the
//! monitor so the status changes within a tick, not a check interval.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::outcome::Outcome;
use super::state::Evidence;

/// Buckets per window: the window slides in steps of `window / BUCKETS`.
const BUCKETS: i64 = 30;

#[derive(Default)]
struct ConnectionCalls {
    pending: Evidence,
    dirty: bool,
    /// (bucket number, calls, failures), oldest first.
    window: VecDeque<(i64, u32, u32)>,
}

pub struct PassiveRecorder {
    window: Duration,
    calls: Mutex<HashMap<String, ConnectionCalls>>,
}

impl PassiveRecorder {
    pub fn new(window: Duration) -> Self {
        PassiveRecorder { window, calls: Mutex::new(HashMap::new()) }
    }

    /// Records one call's outcome; `true` when the monitor should flush at once.
    pub fn record(&self, connection_id: &str, outcome: &Outcome, at: DateTime<Utc>) -> bool {
        if *outcome == Outcome::Ignored {
            return false;
        }
        let bucket = self.bucket(at);
        let mut calls = self.calls.lock().unwrap();
        let entry = calls.entry(connection_id.to_string()).or_default();
        entry.pending.add(outcome, at);
        entry.dirty = true;
        let failed = matches!(outcome, Outcome::Failed(..));
        if !matches!(outcome, Outcome::RateLimited(_)) {
            match entry.window.back_mut() {
                Some((b, n, f)) if *b == bucket => {
                    *n += 1;
                    *f += u32::from(failed);
                }
                _ => entry.window.push_back((bucket, 1, u32::from(failed))),
            }
        }
        matches!(outcome, Outcome::Rejected(..))
    }

    /// Takes the evidence of every connection that saw calls since the last flush, with its
    /// window totals.
    pub fn drain(&self, now: DateTime<Utc>) -> Vec<(String, Evidence)> {
        let oldest = self.bucket(now) - BUCKETS + 1;
        let mut calls = self.calls.lock().unwrap();
        let mut out = Vec::new();
        calls.retain(|id, c| {
            while c.window.front().is_some_and(|(b, _, _)| *b < oldest) {
                c.window.pop_front();
            }
            if c.dirty {
                let mut ev = std::mem::take(&mut c.pending);
                let (n, f) = c.window.iter().fold((0, 0), |(n, f), (_, bn, bf)| (n + bn, f + bf));
                ev.window = Some((n, f));
                c.dirty = false;
                out.push((id.clone(), ev));
            }
            !c.window.is_empty() || c.dirty
        });
        out
    }

    /// Forgets a connection's window: a successful check or a reconnect says the system is fine
    /// now, whatever the last minutes looked like.
    pub fn reset(&self, connection_id: &str) {
        if let Some(c) = self.calls.lock().unwrap().get_mut(connection_id) {
            c.window.clear();
        }
    }

    fn bucket(&self, at: DateTime<Utc>) -> i64 {
        let width = (self.window.as_millis() as i64 / BUCKETS).max(1);
        at.timestamp_millis() / width
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::PassiveRecorder;
    use crate::health::{Outcome, Reason};

    #[test]
    fn drains_each_connections_evidence_with_its_window_and_forgets_old_calls() {
        let r = PassiveRecorder::new(Duration::from_secs(300));
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let failed = Outcome::Failed(Reason::UpstreamErrors, "503".into());
        assert!(!r.record("conn_a", &Outcome::Healthy, t0));
        assert!(!r.record("conn_a", &failed, t0));
        assert!(!r.record("conn_a", &Outcome::Ignored, t0), "says nothing");
        assert!(r.record("conn_b", &Outcome::Rejected(Reason::CredentialsInvalid, "401".into()), t0), "wakes the monitor");
        let mut drained = r.drain(t0);
        drained.sort_by(|a, b| a.0.cmp(&b.0));
        let (_, a) = &drained[0];
        assert_eq!((a.successes, a.trailing_failures, a.window), (1, 1, Some((2, 1))));
        assert!(drained[1].1.rejected.is_some());
        assert!(r.drain(t0).is_empty(), "nothing new");
        r.record("conn_a", &Outcome::Healthy, t0 + chrono::Duration::seconds(400));
        let later = r.drain(t0 + chrono::Duration::seconds(400));
        assert_eq!(later[0].1.window, Some((1, 0)), "calls older than the window are gone");
    }
}
