//! The host's own imports of the connector world: `log` and `session-cache`.

use std::time::Duration;

use super::bindings::v0_1::millwright::connector::{log, session_cache, types};
use super::state::CallState;

/// Longest guest log line kept; the rest is cut.
const MAX_LOG_LINE: usize = 4096;

impl types::Host for CallState {}

impl log::Host for CallState {
    async fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        let mut text = self.scrubber.scrub(&message);
        if text.len() > MAX_LOG_LINE {
            let mut cut = MAX_LOG_LINE;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push('…');
        }
        let connector = &*self.connector_id;
        match level {
            log::Level::Trace => tracing::trace!(target: "millwright::guest", connector, "{text}"),
            log::Level::Debug => tracing::debug!(target: "millwright::guest", connector, "{text}"),
            log::Level::Info => tracing::info!(target: "millwright::guest", connector, "{text}"),
            log::Level::Warn => tracing::warn!(target: "millwright::guest", connector, "{text}"),
            log::Level::Error => tracing::error!(target: "millwright::guest", connector, "{text}"),
        }
        Ok(())
    }
}

impl session_cache::Host for CallState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.session.as_ref().and_then(|s| s.get(&key)))
    }

    async fn set(&mut self, key: String, value: String, ttl_seconds: u32) -> wasmtime::Result<()> {
        if let Some(s) = &self.session {
            s.set(key, value, Duration::from_secs(ttl_seconds.into()));
        }
        Ok(())
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        if let Some(s) = &self.session {
            s.delete(&key);
        }
        Ok(())
    }
}

/// Adds every import a connector may use: WASI 0.2 (empty context), wasi:http (policed), and
/// the host interfaces.
pub fn add_to_linker(linker: &mut wasmtime::component::Linker<CallState>) -> wasmtime::Result<()> {
    use wasmtime::component::HasSelf;
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    log::add_to_linker::<CallState, HasSelf<CallState>>(linker, |s| s)?;
    session_cache::add_to_linker::<CallState, HasSelf<CallState>>(linker, |s| s)?;
    Ok(())
}
