//! A host under test: emulator + app + API server on ephemeral loopback ports, a SQLite database
//! in a temporary directory, and the compile cache shared by every test.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use millwright::app::{AppOptions, AppState};
use millwright::connections::CreateConnection;
use millwright::runtime::engine::EngineSettings;
use millwright::runtime::limits::{OutboundLimits, RuntimeLimits};
use millwright::runtime::RuntimeConfig;
use millwright::vault::MasterKey;
use millwright_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

pub const MX_KEY: &str = "mx-sandbox-key";
/// The operator's bootstrap token in tests (`MILLWRIGHT_ADMIN_TOKEN`).
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

pub struct Options {
    pub work_orders: u64,
    pub limits: RuntimeLimits,
    pub dns_overrides: Vec<(&'static str, &'static str)>,
    /// A database URL; a SQLite file in a temporary directory when `None`.
    pub database_url: Option<String>,
    /// Seed the emulator as a customised plant (`SandboxConfig::plant_custom_fields`).
    pub plant_custom_fields: bool,
    /// The API's edge limits.
    pub api: millwright::app::ApiSettings,
    /// Health monitor and webhook settings (the background work runs only where a test starts it).
    pub health: millwright::health::HealthConfig,
    pub webhooks: millwright::webhooks::WebhookConfig,
    pub registry: millwright::registry::RegistryConfig,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            work_orders: 200,
            limits: test_limits(),
            dns_overrides: vec![],
            database_url: None,
            plant_custom_fields: false,
            api: Default::default(),
            health: Default::default(),
            webhooks: millwright::webhooks::WebhookConfig { allow_private: true, ..Default::default() },
            registry: Default::default(),
        }
    }
}

/// Short deadlines so fault tests run in seconds; the outbound total stays below the call's.
pub fn test_limits() -> RuntimeLimits {
    RuntimeLimits {
        max_memory_bytes: 64 << 20,
        call_timeout: Duration::from_secs(4),
        max_concurrent_instances: 16,
        outbound: OutboundLimits {
            connect_timeout: Duration::from_secs(1),
            total_timeout: Duration::from_secs(2),
            rate_limit_wait_budget: Duration::from_millis(1500),
            ..Default::default()
        },
        ..Default::default()
    }
}

pub struct Host {
    pub url: String,
    pub app: AppState,
    pub sandbox: Sandbox,
    pub client: reqwest::Client,
    /// The MaintainX connection's id and token.
    pub connection_id: String,
    pub token: String,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The hostile test connector's bytes (built by the artifacts crate), leaked once.
fn hostile_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| std::fs::read(millwright_artifacts::HOSTILE).expect("hostile connector built"))
}

/// One compile cache for every test (DESIGN.md): compiled once, deserialized after.
pub fn compile_cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compile-cache")
}

impl Host {
    pub async fn start() -> Host {
        Host::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Host {
        let sandbox = Sandbox::bind("127.0.0.1:0", SandboxConfig { work_orders: options.work_orders, plant_custom_fields: options.plant_custom_fields, ..Default::default() })
            .await
            .expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        let mut dns = std::collections::HashMap::new();
        for (name, ip) in &options.dns_overrides {
            dns.entry(name.to_string()).or_insert_with(Vec::new).push(ip.parse().unwrap());
        }
        let runtime = RuntimeConfig {
            engine: EngineSettings { pooling: true, pool_instances: 24, max_memory_bytes: options.limits.max_memory_bytes },
            limits: options.limits,
            compile_cache_dir: Some(compile_cache_dir()),
            dns_overrides: dns,
        };
        let mut builtin_modules = millwright::builtin::modules();
        builtin_modules.push(hostile_bytes());
        // Bound first: the app builds connect links on the server's URL (`MILLWRIGHT_PUBLIC_URL`).
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let database_url = options.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", dir.path().join("test.db").display()));
        let edges = Edges { registry: options.registry, api: options.api.clone(), health: options.health, webhooks: options.webhooks };
        let (app, server) = serve_app(listener, database_url, MasterKey::generate(), runtime, builtin_modules, edges).await;
        let mut host = Host {
            url,
            app,
            sandbox,
            client: reqwest::Client::new(),
            connection_id: String::new(),
            token: String::new(),
            server,
            _dir: dir,
        };
        let base = host.sandbox.maintainx_base_url();
        let (id, token) = host.connect("maintainx", &base, &[("api_key", MX_KEY)], &[]).await;
        host.connection_id = id;
        host.token = token;
        host
    }

    /// Creates a connection allowed to reach loopback; returns its id and token.
    pub async fn connect(&self, connector: &str, base_url: &str, values: &[(&str, &str)], approved_hosts: &[&str]) -> (String, String) {
        let request = CreateConnection {
            connector_id: connector.into(),
            base_url: Some(base_url.into()),
            environment: "test".into(),
            end_customer_id: None,
            values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
            private_networks: vec!["127.0.0.0/8".parse().unwrap()],
            approved_hosts: approved_hosts.iter().map(|h| h.to_string()).collect(),
        };
        let (row, token) = self.app.connections.create(request).await.unwrap_or_else(|e| panic!("connect {connector}: {e:?}"));
        (row.id, token.plaintext)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.url)).bearer_auth(&self.token)
    }

    pub fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.url)).bearer_auth(&self.token).json(body)
    }

    /// A request with the operator's admin token.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.url)).bearer_auth(ADMIN_TOKEN)
    }

    pub fn patch(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client.patch(format!("{}{path}", self.url)).bearer_auth(&self.token).json(body)
    }
}

/// Starts the app (admin token [`ADMIN_TOKEN`], public URL = the listener's) and serves its API
/// on `listener` from a spawned task.
/// The app's settings beyond storage and runtime: API edges, health monitor, webhooks.
#[derive(Default)]
pub struct Edges {
    pub registry: millwright::registry::RegistryConfig,
    pub api: millwright::app::ApiSettings,
    pub health: millwright::health::HealthConfig,
    pub webhooks: millwright::webhooks::WebhookConfig,
}

pub async fn serve_app(
    listener: tokio::net::TcpListener,
    database_url: String,
    master_key: MasterKey,
    runtime: RuntimeConfig,
    builtin_modules: Vec<&'static [u8]>,
    edges: Edges,
) -> (AppState, tokio::task::JoinHandle<()>) {
    let url = format!("http://{}", listener.local_addr().unwrap());
    let Edges { registry, api, health, webhooks } = edges;
    let options = AppOptions { database_url, master_key, runtime, registry, builtin_modules, admin_token: Some(ADMIN_TOKEN.into()), public_url: Some(url), api, health, webhooks };
    let app = AppState::start(options)
        .await
        .expect("app starts");
    let router = millwright::api::router(app.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (app, server)
}

/// Sends and returns the status and JSON body (`Null` when not JSON).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

/// Asserts a problem+json error with this status and code; returns the body.
pub async fn expect_problem(req: reqwest::RequestBuilder, status: u16, code: &str) -> Value {
    let resp = req.send().await.expect("request sent");
    let got = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(resp.headers().contains_key("x-request-id"), "x-request-id header missing");
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "status; body: {body}");
    assert_eq!(content_type, "application/problem+json", "content type; body: {body}");
    assert_eq!(body["code"], code, "code; body: {body}");
    assert_eq!(body["status"], status);
    assert!(body["request_id"].as_str().is_some_and(|id| id.starts_with("req_")), "request_id in {body}");
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// Log output captured in memory (a `tracing_subscriber` writer): tests that read the logs.
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One more app (a replica) on a database other apps share: same master key, the built-in
/// connectors, small pools, no admin token.
pub async fn replica(database_url: &str, key: &MasterKey) -> AppState {
    let limits = test_limits();
    AppState::start(AppOptions {
        database_url: database_url.to_string(),
        master_key: MasterKey::parse(&key.to_base64()).unwrap(),
        runtime: RuntimeConfig {
            engine: EngineSettings { pooling: true, pool_instances: 8, max_memory_bytes: limits.max_memory_bytes },
            limits,
            compile_cache_dir: Some(compile_cache_dir()),
            dns_overrides: Default::default(),
        },
        registry: Default::default(),
        builtin_modules: millwright::builtin::modules(),
        admin_token: None,
        public_url: None,
        api: Default::default(),
        health: Default::default(),
        webhooks: Default::default(),
    })
    .await
    .expect("replica starts")
}

/// Two replicas on one SQLite database, a MaintainX connection created through A, and B serving
/// the API: what a change made on one replica does to the next request on the other.
pub struct TwoReplicas {
    pub a: AppState,
    pub b: AppState,
    pub connection_id: String,
    pub token: String,
    /// `GET /v1/work-orders?page_size=5` on replica B.
    pub url_on_b: String,
    _sandbox: Sandbox,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl TwoReplicas {
    pub async fn start() -> TwoReplicas {
        let sandbox = Sandbox::bind("127.0.0.1:0", SandboxConfig { work_orders: 30, ..Default::default() }).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("replicas.db").display());
        let key = MasterKey::generate();
        let (a, b) = (replica(&db, &key).await, replica(&db, &key).await);
        let request = CreateConnection {
            connector_id: "maintainx".into(),
            base_url: Some(sandbox.maintainx_base_url()),
            environment: "test".into(),
            end_customer_id: None,
            values: [("api_key".to_string(), MX_KEY.to_string())].into(),
            private_networks: vec!["127.0.0.0/8".parse().unwrap()],
            approved_hosts: vec![],
        };
        let (row, token) = a.connections.create(request).await.expect("created on replica A");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url_on_b = format!("http://{}/v1/work-orders?page_size=5", listener.local_addr().unwrap());
        let router = millwright::api::router(b.clone());
        let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        TwoReplicas { a, b, connection_id: row.id, token: token.plaintext, url_on_b, _sandbox: sandbox, server, _dir: dir }
    }

    /// The work-order page as replica B answers it.
    pub async fn page_on_b(&self) -> Value {
        send(reqwest::Client::new().get(&self.url_on_b).bearer_auth(&self.token)).await.1
    }

    pub async fn stop(self) {
        self.server.abort();
        self.a.store.close().await;
        self.b.store.close().await;
    }
}
