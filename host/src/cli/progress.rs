//! Progress on long CLI work: a spinner with the elapsed time, or a counter. Drawn on stderr
//! only when it is a terminal and the command is not printing JSON, so scripts and logs see
//! nothing of it.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner saying what is being done (`compiling connector modules`), ticking on its own.
pub fn spinner(message: &str, json: bool) -> ProgressBar {
    bar("{spinner} {msg} ({elapsed})", message, json)
}

/// A counter of items done (`re-wrapping data keys: 1200`), for work of unknown length.
pub fn counter(message: &str, json: bool) -> ProgressBar {
    bar("{spinner} {msg}: {pos} ({per_sec}, {elapsed})", message, json)
}

fn bar(template: &str, message: &str, json: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, target(json));
    bar.set_style(ProgressStyle::with_template(template).expect("a valid template"));
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn target(json: bool) -> ProgressDrawTarget {
    // `stderr()` draws nothing when stderr is not a terminal.
    if json { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() }
}
