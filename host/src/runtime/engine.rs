//! The process-wide wasmtime `Engine` and its epoch ticker.
//!
//! Lifecycle: built once at start-up. Pooling allocator with copy-on-write memory images (the
//! fast-instantiation recipe of wasmtime's docs), epoch interruption driven by one ticker
//! thread. Tests use small pools: the defaults reserve terabytes of address space.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, ProfilingStrategy};

/// One epoch tick. Deadlines are expressed in ticks of this length.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The whole index space of a 32-bit linear memory.
const FULL_32_BIT_RESERVATION: u64 = 1 << 32;

#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Use the pooling allocator (production); on-demand allocation otherwise.
    pub pooling: bool,
    /// Component instances the pool holds at once.
    pub pool_instances: u32,
    /// Largest linear memory a pooled slot holds.
    pub max_memory_bytes: usize,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings { pooling: true, pool_instances: 128, max_memory_bytes: 128 << 20 }
    }
}

/// The engine plus the thread that advances its epoch; the thread stops when this is dropped.
pub struct EngineHandle {
    pub engine: Engine,
    stop: Arc<AtomicBool>,
}

impl EngineHandle {
    pub fn new(settings: &EngineSettings) -> Result<Self> {
        let engine = Engine::new(&engine_config(settings))?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker_engine = engine.weak();
        let ticker_stop = stop.clone();
        std::thread::Builder::new().name("millwright-epoch".into()).spawn(move || {
            while !ticker_stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                match ticker_engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })?;
        Ok(EngineHandle { engine, stop })
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn engine_config(settings: &EngineSettings) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.cranelift_opt_level(OptLevel::Speed);
    // Guest functions named in `perf` profiles (`/tmp/perf-<pid>.map`), for operators profiling
    // a connector; off by default (the map grows with every compiled module).
    if std::env::var_os("MILLWRIGHT_WASM_PERFMAP").is_some() {
        config.profiler(ProfilingStrategy::PerfMap);
    }
    config.memory_init_cow(true);
    // A 4 GiB reservation per linear memory (a 32-bit memory's whole index space) plus a guard
    // lets Cranelift drop the explicit bounds check of every load and store: an index can never
    // leave the reservation and a static offset up to the guard lands in it. The guest's real
    // size stays capped by `max_memory_bytes` (pool and limiter). With a reservation sized to
    // that cap (128 MiB) every access was checked (wasmtime's docs measure 1.2-1.8x slower code
    // for that). It is address space only (PROT_NONE, not committed): 128 slots x 2 memories
    // reserve about 1 TiB of the 128 TiB user address space. Memories never move on growth.
    config.memory_reservation(FULL_32_BIT_RESERVATION);
    config.memory_guard_size(32 << 20);
    config.max_wasm_stack(1 << 20);
    config.async_stack_size(2 << 20);
    if settings.pooling {
        let mut pool = PoolingAllocationConfig::new();
        let n = settings.pool_instances;
        pool.total_component_instances(n);
        // A Rust component holds a few core instances (the module plus adapter shims).
        pool.total_core_instances(n * 4);
        pool.max_core_instances_per_component(16);
        pool.total_memories(n * 2);
        pool.max_memories_per_component(4);
        pool.total_tables(n * 4);
        pool.max_tables_per_component(8);
        pool.total_stacks(n);
        pool.max_memory_size(settings.max_memory_bytes);
        pool.table_elements(100_000);
        // Big guests (Python, JS) have large instance metadata.
        pool.max_core_instance_size(4 << 20);
        pool.max_component_instance_size(4 << 20);
        // Reuse a slot without page faults: dirty pages found with PAGEMAP_SCAN (Linux ≥ 6.7;
        // `madvise` otherwise) are reset with `memset` up to these sizes instead of being
        // dropped and faulted in again by the next instance.
        pool.pagemap_scan(Enabled::Auto);
        pool.linear_memory_keep_resident(1 << 20);
        pool.table_keep_resident(64 << 10);
        // A slot's accessible memory is also shrunk back to the module's declared initial size
        // at instantiation (`mprotect`, a TLB shootdown on every CPU): guests declare an initial
        // memory that covers a call (`connectors/maintainx/build.rs`), so they never grow.
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}
