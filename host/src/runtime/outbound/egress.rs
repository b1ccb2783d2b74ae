//! Egress policy: which origins a connection's guest may reach, and which resolved addresses it
//! may connect to.
//!
//! Lifecycle: built per connection from its base URL, the hosts the connector declares and the
//! operator approved, and the connection's private-network allowance (CIDRs or host names). Checked twice per
//! request: the origin before anything is sent, every resolved address before connecting (so
//! an allowed name that resolves to a private or metadata address is still refused).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

/// An origin: scheme, host (lowercase) and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

impl Origin {
    pub fn from_url(url: &url::Url) -> Option<Origin> {
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        Some(Origin { https, host: url.host_str()?.to_ascii_lowercase(), port: url.port_or_known_default()? })
    }

    pub fn from_uri(uri: &http::Uri) -> Option<Origin> {
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return None,
        };
        let host = uri.host()?.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        Some(Origin { https, host, port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }) })
    }
}

/// Which non-public addresses a connection may reach.
#[derive(Clone, Debug, Default)]
pub enum PrivateAccess {
    /// Public addresses only (the default).
    #[default]
    Deny,
    /// These networks or hosts too (on-prem Maximo on 10.x, the sandbox on 127.0.0.1).
    Allow(Vec<PrivateTarget>),
}

/// One private destination the operator allows for a connection: a network (CIDR, or one
/// address), or a host name whose resolved private addresses are allowed for that name only
/// (`maximo.plant.internal`; link-local addresses, where cloud metadata lives, stay refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrivateTarget {
    Network(IpNet),
    Host(String),
}

impl std::str::FromStr for PrivateTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(PrivateTarget::Network(net));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(PrivateTarget::Network(IpNet::from(ip)));
        }
        let host = text.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        // A name, not a pattern or a number: every label valid and the last one not all digits.
        if host.len() <= 253 && host.split('.').all(label_ok) && !host.rsplit('.').next().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit())) {
            return Ok(PrivateTarget::Host(host));
        }
        Err(format!("`{text}` is neither a CIDR network, an IP address nor a host name"))
    }
}

impl std::fmt::Display for PrivateTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrivateTarget::Network(n) => write!(f, "{n}"),
            PrivateTarget::Host(h) => f.write_str(h),
        }
    }
}

/// Why a request was refused. The message names the host, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("egress denied: {0}")]
pub struct EgressDenied(pub String);

#[derive(Clone, Debug)]
pub struct EgressPolicy {
    pub base: Origin,
    /// Hosts besides the base origin's (declared by the connector, approved by the operator).
    pub approved_hosts: Vec<String>,
    pub private: PrivateAccess,
    /// Static name resolution, consulted before DNS (tests and split-horizon setups).
    pub dns_overrides: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl EgressPolicy {
    /// A policy with only the address rule, for the host's own traffic to a URL the operator
    /// configured (webhook endpoints, the trace collector): the origin check is the caller's.
    pub fn address_rules_only(private: PrivateAccess) -> EgressPolicy {
        EgressPolicy {
            base: Origin { https: true, host: "operator.invalid".into(), port: 443 },
            approved_hosts: vec![],
            private,
            dns_overrides: Arc::default(),
        }
    }

    /// Every address, private ones included (never link-local: cloud metadata stays refused).
    pub fn any_address() -> EgressPolicy {
        EgressPolicy::address_rules_only(PrivateAccess::Allow(vec!["0.0.0.0/0".parse().expect("a CIDR"), "::/0".parse().expect("a CIDR")]))
    }

    /// Refuses origins other than the base one and approved hosts (any port on https, the base
    /// port on http).
    pub fn check_origin(&self, origin: &Origin) -> Result<(), EgressDenied> {
        if *origin == self.base {
            return Ok(());
        }
        if self.approved_hosts.iter().any(|h| h.eq_ignore_ascii_case(&origin.host)) {
            return Ok(());
        }
        Err(EgressDenied(format!("{} is not an allowed host for this connection", origin.host)))
    }

    /// Resolves a host and keeps the addresses this connection may reach; refuses when none is.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        let candidates: Vec<IpAddr> = if let Ok(ip) = host.parse::<IpAddr>() {
            vec![ip]
        } else if let Some(ips) = self.dns_overrides.get(&host.to_ascii_lowercase()) {
            ips.clone()
        } else {
            tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| ResolveError::Dns(format!("{host}: {e}")))?
                .map(|a| a.ip())
                .collect()
        };
        let allowed: Vec<SocketAddr> = candidates
            .iter()
            .filter(|ip| self.address_allowed(host, **ip))
            .map(|ip| SocketAddr::new(*ip, port))
            .collect();
        if allowed.is_empty() {
            if candidates.is_empty() {
                return Err(ResolveError::Dns(format!("{host}: no addresses")));
            }
            return Err(ResolveError::Denied(EgressDenied(format!(
                "{host} resolves to a private, loopback, link-local or metadata address"
            ))));
        }
        Ok(allowed)
    }

    fn address_allowed(&self, host: &str, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        if is_public(ip) {
            return true;
        }
        match &self.private {
            PrivateAccess::Deny => false,
            PrivateAccess::Allow(targets) => targets.iter().any(|t| match t {
                PrivateTarget::Network(n) => n.contains(&ip),
                PrivateTarget::Host(h) => h.eq_ignore_ascii_case(host.trim_end_matches('.')) && !is_link_local(ip),
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Denied(EgressDenied),
    #[error("name resolution failed: {0}")]
    Dns(String),
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Globally routable unicast: not private, loopback, link-local (metadata lives there),
/// shared (CGNAT), unspecified, multicast, broadcast, documentation or unique-local.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(private: PrivateAccess) -> EgressPolicy {
        EgressPolicy {
            base: Origin { https: true, host: "api.example.com".into(), port: 443 },
            approved_hosts: vec!["auth.example.com".into()],
            private,
            dns_overrides: Arc::new(HashMap::from([
                ("api.example.com".into(), vec!["93.184.216.34".parse().unwrap()]),
                ("sneaky.example.com".into(), vec!["169.254.169.254".parse().unwrap()]),
            ])),
        }
    }

    #[test]
    fn classifies_addresses() {
        for ip in ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "0.0.0.0"] {
            assert!(!is_public(canonical(ip.parse().unwrap())), "{ip} must not be public");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} must be public");
        }
    }

    #[test]
    fn origins_outside_the_allowlist_are_refused() {
        let p = policy(PrivateAccess::Deny);
        assert!(p.check_origin(&Origin { https: true, host: "api.example.com".into(), port: 443 }).is_ok());
        assert!(p.check_origin(&Origin { https: true, host: "auth.example.com".into(), port: 443 }).is_ok());
        assert!(p.check_origin(&Origin { https: true, host: "evil.example.net".into(), port: 443 }).is_err());
        assert!(p.check_origin(&Origin { https: false, host: "api.example.com".into(), port: 80 }).is_err());
    }

    #[tokio::test]
    async fn private_resolutions_are_refused_unless_allowed() {
        let p = policy(PrivateAccess::Deny);
        assert!(matches!(p.resolve("sneaky.example.com", 443).await, Err(ResolveError::Denied(_))));
        assert!(matches!(p.resolve("127.0.0.1", 80).await, Err(ResolveError::Denied(_))));
        assert!(p.resolve("api.example.com", 443).await.is_ok());
        let p = policy(PrivateAccess::Allow(vec!["127.0.0.0/8".parse().unwrap()]));
        assert!(p.resolve("127.0.0.1", 80).await.is_ok());
        assert!(matches!(p.resolve("sneaky.example.com", 443).await, Err(ResolveError::Denied(_))));
    }

    #[tokio::test]
    async fn a_private_host_name_allows_that_name_only_and_never_link_local() {
        let mut p = policy(PrivateAccess::Allow(vec!["maximo.plant.internal".parse().unwrap(), "sneaky.example.com".parse().unwrap()]));
        p.dns_overrides = Arc::new(HashMap::from([
            ("maximo.plant.internal".into(), vec!["10.1.2.3".parse().unwrap()]),
            ("other.plant.internal".into(), vec!["10.1.2.3".parse().unwrap()]),
            ("sneaky.example.com".into(), vec!["169.254.169.254".parse().unwrap()]),
        ]));
        assert_eq!(p.resolve("MAXIMO.plant.internal", 443).await.unwrap(), vec!["10.1.2.3:443".parse().unwrap()]);
        assert!(matches!(p.resolve("other.plant.internal", 443).await, Err(ResolveError::Denied(_))), "same address, other name");
        assert!(matches!(p.resolve("10.1.2.3", 443).await, Err(ResolveError::Denied(_))), "the address itself is not allowed");
        assert!(matches!(p.resolve("sneaky.example.com", 443).await, Err(ResolveError::Denied(_))), "metadata stays refused");
    }

    #[test]
    fn private_targets_parse() {
        assert_eq!("10.0.0.0/8".parse::<PrivateTarget>().unwrap(), PrivateTarget::Network("10.0.0.0/8".parse().unwrap()));
        assert_eq!("10.0.0.7".parse::<PrivateTarget>().unwrap(), PrivateTarget::Network("10.0.0.7/32".parse().unwrap()));
        assert_eq!("Maximo.Plant.internal.".parse::<PrivateTarget>().unwrap(), PrivateTarget::Host("maximo.plant.internal".into()));
        for bad in ["*.internal", "10.0.0.300", "a..b", "-x.internal", "http://x", "", "10.0.0.0/33"] {
            assert!(bad.parse::<PrivateTarget>().is_err(), "{bad}");
        }
    }
}
