//! Settings of the background work `serve` and `demo` run: health checks and webhook delivery.
//! Durations take humantime text (`30s`, `5m`, `24h`, `250ms`).

use std::time::Duration;

use clap::Args;

use crate::app::AppOptions;
use crate::health::HealthConfig;
use crate::webhooks::{RetrySchedule, WebhookConfig};

#[derive(Args, Clone, Debug)]
pub struct BackgroundSettings {
    /// Between two health checks of a connection (jittered; a connection may set its own).
    #[arg(long, env = "MILLWRIGHT_HEALTH_CHECK_INTERVAL", default_value = "5m", value_parser = humantime::parse_duration)]
    pub health_check_interval: Duration,
    /// How often the health monitor looks for due checks and flushes passive evidence.
    #[arg(long, env = "MILLWRIGHT_HEALTH_TICK", default_value = "1s", value_parser = humantime::parse_duration)]
    pub health_tick: Duration,
    /// Consecutive failures that make a connection `degraded`.
    #[arg(long, env = "MILLWRIGHT_HEALTH_DEGRADED_AFTER", default_value_t = 3)]
    pub health_degraded_after: u32,
    /// How long a connection fails before it is `offline`.
    #[arg(long, env = "MILLWRIGHT_HEALTH_OFFLINE_AFTER", default_value = "15m", value_parser = humantime::parse_duration)]
    pub health_offline_after: Duration,
    /// Allow webhook endpoints on private, link-local and loopback addresses.
    #[arg(long, env = "MILLWRIGHT_WEBHOOKS_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhooks_allow_private: bool,
    /// First wait after a failed delivery; it doubles after each failure.
    #[arg(long, env = "MILLWRIGHT_WEBHOOKS_RETRY_INITIAL", default_value = "30s", value_parser = humantime::parse_duration)]
    pub webhooks_retry_initial: Duration,
    /// Longest wait between two attempts.
    #[arg(long, env = "MILLWRIGHT_WEBHOOKS_RETRY_MAX_INTERVAL", default_value = "1h", value_parser = humantime::parse_duration)]
    pub webhooks_retry_max_interval: Duration,
    /// How long a delivery is retried before it is failed (and its endpoint, failing all along, disabled).
    #[arg(long, env = "MILLWRIGHT_WEBHOOKS_RETRY_WINDOW", default_value = "24h", value_parser = humantime::parse_duration)]
    pub webhooks_retry_window: Duration,
    /// How long a claimed delivery stays this process's (after a crash it is claimed again).
    #[arg(long, env = "MILLWRIGHT_WEBHOOKS_LEASE", default_value = "60s", value_parser = humantime::parse_duration)]
    pub webhooks_lease: Duration,
    /// How often an idle dispatcher looks for due deliveries.
    #[arg(long, env = "MILLWRIGHT_WEBHOOKS_POLL_INTERVAL", default_value = "1s", value_parser = humantime::parse_duration)]
    pub webhooks_poll_interval: Duration,
    /// Days delivery logs, delivered events and health history are kept.
    #[arg(long, env = "MILLWRIGHT_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u64,
}

impl BackgroundSettings {
    /// Puts these settings into the app's options.
    pub fn apply(&self, options: &mut AppOptions) {
        let health = HealthConfig { check_interval: self.health_check_interval, tick: self.health_tick, ..HealthConfig::default() };
        options.health = HealthConfig {
            thresholds: crate::health::Thresholds {
                degraded_after_failures: self.health_degraded_after.max(1),
                offline_after: self.health_offline_after,
                ..health.thresholds.clone()
            },
            ..health
        };
        options.webhooks = WebhookConfig {
            allow_private: self.webhooks_allow_private,
            retry: RetrySchedule {
                initial: self.webhooks_retry_initial,
                max_interval: self.webhooks_retry_max_interval,
                window: self.webhooks_retry_window,
            },
            lease: self.webhooks_lease,
            poll_interval: self.webhooks_poll_interval,
            retention: Duration::from_secs(self.retention_days.max(1) * 86_400),
            ..WebhookConfig::default()
        };
    }
}
