//! The fixed data set and the in-process servers: the MaintainX emulator (seed 42, 1000 work
//! orders, first page of 100), and the whole host as in `tests/e2e/harness.rs` (SQLite in a
//! temporary directory, the API on a loopback port, one MaintainX connection).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::Request;
use millwright::app::{AppOptions, AppState};
use millwright::connections::{CreateConnection, LiveConnection};
use millwright::runtime::RuntimeConfig;
use millwright::runtime::engine::EngineSettings;
use millwright::vault::MasterKey;
use millwright_sandbox::faults::FaultState;
use millwright_sandbox::{MAINTAINX_PREFIX, Sandbox, SandboxConfig};

pub const MX_KEY: &str = "mx-sandbox-key";
/// The operator token of [`BenchHost`] (`MILLWRIGHT_ADMIN_TOKEN`).
pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";
pub const PAGE: u32 = 100;
/// What the connector sends for a work-order list page (see connectors/maintainx entities.rs).
pub const WO_QUERY: &str = "limit=100&expand=assignees&expand=asset&expand=extra_fields";

pub fn sandbox_config() -> SandboxConfig {
    SandboxConfig { seed: 42, work_orders: 1000, ..Default::default() }
}

/// Production engine settings and limits (RuntimeConfig::default()), pooling on or off; compiled
/// artifacts cached across bench runs.
pub fn runtime_config(pooling: bool) -> RuntimeConfig {
    RuntimeConfig {
        engine: EngineSettings { pooling, ..EngineSettings::default() },
        compile_cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-compile-cache")),
        ..RuntimeConfig::default()
    }
}

/// The emulator's own router (the same one `Sandbox` serves, same data) behind one extra layer
/// that adds `Authorization: Bearer <key>` when a request has none. The native connector needs
/// it: natively nothing injects credentials (in Wasm the host does), and the connector never
/// sets the header itself. Both sides of `connector_list` use this server. Returns the base URL.
pub async fn start_auth_sandbox() -> String {
    let config = sandbox_config();
    let faults = Arc::new(FaultState::new(config.faults.clone()));
    let mx = millwright_sandbox::maintainx::router(&config, faults.clone());
    let mx = millwright_sandbox::faults::wrap(mx, faults, millwright_sandbox::maintainx::FLAVOR);
    let app = axum::Router::new().nest(MAINTAINX_PREFIX, mx).layer(axum::middleware::map_request(|mut req: Request| async move {
        if !req.headers().contains_key("authorization") {
            req.headers_mut().insert("authorization", format!("Bearer {MX_KEY}").parse().unwrap());
        }
        req
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}{MAINTAINX_PREFIX}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// The built-in connectors, or the MaintainX build in `MW_BENCH_GUEST` (a `.wasm` file) to
/// compare guest build settings without rebuilding the host.
pub fn guest_modules() -> Vec<&'static [u8]> {
    match std::env::var_os("MW_BENCH_GUEST") {
        Some(path) => vec![std::fs::read(&path).unwrap_or_else(|e| panic!("MW_BENCH_GUEST {}: {e}", path.display())).leak()],
        None => millwright::builtin::modules(),
    }
}

/// The whole host, started as the e2e harness does, with one MaintainX connection.
pub struct BenchHost {
    pub url: String,
    pub app: AppState,
    pub sandbox: Sandbox,
    pub token: String,
    pub live: Arc<LiveConnection>,
    _dir: tempfile::TempDir,
}

impl BenchHost {
    pub async fn start() -> BenchHost {
        let sandbox = Sandbox::bind("127.0.0.1:0", sandbox_config()).await.expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        let app = AppState::start(AppOptions {
            database_url: format!("sqlite://{}", dir.path().join("bench.db").display()),
            master_key: MasterKey::generate(),
            runtime: runtime_config(true),
            registry: Default::default(),
            builtin_modules: guest_modules(),
            admin_token: Some(ADMIN_TOKEN.into()),
            public_url: None,
            api: Default::default(),
            health: Default::default(),
            webhooks: Default::default(),
        })
        .await
        .expect("app starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = millwright::api::router(app.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let request = CreateConnection {
            connector_id: "maintainx".into(),
            base_url: Some(sandbox.maintainx_base_url()),
            environment: "test".into(),
            end_customer_id: None,
            values: BTreeMap::from([("api_key".to_string(), MX_KEY.to_string())]),
            private_networks: vec!["127.0.0.0/8".parse().unwrap()],
            approved_hosts: vec![],
        };
        let (row, token) = app.connections.create(request).await.expect("connection created");
        let live = app.connections.live(&row.id, row.config_version).await.map_err(|e| format!("{e:?}")).unwrap();
        BenchHost { url, app, sandbox, token: token.plaintext, live, _dir: dir }
    }

    /// `GET /v1/work-orders?page_size=100` through the host.
    pub fn api_url(&self) -> String {
        format!("{}/v1/work-orders?page_size={PAGE}", self.url)
    }

    /// The same page straight from the emulator, as the connector asks for it.
    pub fn direct_url(&self) -> String {
        format!("{}/workorders?{WO_QUERY}", self.sandbox.maintainx_base_url())
    }
}

/// GETs `url` with a bearer token, reads the whole body, checks 200; returns the body length.
pub async fn fetch(client: &reqwest::Client, url: &str, token: &str) -> usize {
    let resp = client.get(url).bearer_auth(token).send().await.expect("request sent");
    let status = resp.status();
    let body = resp.bytes().await.expect("body read");
    assert!(status.is_success(), "{url}: {status} {}", String::from_utf8_lossy(&body[..body.len().min(300)]));
    body.len()
}
