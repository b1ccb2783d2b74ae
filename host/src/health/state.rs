//! The status state machine, as a pure function of the stored state, new evidence and now.
//!
//! `active` → `degraded` after N consecutive failures (default 3) or when more than half of the
//! upstream calls in the error window (default 5 minutes) failed; → `offline` when every outcome
//! for `offline_after` (default 15 minutes) was a failure; → `reauth_required` at once when the
//! credentials are rejected (sticky: only a reconnect leaves it). A success returns `degraded`
//! and `offline` connections to `active`. A 429 is not a failure. `reauth_required` and
//! `disabled` do not move here.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::outcome::{Outcome, Reason};

#[derive(Clone, Debug)]
pub struct Thresholds {
    pub degraded_after_failures: u32,
    /// The passive window: more than half of the calls failing in it degrades.
    pub error_window: Duration,
    /// Fewer calls than this in the window say nothing.
    pub min_window_calls: u32,
    pub offline_after: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            degraded_after_failures: 3,
            error_window: Duration::from_secs(300),
            min_window_calls: 5,
            offline_after: Duration::from_secs(900),
        }
    }
}

/// What the store says now.
#[derive(Clone, Debug)]
pub struct Current {
    pub status: String,
    pub consecutive_failures: i64,
    pub failing_since: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// Outcomes observed since the last decision, in order, summarised.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub successes: u32,
    /// Failures after the last success (all of them when there was none).
    pub trailing_failures: u32,
    pub first_trailing_failure_at: Option<DateTime<Utc>>,
    pub last_failure: Option<(Reason, String)>,
    pub rate_limited: Option<String>,
    pub rejected: Option<(Reason, String)>,
    /// Calls and failures in the passive window, when passive calls were seen.
    pub window: Option<(u32, u32)>,
}

impl Evidence {
    /// Adds one outcome observed at `at`.
    pub fn add(&mut self, outcome: &Outcome, at: DateTime<Utc>) {
        match outcome {
            Outcome::Healthy => {
                self.successes += 1;
                self.trailing_failures = 0;
                self.first_trailing_failure_at = None;
            }
            Outcome::Failed(reason, error) => {
                if self.trailing_failures == 0 {
                    self.first_trailing_failure_at = Some(at);
                }
                self.trailing_failures += 1;
                self.last_failure = Some((*reason, error.clone()));
            }
            Outcome::RateLimited(message) => self.rate_limited = Some(message.clone()),
            Outcome::Rejected(reason, error) => self.rejected = Some((*reason, error.clone())),
            Outcome::Ignored => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.successes == 0 && self.trailing_failures == 0 && self.rate_limited.is_none() && self.rejected.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub status: String,
    pub consecutive_failures: i64,
    pub failing_since: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// The error to record (`None` keeps the last one).
    pub error: Option<String>,
    /// The evidence included a success.
    pub healthy: bool,
}

/// The statuses the state machine moves between; the others are left alone.
pub fn is_monitored(status: &str) -> bool {
    matches!(status, "active" | "degraded" | "offline")
}

pub fn decide(current: &Current, ev: &Evidence, th: &Thresholds, now: DateTime<Utc>) -> Decision {
    let unchanged = Decision {
        status: current.status.clone(),
        consecutive_failures: current.consecutive_failures,
        failing_since: current.failing_since,
        reason: current.reason.clone(),
        error: None,
        healthy: ev.successes > 0,
    };
    if !is_monitored(&current.status) {
        return unchanged;
    }
    if let Some((reason, error)) = &ev.rejected {
        return Decision { status: "reauth_required".into(), reason: Some(reason.as_str().into()), error: Some(error.clone()), ..unchanged };
    }
    let trailing = i64::from(ev.trailing_failures);
    let (consecutive, failing_since) = if ev.successes > 0 {
        (trailing, ev.first_trailing_failure_at)
    } else if trailing > 0 {
        (current.consecutive_failures + trailing, current.failing_since.or(ev.first_trailing_failure_at))
    } else {
        (current.consecutive_failures, current.failing_since)
    };
    let failure_reason = ev.last_failure.as_ref().map(|(r, _)| *r);
    let window_failing = ev.window.is_some_and(|(calls, failures)| calls >= th.min_window_calls && failures * 2 > calls);
    let offline = consecutive > 0 && failing_since.is_some_and(|t| now - t >= chrono::Duration::from_std(th.offline_after).unwrap_or_else(|_| chrono::Duration::days(36_500)));
    let (status, reason) = if offline {
        ("offline", failure_reason.unwrap_or(Reason::UpstreamUnreachable))
    } else if consecutive >= i64::from(th.degraded_after_failures) || window_failing {
        ("degraded", failure_reason.unwrap_or(Reason::UpstreamErrors))
    } else if consecutive == 0 && ev.successes > 0 {
        ("active", Reason::Recovered)
    } else {
        (current.status.as_str(), failure_reason.unwrap_or(Reason::RateLimited))
    };
    let changed = status != current.status;
    let reason = if changed {
        Some(reason.as_str().to_string())
    } else if let Some(r) = failure_reason.filter(|_| trailing > 0) {
        Some(r.as_str().to_string())
    } else if ev.rate_limited.is_some() {
        Some(Reason::RateLimited.as_str().to_string())
    } else {
        current.reason.clone()
    };
    let error = match (&ev.last_failure, &ev.rate_limited) {
        (Some((_, e)), _) if trailing > 0 => Some(e.clone()),
        (_, Some(m)) => Some(m.clone()),
        _ => None,
    };
    Decision { status: status.to_string(), consecutive_failures: consecutive, failing_since, reason, error, healthy: ev.successes > 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn current(status: &str) -> Current {
        Current { status: status.into(), consecutive_failures: 0, failing_since: None, reason: None }
    }

    fn evidence(outcomes: &[(&Outcome, i64)]) -> Evidence {
        let mut ev = Evidence::default();
        for (o, t) in outcomes {
            ev.add(o, at(*t));
        }
        ev
    }

    fn apply(d: &Decision) -> Current {
        Current { status: d.status.clone(), consecutive_failures: d.consecutive_failures, failing_since: d.failing_since, reason: d.reason.clone() }
    }

    #[test]
    fn three_consecutive_failures_degrade_then_offline_after_the_period_then_recover() {
        let th = Thresholds::default();
        let down = Outcome::Failed(Reason::UpstreamUnreachable, "connection refused".into());
        let mut c = current("active");
        for (i, expected) in [(0, "active"), (300, "active"), (600, "degraded"), (900, "offline")] {
            let d = decide(&c, &evidence(&[(&down, i)]), &th, at(i));
            assert_eq!(d.status, expected, "after the failure at {i}s");
            c = apply(&d);
        }
        assert_eq!(c.reason.as_deref(), Some("upstream_unreachable"));
        assert_eq!(c.consecutive_failures, 4);
        let d = decide(&c, &evidence(&[(&Outcome::Healthy, 1200)]), &th, at(1200));
        assert_eq!((d.status.as_str(), d.reason.as_deref(), d.consecutive_failures, d.failing_since), ("active", Some("recovered"), 0, None));
    }

    #[test]
    fn rate_limits_are_recorded_but_never_failures() {
        let th = Thresholds::default();
        let limited = Outcome::RateLimited("slow down".into());
        let ev = evidence(&[(&limited, 0), (&limited, 1), (&limited, 2), (&limited, 3)]);
        let d = decide(&current("active"), &ev, &th, at(3));
        assert_eq!((d.status.as_str(), d.reason.as_deref(), d.consecutive_failures), ("active", Some("rate_limited"), 0));
    }

    #[test]
    fn rejected_credentials_are_reauth_required_at_once_and_sticky() {
        let th = Thresholds::default();
        let rejected = Outcome::Rejected(Reason::CredentialsInvalid, "401".into());
        let d = decide(&current("active"), &evidence(&[(&Outcome::Healthy, 0), (&rejected, 1)]), &th, at(1));
        assert_eq!((d.status.as_str(), d.reason.as_deref()), ("reauth_required", Some("credentials_invalid")));
        let sticky = decide(&apply(&d), &evidence(&[(&Outcome::Healthy, 2)]), &th, at(2));
        assert_eq!(sticky.status, "reauth_required", "only a reconnect leaves reauth_required");
        let refresh = decide(&current("degraded"), &evidence(&[(&Outcome::token_refresh_failed("invalid_grant"), 0)]), &th, at(0));
        assert_eq!(refresh.reason.as_deref(), Some("token_refresh_failed"));
    }

    #[test]
    fn more_than_half_of_the_window_failing_degrades() {
        let th = Thresholds::default();
        let err = Outcome::Failed(Reason::UpstreamErrors, "503".into());
        let mut ev = evidence(&[(&err, 0), (&Outcome::Healthy, 1), (&err, 2)]);
        ev.window = Some((10, 6));
        assert_eq!(decide(&current("active"), &ev, &th, at(2)).status, "degraded");
        ev.window = Some((10, 5));
        assert_eq!(decide(&current("active"), &ev, &th, at(2)).status, "active", "half is not more than half");
        ev.window = Some((3, 3));
        assert_eq!(decide(&current("active"), &ev, &th, at(2)).status, "active", "too few calls to judge");
    }

    #[test]
    fn disabled_connections_do_not_move() {
        let down = Outcome::Failed(Reason::UpstreamUnreachable, "x".into());
        let d = decide(&current("disabled"), &evidence(&[(&down, 0)]), &Thresholds::default(), at(0));
        assert_eq!(d.status, "disabled");
    }
}
