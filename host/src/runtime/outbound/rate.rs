//! The per-connection request-rate budget: a token bucket the send hook draws from before each
//! upstream attempt, so one busy tenant cannot flood a customer's system (or spend its API
//! quota). Waiting counts against the request's total timeout.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateBudget {
    per_second: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateBudget {
    /// `per_second` sustained, up to `burst` at once.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self::with_rate(f64::from(per_second.max(1)), burst)
    }

    /// A fractional sustained rate (e.g. 30 a minute is 0.5 a second).
    pub fn with_rate(per_second: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        RateBudget { per_second: per_second.max(f64::MIN_POSITIVE), burst, state: Mutex::new((burst, Instant::now())) }
    }

    /// Takes one token, or says how long until one is available (the caller sleeps and asks again).
    pub fn try_take(&self) -> Result<(), Duration> {
        self.take().map(|_| ())
    }

    /// Takes one token and returns the whole tokens left, or how long until one is available.
    pub fn take(&self) -> Result<u32, Duration> {
        let mut state = self.state.lock().unwrap();
        let (tokens, last) = *state;
        let now = Instant::now();
        let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.per_second).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            Ok((tokens - 1.0).floor() as u32)
        } else {
            *state = (tokens, now);
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second))
        }
    }

    /// Whether the bucket is full again (an idle client), so it can be forgotten.
    pub fn is_full(&self) -> bool {
        let (tokens, last) = *self.state.lock().unwrap();
        tokens + last.elapsed().as_secs_f64() * self.per_second >= self.burst
    }

    /// Time until the bucket is full again.
    pub fn full_in(&self) -> Duration {
        let (tokens, last) = *self.state.lock().unwrap();
        let now = (tokens + last.elapsed().as_secs_f64() * self.per_second).min(self.burst);
        Duration::from_secs_f64((self.burst - now) / self.per_second)
    }
}

#[cfg(test)]
mod tests {
    use super::RateBudget;

    #[test]
    fn allows_the_burst_then_paces() {
        let budget = RateBudget::new(10, 3);
        for _ in 0..3 {
            assert!(budget.try_take().is_ok());
        }
        let wait = budget.try_take().unwrap_err();
        assert!(wait.as_millis() > 50 && wait.as_millis() <= 100, "{wait:?}");
    }
}
