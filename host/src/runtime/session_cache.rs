//! The host side of the `session-cache` import: a small TTL cache scoped to one connection, for
//! session tokens (UpKeep) and CSRF tokens (SAP). Per replica; values may vanish at any time,
//! which the WIT contract tells connectors to tolerate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAX_ENTRIES_PER_CONNECTION: usize = 64;
const MAX_VALUE_BYTES: usize = 64 << 10;
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<Arc<str>, HashMap<String, (String, Instant)>>>,
}

/// The view of the cache one call gets: its connection's entries only.
#[derive(Clone)]
pub struct SessionScope {
    pub cache: Arc<SessionCache>,
    pub connection_id: Arc<str>,
}

impl SessionScope {
    pub fn get(&self, key: &str) -> Option<String> {
        let mut all = self.cache.entries.lock().unwrap();
        let entries = all.get_mut(&self.connection_id)?;
        match entries.get(key) {
            Some((value, expires)) if *expires > Instant::now() => Some(value.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn set(&self, key: String, value: String, ttl: Duration) {
        if value.len() > MAX_VALUE_BYTES || key.len() > 256 {
            return;
        }
        let mut all = self.cache.entries.lock().unwrap();
        let entries = all.entry(self.connection_id.clone()).or_default();
        let now = Instant::now();
        entries.retain(|_, (_, expires)| *expires > now);
        if entries.len() >= MAX_ENTRIES_PER_CONNECTION && !entries.contains_key(&key) {
            return;
        }
        entries.insert(key, (value, now + ttl.min(MAX_TTL)));
    }

    pub fn delete(&self, key: &str) {
        if let Some(entries) = self.cache.entries.lock().unwrap().get_mut(&self.connection_id) {
            entries.remove(key);
        }
    }
}

impl SessionCache {
    /// Forgets a connection's entries (credentials changed or connection deleted).
    pub fn clear(&self, connection_id: &str) {
        self.entries.lock().unwrap().remove(connection_id);
    }
}
