//! The connector runtime: wasmtime engine, sandbox policy, outbound HTTP.
//!
//! Lifecycle (Spin's shape):
//! - **init once**: [`Runtime::new`] builds the engine (pooling, epoch ticker), the linker with
//!   every import, and the compile cache;
//! - **configure per module**: [`Runtime::load_module`] compiles (or loads the cached artifact)
//!   off the request path, pre-instantiates (`InstancePre`) and reads `describe`;
//!   **per connection**: [`Runtime::bind`] resolves the egress policy and injected auth;
//! - **prepare per call**: every call gets a fresh `Store` with its own memory limiter, epoch
//!   deadline, outbound hooks and call record, under a semaphore that bounds live instances.
//!
//! Invariant: whatever a guest does with an error, the host decides the outcome from what it
//! observed itself (traps, deadline, memory limit, denied egress, upstream timeouts).

pub mod bindings;
pub mod compile;
pub mod counters;
pub mod engine;
pub mod failure;
pub mod guest_output;
pub mod host_imports;
pub mod limits;
pub mod mapper;
pub mod outbound;
pub mod scrub;
pub mod session_cache;
pub mod state;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};
use tokio::sync::Semaphore;
use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use self::bindings::*;
use self::compile::CompileCache;
use self::engine::{EPOCH_TICK, EngineHandle, EngineSettings};
pub use self::counters::RuntimeCounters;
pub use self::failure::{CallError, FailureReason};
use self::limits::{CallLimiter, RuntimeLimits};
use self::outbound::auth::{HostAuth, chosen_scheme};
use crate::oauth::TokenSource;
use crate::oauth::grant::RESERVED_PREFIX;
pub use crate::oauth::token_source::OAuthSetup;
use self::outbound::egress::{EgressPolicy, Origin, PrivateAccess, PrivateTarget};
use self::outbound::{CallRecord, ConnectionOutbound, OutboundHooks, SharedRecord};
use self::scrub::Scrubber;
use self::session_cache::{SessionCache, SessionScope};
use self::state::CallState;

#[derive(Clone, Debug, Default)]
pub struct RuntimeConfig {
    pub engine: EngineSettings,
    pub limits: RuntimeLimits,
    /// Where compiled artifacts are kept between runs; `None` compiles on every start.
    pub compile_cache_dir: Option<PathBuf>,
    /// Static name resolution consulted before DNS (tests; split-horizon deployments).
    pub dns_overrides: HashMap<String, Vec<IpAddr>>,
}

pub struct Runtime {
    engine: EngineHandle,
    linker: Linker<CallState>,
    limits: RuntimeLimits,
    compile_cache: CompileCache,
    instances: Semaphore,
    sessions: Arc<SessionCache>,
    dns_overrides: Arc<HashMap<String, Vec<IpAddr>>>,
    /// The pool's memory slot size: the ceiling of any module's memory limit.
    memory_ceiling: usize,
    pub counters: RuntimeCounters,
}

/// A compiled, pre-instantiated connector module, what it declared, and the limits its calls
/// run under (the configured defaults unless the registry applied the operator's overrides).
#[derive(Clone)]
pub struct LoadedModule {
    pub digest: String,
    pub info: ConnectorInfo,
    pub component: Component,
    pub limits: RuntimeLimits,
    pre: ConnectorPre<CallState>,
}

/// What the runtime needs to know about a connection.
#[derive(Clone, Debug)]
pub struct ConnectionSpec {
    pub connection_id: String,
    pub base_url: String,
    pub settings: BTreeMap<String, String>,
    pub credentials: BTreeMap<String, String>,
    /// Extra hosts the operator approved for this connection's connector.
    pub approved_hosts: Vec<String>,
    /// Non-public networks or hosts this connection may reach (on-prem systems, the sandbox).
    pub private_networks: Vec<PrivateTarget>,
}

/// A connection bound to a module: its context, egress policy, injected auth and client pool.
pub struct ConnectionBinding {
    pub context: ConnectionContext,
    outbound: Arc<ConnectionOutbound>,
    scrubber: Arc<Scrubber>,
}

impl ConnectionBinding {
    pub fn scrub(&self, text: &str) -> String {
        self.scrubber.scrub(text)
    }
}

/// One export call.
enum Invocation {
    Describe,
    Check,
    List(Entity, ListQuery),
    Get(Entity, String),
    Create(Entity, String),
    Update(Entity, String, String),
    Passthrough(HttpRequest),
}

impl Invocation {
    fn operation(&self) -> &'static str {
        match self {
            Invocation::Describe => "describe",
            Invocation::Check => "check",
            Invocation::List(..) => "list",
            Invocation::Get(..) => "get",
            Invocation::Create(..) => "create",
            Invocation::Update(..) => "update",
            Invocation::Passthrough(_) => "passthrough",
        }
    }
}

enum Answer {
    Info(ConnectorInfo),
    Account(AccountInfo),
    Page(Page),
    Record(SourceRecord),
    Http(HttpResponse),
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Runtime> {
        let mut engine_settings = config.engine.clone();
        engine_settings.max_memory_bytes = engine_settings.max_memory_bytes.max(config.limits.max_memory_bytes);
        let engine = EngineHandle::new(&engine_settings)?;
        let mut linker = Linker::new(&engine.engine);
        host_imports::add_to_linker(&mut linker).map_err(|e| anyhow!("{e:#}"))?;
        let compile_cache = CompileCache::new(engine.engine.clone(), config.compile_cache_dir.clone());
        let permits = config.limits.max_concurrent_instances.min(engine_settings.pool_instances as usize).max(1);
        Ok(Runtime {
            engine,
            linker,
            limits: config.limits,
            compile_cache,
            instances: Semaphore::new(permits),
            sessions: Arc::new(SessionCache::default()),
            dns_overrides: Arc::new(config.dns_overrides),
            memory_ceiling: engine_settings.max_memory_bytes,
            counters: RuntimeCounters::default(),
        })
    }

    /// Drops what the runtime keeps for a connection (its session cache), e.g. on disconnect.
    pub fn forget_connection(&self, connection_id: &str) {
        self.sessions.clear(connection_id);
    }

    pub fn limits(&self) -> &RuntimeLimits {
        &self.limits
    }

    pub fn compile_counts(&self) -> (u64, u64) {
        (self.compile_cache.compiled.load(Ordering::Relaxed), self.compile_cache.cache_hits.load(Ordering::Relaxed))
    }

    pub fn engine(&self) -> &wasmtime::Engine {
        &self.engine.engine
    }

    /// The largest linear memory a pooled instance slot holds: no module may be allowed more.
    pub fn max_memory_ceiling(&self) -> usize {
        self.memory_ceiling
    }

    /// Compiles (or loads from the cache) and pre-instantiates a module, then asks it to
    /// describe itself. Refuses components that do not implement the connector world.
    pub async fn load_module(&self, bytes: Vec<u8>) -> Result<LoadedModule> {
        let bytes = Arc::new(bytes);
        let digest = compile::digest(&bytes);
        let component = self.compile(bytes).await?;
        self.prepare(digest, component).await
    }

    /// The compiled component for these bytes (cached artifact or a compile on a blocking thread).
    pub async fn compile(&self, bytes: Arc<Vec<u8>>) -> Result<Component> {
        self.compile_cache.component(bytes).await
    }

    /// Pre-instantiates a compiled component against the host's imports and reads `describe`.
    pub async fn prepare(&self, digest: String, component: Component) -> Result<LoadedModule> {
        let instance_pre = self.link(&component, "connector")?;
        let pre = ConnectorPre::new(instance_pre)
            .map_err(|e| anyhow!("{e:#}"))
            .context("the component does not export the millwright:connector@0.1 `connector` world")?;
        let mut module = LoadedModule {
            digest,
            info: ConnectorInfo {
                id: String::new(),
                name: String::new(),
                version: String::new(),
                auth: vec![],
                form: vec![],
                default_base_url: None,
                entities: vec![],
                max_page_size: 0,
                extra_hosts: vec![],
                supports_passthrough: false,
            },
            component,
            limits: self.limits.clone(),
            pre,
        };
        module.info = match self.invoke(&module, None, Invocation::Describe).await {
            Ok(Answer::Info(info)) => info,
            Ok(_) => unreachable!("describe answers with info"),
            Err(e) => return Err(anyhow!("`describe` failed: {e}")),
        };
        Ok(module)
    }

    /// Links a compiled component against the host's imports. `world` names the expected world
    /// in the error when it imports anything else.
    fn link(&self, component: &Component, world: &str) -> Result<wasmtime::component::InstancePre<CallState>> {
        self.linker
            .instantiate_pre(component)
            .map_err(|e| anyhow!("{e:#}"))
            .with_context(|| format!("the component imports something outside the {world} world and WASI 0.2"))
    }

    /// Binds a connection to a module: egress policy, auth injection, secrets to scrub.
    pub fn bind(&self, module: &LoadedModule, spec: &ConnectionSpec) -> Result<ConnectionBinding> {
        self.bind_with(module, spec, None)
    }

    /// [`Runtime::bind`] for any scheme: an OAuth scheme needs `oauth` (its client config and
    /// grant; see `crate::oauth::setup`), from which the binding's token source is built.
    pub fn bind_with(&self, module: &LoadedModule, spec: &ConnectionSpec, oauth: Option<OAuthSetup>) -> Result<ConnectionBinding> {
        let scheme = chosen_scheme(&module.info.auth, &spec.settings).map_err(|e| anyhow!(e))?;
        let connector_managed = matches!(scheme, AuthScheme::ConnectorManaged);
        let policy = self.policy(spec)?;
        // Known secrets scrubbed from guest output and errors: the credentials, the OAuth client secret.
        let mut secrets: Vec<String> = crate::oauth::grant::secret_values(&spec.credentials).collect();
        secrets.extend(oauth.as_ref().and_then(|s| s.config.client_secret.clone()));
        let auth = match oauth {
            Some(setup) => {
                // Token requests go through the connection's egress policy too.
                let http = outbound::client::build_client(policy.clone(), module.limits.outbound.connect_timeout);
                HostAuth::OAuth(Arc::new(TokenSource::new(setup, http, module.limits.outbound.total_timeout)))
            }
            None => HostAuth::resolve(&scheme, &spec.credentials).map_err(|e| anyhow!(e))?,
        };
        // Host-reserved settings and credentials (`mw:…`) never reach the guest.
        let guest_visible = |m: &BTreeMap<String, String>| -> Vec<(String, String)> {
            m.iter().filter(|(k, _)| !k.starts_with(RESERVED_PREFIX)).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let context = ConnectionContext {
            connection_id: spec.connection_id.clone(),
            base_url: spec.base_url.trim_end_matches('/').to_string(),
            settings: guest_visible(&spec.settings),
            credentials: if connector_managed { guest_visible(&spec.credentials) } else { vec![] },
        };
        Ok(ConnectionBinding {
            context,
            outbound: Arc::new(ConnectionOutbound::new(policy, auth, module.limits.outbound.clone())),
            scrubber: Arc::new(Scrubber::new(secrets)),
        })
    }

    /// The egress policy of a connection: its base origin, approved hosts, private allowance.
    fn policy(&self, spec: &ConnectionSpec) -> Result<EgressPolicy> {
        let base = url::Url::parse(&spec.base_url).context("base URL is not a valid URL")?;
        let origin = Origin::from_url(&base).ok_or_else(|| anyhow!("base URL must be http or https"))?;
        Ok(EgressPolicy {
            base: origin,
            approved_hosts: spec.approved_hosts.clone(),
            private: if spec.private_networks.is_empty() {
                PrivateAccess::Deny
            } else {
                PrivateAccess::Allow(spec.private_networks.clone())
            },
            dns_overrides: self.dns_overrides.clone(),
        })
    }

    /// A client under `spec`'s egress policy, for the host's own calls on a connection's
    /// behalf (the OAuth code exchange before the connection exists).
    pub fn upstream_client(&self, spec: &ConnectionSpec) -> Result<outbound::client::UpstreamClient> {
        Ok(outbound::client::build_client(self.policy(spec)?, self.limits.outbound.connect_timeout))
    }

    pub async fn check(&self, m: &LoadedModule, b: &ConnectionBinding) -> Result<AccountInfo, CallError> {
        match self.invoke(m, Some(b), Invocation::Check).await? {
            Answer::Account(a) => Ok(a),
            _ => unreachable!(),
        }
    }

    pub async fn list(&self, m: &LoadedModule, b: &ConnectionBinding, entity: Entity, query: ListQuery) -> Result<Page, CallError> {
        match self.invoke(m, Some(b), Invocation::List(entity, query)).await? {
            Answer::Page(p) => Ok(p),
            _ => unreachable!(),
        }
    }

    pub async fn get(&self, m: &LoadedModule, b: &ConnectionBinding, entity: Entity, id: String) -> Result<SourceRecord, CallError> {
        match self.invoke(m, Some(b), Invocation::Get(entity, id)).await? {
            Answer::Record(r) => Ok(r),
            _ => unreachable!(),
        }
    }

    pub async fn create(&self, m: &LoadedModule, b: &ConnectionBinding, entity: Entity, unified: String) -> Result<SourceRecord, CallError> {
        match self.invoke(m, Some(b), Invocation::Create(entity, unified)).await? {
            Answer::Record(r) => Ok(r),
            _ => unreachable!(),
        }
    }

    pub async fn update(
        &self,
        m: &LoadedModule,
        b: &ConnectionBinding,
        entity: Entity,
        id: String,
        patch: String,
    ) -> Result<SourceRecord, CallError> {
        match self.invoke(m, Some(b), Invocation::Update(entity, id, patch)).await? {
            Answer::Record(r) => Ok(r),
            _ => unreachable!(),
        }
    }

    pub async fn passthrough(&self, m: &LoadedModule, b: &ConnectionBinding, request: HttpRequest) -> Result<HttpResponse, CallError> {
        match self.invoke(m, Some(b), Invocation::Passthrough(request)).await? {
            Answer::Http(r) => Ok(r),
            _ => unreachable!(),
        }
    }

    /// Instantiates `module` in a fresh store (limits and deadline set, as for a call) and drops
    /// it: the fixed cost of every call. Used by the benchmarks.
    #[doc(hidden)]
    pub async fn instantiate_only(&self, module: &LoadedModule) -> Result<()> {
        let record: SharedRecord = Arc::new(Mutex::new(CallRecord::default()));
        let hooks = OutboundHooks { connection: self.no_egress(), record };
        let mut store = self.call_store("bench".into(), hooks, None, Arc::new(Scrubber::default()), &module.limits);
        module.pre.instantiate_async(&mut store).await.map_err(|e| anyhow!("{e:#}"))?;
        Ok(())
    }

    /// One call in a fresh store, then the host's verdict.
    async fn invoke(&self, module: &LoadedModule, binding: Option<&ConnectionBinding>, call: Invocation) -> Result<Answer, CallError> {
        let _permit = self.instances.acquire().await.map_err(|_| CallError::Internal("runtime shut down".into()))?;
        let record: SharedRecord = Arc::new(Mutex::new(CallRecord::default()));
        let (outbound, scrubber, context, session) = match binding {
            Some(b) => (
                b.outbound.clone(),
                b.scrubber.clone(),
                b.context.clone(),
                Some(SessionScope { cache: self.sessions.clone(), connection_id: b.context.connection_id.as_str().into() }),
            ),
            None => (self.no_egress(), Arc::new(Scrubber::default()), empty_context(), None),
        };
        let connector_id: Arc<str> = if module.info.id.is_empty() { Arc::from("(loading)") } else { module.info.id.as_str().into() };
        let hooks = OutboundHooks { connection: outbound, record: record.clone() };
        let mut store = self.call_store(connector_id.clone(), hooks, session, scrubber.clone(), &module.limits);
        self.count_instantiation(&connector_id);
        let operation = call.operation();
        let started = std::time::Instant::now();
        let span = tracing::info_span!("wasm_call", connector = %connector_id, operation);
        let call = tracing::Instrument::instrument(run(&module.pre, &mut store, &context, call), span);
        let outcome = tokio::time::timeout(hard_deadline(&module.limits), call).await;
        let limiter = &store.data().limiter;
        let memory_limit_hit = limiter.memory_limit_hit;
        self.counters.grew(&connector_id, limiter.memory_grows);
        drop(store);
        let record = std::mem::take(&mut *record.lock().unwrap());
        let upstream = record.outcomes.clone();
        let result = self.verdict(&connector_id, outcome, memory_limit_hit, record, &scrubber, &module.limits);
        self.counters.call(&connector_id, operation, started.elapsed(), &result, &upstream);
        result
    }

    fn verdict(
        &self,
        connector: &str,
        outcome: Result<wasmtime::Result<Result<Answer, ConnectorError>>, tokio::time::error::Elapsed>,
        memory_limit_hit: bool,
        record: CallRecord,
        scrubber: &Scrubber,
        limits: &RuntimeLimits,
    ) -> Result<Answer, CallError> {
        let result = self.sandbox_outcome(connector, outcome, memory_limit_hit, scrubber, "connector")?;
        if let Some(host) = record.egress_denied {
            return Err(self.failed(connector, FailureReason::EgressDenied, host, scrubber));
        }
        if let (Err(_), Some(failed)) = (&result, &record.token_refresh_failed) {
            return Err(CallError::TokenRefreshFailed { detail: scrubber.scrub(&failed.detail), rejected: failed.rejected });
        }
        match result {
            Ok(answer) => {
                check_size(limits, &answer).map_err(|detail| CallError::Failed { reason: FailureReason::ResponseTooLarge, detail })?;
                Ok(answer)
            }
            Err(_) if record.timed_out => Err(CallError::UpstreamTimeout),
            Err(_) if record.unreachable.is_some() => Err(CallError::Connector(ConnectorError::UpstreamUnavailable(UpstreamFailure {
                status: None,
                message: "the system could not be reached".into(),
            }))),
            Err(ConnectorError::Timeout(_)) => Err(CallError::UpstreamTimeout),
            Err(ConnectorError::RateLimited(r)) => Err(CallError::RateLimited {
                retry_after: r.retry_after_ms.map(Duration::from_millis).or(record.retry_after).unwrap_or(Duration::from_secs(1)),
                message: scrubber.scrub(&r.message),
            }),
            Err(e) => Err(CallError::Connector(scrub_error(e, scrubber))),
        }
    }

    /// A fresh store for one call: memory limiter, epoch deadline from the call timeout.
    fn call_store(&self, connector_id: Arc<str>, hooks: OutboundHooks, session: Option<SessionScope>, scrubber: Arc<Scrubber>, limits: &RuntimeLimits) -> Store<CallState> {
        let state = CallState::new(connector_id, hooks, CallLimiter::new(limits.max_memory_bytes), session, scrubber);
        let mut store = Store::new(&self.engine.engine, state);
        store.limiter(|s| &mut s.limiter);
        let ticks = (limits.call_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        store
    }

    /// The sandbox's own verdict on a finished (or abandoned) call: deadline, memory limit, trap.
    fn sandbox_outcome<T>(
        &self,
        connector: &str,
        outcome: Result<wasmtime::Result<T>, tokio::time::error::Elapsed>,
        memory_limit_hit: bool,
        scrubber: &Scrubber,
        guest: &str,
    ) -> Result<T, CallError> {
        match outcome {
            Err(_) => Err(self.failed(connector, FailureReason::Timeout, format!("the {guest} exceeded its call deadline"), scrubber)),
            Ok(Err(_)) if memory_limit_hit => Err(self.failed(connector, FailureReason::MemoryLimit, format!("the {guest} exceeded its memory limit"), scrubber)),
            Ok(Err(trap)) if matches!(trap.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::Interrupt)) => {
                Err(self.failed(connector, FailureReason::Timeout, format!("the {guest} exceeded its call deadline"), scrubber))
            }
            Ok(Err(trap)) => Err(self.failed(connector, FailureReason::Trap, format!("the {guest} trapped: {}", root_message(&trap)), scrubber)),
            Ok(Ok(result)) => Ok(result),
        }
    }

    /// A policy failure, counted for the metrics.
    fn failed(&self, connector: &str, reason: FailureReason, detail: String, scrubber: &Scrubber) -> CallError {
        self.counters.verdict(connector, reason);
        CallError::Failed { reason, detail: scrubber.scrub(&detail) }
    }

    fn count_instantiation(&self, connector: &str) {
        self.counters.instantiations.get_or_create(&counters::ConnectorLabels { connector: connector.into() }).inc();
    }

    /// Hooks for calls made without a connection (`describe`): nothing may leave.
    fn no_egress(&self) -> Arc<ConnectionOutbound> {
        let policy = EgressPolicy {
            base: Origin { https: true, host: "egress.invalid".into(), port: 443 },
            approved_hosts: vec![],
            private: PrivateAccess::Deny,
            dns_overrides: self.dns_overrides.clone(),
        };
        Arc::new(ConnectionOutbound::new(policy, HostAuth::None, self.limits.outbound.clone()))
    }
}

async fn run(
    pre: &ConnectorPre<CallState>,
    store: &mut Store<CallState>,
    ctx: &ConnectionContext,
    call: Invocation,
) -> wasmtime::Result<Result<Answer, ConnectorError>> {
    let instance = pre.instantiate_async(&mut *store).await?;
    Ok(match call {
        Invocation::Describe => Ok(Answer::Info(instance.call_describe(&mut *store).await?)),
        Invocation::Check => instance.call_check(&mut *store, ctx).await?.map(Answer::Account),
        Invocation::List(e, q) => instance.call_list(&mut *store, ctx, e, &q).await?.map(Answer::Page),
        Invocation::Get(e, id) => instance.call_get(&mut *store, ctx, e, &id).await?.map(Answer::Record),
        Invocation::Create(e, body) => instance.call_create(&mut *store, ctx, e, &body).await?.map(Answer::Record),
        Invocation::Update(e, id, patch) => instance.call_update(&mut *store, ctx, e, &id, &patch).await?.map(Answer::Record),
        Invocation::Passthrough(req) => instance.call_passthrough(&mut *store, ctx, &req).await?.map(Answer::Http),
    })
}

fn empty_context() -> ConnectionContext {
    ConnectionContext { connection_id: String::new(), base_url: String::new(), settings: vec![], credentials: vec![] }
}

fn root_message(err: &wasmtime::Error) -> String {
    match err.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{err}"),
    }
}

fn scrub_error(e: ConnectorError, s: &Scrubber) -> ConnectorError {
    match e {
        ConnectorError::Unauthorized(m) => ConnectorError::Unauthorized(s.scrub(&m)),
        ConnectorError::Forbidden(m) => ConnectorError::Forbidden(s.scrub(&m)),
        ConnectorError::NotFound(m) => ConnectorError::NotFound(s.scrub(&m)),
        ConnectorError::RateLimited(mut r) => {
            r.message = s.scrub(&r.message);
            ConnectorError::RateLimited(r)
        }
        ConnectorError::InvalidRequest(mut i) => {
            i.message = s.scrub(&i.message);
            ConnectorError::InvalidRequest(i)
        }
        ConnectorError::Unsupported(m) => ConnectorError::Unsupported(s.scrub(&m)),
        ConnectorError::UpstreamUnavailable(mut u) => {
            u.message = s.scrub(&u.message);
            ConnectorError::UpstreamUnavailable(u)
        }
        ConnectorError::Timeout(m) => ConnectorError::Timeout(s.scrub(&m)),
        ConnectorError::Internal(m) => ConnectorError::Internal(s.scrub(&m)),
    }
}

/// The tokio timeout around a call: it catches a guest parked in a host call, where epochs cannot
/// interrupt.
fn hard_deadline(limits: &RuntimeLimits) -> Duration {
    limits.call_timeout + Duration::from_millis(500)
}

fn check_size(limits: &RuntimeLimits, answer: &Answer) -> Result<(), String> {
    let max = limits.max_record_bytes;
    let too_big = |what: &str, n: usize, cap: usize| {
        if n > cap { Err(format!("the connector returned a {what} of {n} bytes (limit {cap})")) } else { Ok(()) }
    };
    match answer {
        Answer::Page(p) => {
            let mut total = 0;
            for r in &p.records {
                too_big("record", r.data.len(), max)?;
                total += r.data.len();
            }
            too_big("page", total, limits.max_page_bytes)
        }
        Answer::Record(r) => too_big("record", r.data.len(), max),
        Answer::Http(h) => too_big("response body", h.body.len(), limits.outbound.max_response_bytes),
        Answer::Info(_) | Answer::Account(_) => Ok(()),
    }
}
