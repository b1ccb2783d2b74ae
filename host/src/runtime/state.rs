//! The data of one store: everything a single connector call can touch.
//!
//! Lifecycle: prepared per call (a fresh `Store` per call): a WASI context with no preopens,
//! no environment, no arguments, no sockets and no name lookup; stdout/stderr into `tracing`;
//! the connection's outbound hooks; a memory limiter; the connection's session-cache scope.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::guest_output::GuestOutput;
use super::limits::CallLimiter;
use super::outbound::OutboundHooks;
use super::session_cache::SessionScope;
use crate::runtime::scrub::Scrubber;

pub struct CallState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: OutboundHooks,
    pub limiter: CallLimiter,
    pub connector_id: Arc<str>,
    pub session: Option<SessionScope>,
    pub scrubber: Arc<Scrubber>,
}

impl CallState {
    pub fn new(
        connector_id: Arc<str>,
        hooks: OutboundHooks,
        limiter: CallLimiter,
        session: Option<SessionScope>,
        scrubber: Arc<Scrubber>,
    ) -> Self {
        // `WasiCtxBuilder::new()` starts empty: no preopens, env, args or network. Sockets and
        // name lookup are refused explicitly; outbound HTTP goes through wasi:http only.
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .stdout(GuestOutput::new(connector_id.clone(), "stdout", scrubber.clone()))
            .stderr(GuestOutput::new(connector_id.clone(), "stderr", scrubber.clone()))
            .build();
        CallState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks,
            limiter,
            connector_id,
            session,
            scrubber,
        }
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}
