//! The authorization server's shared state: registered clients, run-time settings (token
//! lifetime, auto-approval), the grants store and the counters tests assert on.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::clients::Client;
use super::grants::Grants;
use crate::SandboxConfig;

pub struct OAuthState {
    clients: HashMap<String, Client>,
    /// Where the sandbox listens: JWT assertions may name `http://<addr>/oauth/token` as `aud`.
    addr: Option<SocketAddr>,
    ttl: Mutex<Duration>,
    auto_approve: AtomicBool,
    token_requests: AtomicU64,
    by_grant_type: Mutex<BTreeMap<String, u64>>,
    grants: Mutex<Grants>,
}

impl OAuthState {
    /// Fails on an unusable client configuration (duplicate id, unreadable key, relative
    /// redirect URI) so a test's mistake shows at start-up.
    pub fn new(config: &SandboxConfig, addr: Option<SocketAddr>) -> anyhow::Result<OAuthState> {
        let mut clients = HashMap::new();
        for c in &config.oauth_clients {
            let client = Client::new(c.clone())?;
            anyhow::ensure!(
                clients.insert(c.client_id.clone(), client).is_none(),
                "OAuth client {} is configured twice",
                c.client_id
            );
        }
        Ok(OAuthState {
            clients,
            addr,
            ttl: Mutex::new(config.oauth_token_ttl),
            auto_approve: AtomicBool::new(config.oauth_auto_approve),
            token_requests: AtomicU64::new(0),
            by_grant_type: Mutex::new(BTreeMap::new()),
            grants: Mutex::new(Grants::default()),
        })
    }

    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.get(id)
    }

    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    pub fn ttl(&self) -> Duration {
        *self.ttl.lock().unwrap()
    }

    pub fn set_ttl(&self, ttl: Duration) {
        *self.ttl.lock().unwrap() = ttl;
    }

    pub fn auto_approve(&self) -> bool {
        self.auto_approve.load(Ordering::SeqCst)
    }

    pub fn set_auto_approve(&self, on: bool) {
        self.auto_approve.store(on, Ordering::SeqCst);
    }

    pub fn grants(&self) -> MutexGuard<'_, Grants> {
        self.grants.lock().unwrap()
    }

    /// Counts one `/oauth/token` call, by its `grant_type` (`-` when missing).
    pub fn count_token_request(&self, grant_type: Option<&str>) {
        self.token_requests.fetch_add(1, Ordering::SeqCst);
        let key = grant_type
            .unwrap_or("-")
            .chars()
            .take(100)
            .collect::<String>();
        *self.by_grant_type.lock().unwrap().entry(key).or_default() += 1;
    }

    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::SeqCst)
    }

    pub fn token_requests_by_grant_type(&self) -> BTreeMap<String, u64> {
        self.by_grant_type.lock().unwrap().clone()
    }

    /// Whether `token` is an access token this server issued and that is still valid: what
    /// the vendor emulators accept in place of an API key.
    pub fn access_token_valid(&self, token: &str) -> bool {
        self.grants().access_valid(token)
    }

    pub fn revoke_client(&self, client_id: &str) {
        self.grants().revoke_client(client_id);
    }
}
