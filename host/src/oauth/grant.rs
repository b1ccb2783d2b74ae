//! The tokens of a connection's grant, kept in its sealed credentials under host-reserved keys
//! (`mw:` cannot come from a connect form: only declared fields are read), so they share the
//! credentials' vault envelope, master-key rotation and `credentials_version`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub const ACCESS_TOKEN: &str = "mw:oauth.access_token";
pub const REFRESH_TOKEN: &str = "mw:oauth.refresh_token";
pub const EXPIRES_AT: &str = "mw:oauth.expires_at";

/// Host-reserved keys start with this; connector form fields never do.
pub const RESERVED_PREFIX: &str = "mw:";

#[derive(Clone, Default, PartialEq)]
pub struct Grant {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("access_token", &self.access_token.as_ref().map(|_| "[redacted]"))
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Grant {
    pub fn from_credentials(credentials: &BTreeMap<String, String>) -> Grant {
        Grant {
            access_token: credentials.get(ACCESS_TOKEN).cloned(),
            refresh_token: credentials.get(REFRESH_TOKEN).cloned(),
            expires_at: credentials.get(EXPIRES_AT).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc)),
        }
    }

    /// Replaces the grant's keys in `credentials` (other credentials are kept).
    pub fn write_into(&self, credentials: &mut BTreeMap<String, String>) {
        for (key, value) in [
            (ACCESS_TOKEN, self.access_token.clone()),
            (REFRESH_TOKEN, self.refresh_token.clone()),
            (EXPIRES_AT, self.expires_at.map(crate::clock::rfc3339)),
        ] {
            match value {
                Some(v) => credentials.insert(key.to_string(), v),
                None => credentials.remove(key),
            };
        }
    }

    pub fn to_credentials(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        self.write_into(&mut map);
        map
    }

    /// An access token usable at `now` for at least `margin`.
    pub fn fresh_access(&self, now: DateTime<Utc>, margin: std::time::Duration) -> Option<&str> {
        let margin = chrono::Duration::from_std(margin).unwrap_or_default();
        match self.expires_at {
            Some(expiry) if expiry - margin <= now => None,
            _ => self.access_token.as_deref(),
        }
    }
}

/// Values of `credentials` that are secrets to scrub: everything but the expiry time.
pub fn secret_values(credentials: &BTreeMap<String, String>) -> impl Iterator<Item = String> + '_ {
    credentials.iter().filter(|(k, _)| k.as_str() != EXPIRES_AT).map(|(_, v)| v.clone())
}
