//! Mapping plugins: components of the `mapper` world, run after the mapping rules.
//!
//! Lifecycle, as for connectors: **configure per module** with [`Runtime::load_mapper`]
//! (compiled once per digest through the compile cache, off the request path, pre-instantiated);
//! **prepare per call** with [`Runtime::map_page`]: one fresh store per page (the same memory
//! limit, epoch deadline and instance semaphore as a connector call), `map` called once per
//! record inside it. A plugin gets no network: its outbound hooks deny every request.

use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result, anyhow};

use super::bindings::Entity;
use super::bindings::v0_1::mapper::MapperPre;
use super::outbound::{CallRecord, OutboundHooks, SharedRecord};
use super::scrub::Scrubber;
use super::state::CallState;
use super::{CallError, Runtime};

/// The `connector` label of mapping-plugin calls in the metrics.
const MAPPER_LABEL: &str = "mapper";

/// A compiled, pre-instantiated mapping plugin.
pub struct LoadedMapper {
    pub digest: String,
    pre: MapperPre<CallState>,
}

/// One record for the plugin: the unified JSON the rules produced and the source record.
pub struct MapInput {
    pub unified: String,
    pub source: String,
}

impl Runtime {
    /// Compiles (or loads from the cache) and pre-instantiates a mapping plugin. Refuses
    /// components that do not export the `mapper` world or import outside it and WASI 0.2.
    pub async fn load_mapper(&self, bytes: Vec<u8>) -> Result<LoadedMapper> {
        let bytes = Arc::new(bytes);
        let digest = super::compile::digest(&bytes);
        let instance_pre = self.link(&self.compile(bytes).await?, "mapper")?;
        let pre = MapperPre::new(instance_pre)
            .map_err(|e| anyhow!("{e:#}"))
            .context("the component does not export the millwright:connector@0.1 `mapper` world")?;
        Ok(LoadedMapper { digest, pre })
    }

    /// Runs the plugin over a page in one instance. Per record: `Ok(unified JSON)` or the
    /// plugin's own error text; a trap, a deadline or a memory-limit hit fails the whole call
    /// (the host's verdict, as for connectors).
    pub async fn map_page(&self, mapper: &LoadedMapper, entity: Entity, records: Vec<MapInput>) -> Result<Vec<Result<String, String>>, CallError> {
        let _permit = self.instances.acquire().await.map_err(|_| CallError::Internal("runtime shut down".into()))?;
        let record: SharedRecord = Arc::new(Mutex::new(CallRecord::default()));
        let hooks = OutboundHooks { connection: self.no_egress(), record };
        let scrubber = Arc::new(Scrubber::default());
        // Metrics are labelled by kind, not digest (bounded labels); logs name the digest.
        let mut store = self.call_store(format!("mapper:{}", &mapper.digest[..12]).into(), hooks, None, scrubber.clone(), &self.limits);
        self.count_instantiation(MAPPER_LABEL);
        let started = std::time::Instant::now();
        let run = async {
            let instance = mapper.pre.instantiate_async(&mut store).await?;
            let mut out = Vec::with_capacity(records.len());
            for r in &records {
                out.push(instance.call_map(&mut store, entity, &r.unified, &r.source).await?);
            }
            wasmtime::Result::Ok(out)
        };
        let span = tracing::info_span!("wasm_call", connector = MAPPER_LABEL, operation = "map", digest = %mapper.digest);
        let outcome = tokio::time::timeout(super::hard_deadline(&self.limits), tracing::Instrument::instrument(run, span)).await;
        let limiter = &store.data().limiter;
        let memory_limit_hit = limiter.memory_limit_hit;
        self.counters.grew(MAPPER_LABEL, limiter.memory_grows);
        let result = self.sandbox_outcome(MAPPER_LABEL, outcome, memory_limit_hit, &scrubber, "mapping plugin");
        self.counters.call(MAPPER_LABEL, "map", started.elapsed(), &result, &[]);
        result
    }
}
