//! A sandbox whose OAuth client `mx-client` has a secret and a P-256 key, and apps (the host)
//! that can be restarted on the same database and master key.

use std::sync::OnceLock;
use std::time::Duration;

use millwright::app::AppState;
use millwright::runtime::RuntimeConfig;
use millwright::runtime::engine::EngineSettings;
use millwright::vault::MasterKey;
use millwright_sandbox::{OAuthClient, Sandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{ADMIN_TOKEN, compile_cache_dir, send, serve_app, test_limits};

pub const CLIENT: &str = "mx-client";
pub const SECRET: &str = "mx-client-secret-0b7e4f";
pub const CONNECTOR: &str = "maintainx-oauth";

pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

/// A fresh P-256 key pair (RustCrypto), PEM-encoded.
pub fn ec_key() -> KeyPair {
    use p256::elliptic_curve::Generate;
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let key = p256::ecdsa::SigningKey::generate();
    KeyPair {
        private_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

fn oauth_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| std::fs::read(millwright_artifacts::OAUTH).expect("OAuth test connector built"))
}

pub struct Fixture {
    pub sandbox: Sandbox,
    pub key: KeyPair,
    /// The `kid` the sandbox expects on assertions signed with `key`.
    pub kid: String,
    master_key: MasterKey,
    database_url: String,
    _dir: tempfile::TempDir,
}

/// One run of the host on the fixture's database.
pub struct App {
    pub url: String,
    pub app: AppState,
    pub http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for App {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Fixture {
    pub async fn start() -> Fixture {
        Fixture::on(None).await
    }

    /// On `database_url` (PostgreSQL), or a SQLite file in a temporary directory.
    pub async fn on(database_url: Option<String>) -> Fixture {
        let key = ec_key();
        let client = OAuthClient {
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            jwt_public_key_pem: Some(key.public_pem.clone()),
            ..OAuthClient::default()
        };
        let kid = client.jwt_kid().unwrap();
        let config = SandboxConfig { work_orders: 50, oauth_clients: vec![client], oauth_auto_approve: true, ..Default::default() };
        let sandbox = Sandbox::bind("127.0.0.1:0", config).await.expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        let database_url = database_url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("oauth.db").display()));
        Fixture { sandbox, key, kid, master_key: MasterKey::generate(), database_url, _dir: dir }
    }

    pub fn base_url(&self) -> String {
        self.sandbox.maintainx_base_url()
    }

    /// Starts the host (again) on the fixture's database.
    pub async fn app(&self) -> App {
        let runtime = RuntimeConfig {
            engine: EngineSettings { pooling: true, pool_instances: 24, max_memory_bytes: test_limits().max_memory_bytes },
            limits: test_limits(),
            compile_cache_dir: Some(compile_cache_dir()),
            dns_overrides: Default::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (app, server) = serve_app(listener, self.database_url.clone(), self.master_key.clone(), runtime, vec![oauth_bytes()], Default::default()).await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        App { url, app, http, server }
    }
}

impl App {
    pub fn admin(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url)).bearer_auth(ADMIN_TOKEN)
    }

    pub fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.get(format!("{}{path}", self.url)).bearer_auth(token)
    }

    /// Configures the connector's OAuth app; returns the view.
    pub async fn set_oauth_app(&self, body: Value) -> Value {
        let (status, view) = send(self.admin(Method::PUT, &format!("/v1/admin/connectors/{CONNECTOR}/oauth-app")).json(&body)).await;
        assert_eq!(status, 200, "{view}");
        view
    }

    /// Creates a connection with `auth_scheme` through the admin API; returns (id, token).
    pub async fn connect(&self, base_url: &str, auth_scheme: &str) -> (String, String) {
        let body = json!({
            "connector_id": CONNECTOR,
            "end_customer_id": "plant-7",
            "base_url": base_url,
            "auth_scheme": auth_scheme,
            "allow_private": ["127.0.0.0/8"],
        });
        let (status, created) = send(self.admin(Method::POST, "/v1/admin/connections").json(&body)).await;
        assert_eq!(status, 201, "{created}");
        (created["connection"]["id"].as_str().unwrap().to_string(), created["token"].as_str().unwrap().to_string())
    }

    /// `GET /v1/work-orders` with `token`; the status and body.
    pub async fn work_orders(&self, token: &str) -> (u16, Value) {
        send(self.get(token, "/v1/work-orders?page_size=5")).await
    }

    pub fn advance(&self, by: Duration) {
        self.app.clock.advance(by);
    }
}
