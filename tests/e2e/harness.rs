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
    pub registry: millwright::registry::RegistryConfig,
}

impl Default for Options {
    fn default() -> Self {
        Options { work_orders: 200, limits: test_limits(), dns_overrides: vec![], database_url: None, registry: Default::default() }
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
        let sandbox = Sandbox::bind("127.0.0.1:0", SandboxConfig { work_orders: options.work_orders, ..Default::default() })
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
        let app = AppState::start(AppOptions {
            database_url: options.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", dir.path().join("test.db").display())),
            master_key: MasterKey::generate(),
            runtime,
            registry: options.registry.clone(),
            builtin_modules,
            admin_token: Some(ADMIN_TOKEN.into()),
            public_url: Some(url.clone()),
        })
        .await
        .expect("app starts");
        let router = millwright::api::router(app.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
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
