//! Background work of a serving host: the health monitor, the webhook dispatcher and retention
//! pruning. Started by `millwright serve` and `millwright demo` (tests start it themselves), and
//! stopped cleanly: each loop finishes its current round, then returns.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;

pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    pub fn start(app: &AppState) -> Background {
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(crate::health::monitor::run(app.clone(), stopped.clone())),
            tokio::spawn(crate::webhooks::dispatcher::run(app.clone(), stopped.clone())),
            tokio::spawn(crate::webhooks::dispatcher::retention(app.clone(), stopped)),
        ];
        Background { stop, tasks }
    }

    /// Asks every loop to stop and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "a background task ended badly");
            }
        }
    }
}
