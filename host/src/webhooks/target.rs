//! Where an endpoint may point (DESIGN.md): `live` endpoints use https; private, link-local and
//! loopback targets only where the operator allows them (`MILLWRIGHT_WEBHOOKS_ALLOW_PRIVATE`;
//! `millwright demo` does). Checked on the URL when an endpoint is saved, and again on every
//! resolved address when a delivery connects (the host's policy connector), so a public name
//! that resolves to a private address is refused too.

use std::net::IpAddr;

use crate::api::error::ApiError;
use crate::runtime::outbound::egress::is_public;

/// Checks `url` for an endpoint of `environment`; returns it normalised.
pub fn check(url: &str, environment: &str, allow_private: bool) -> Result<String, ApiError> {
    let bad = |why: &str| ApiError::validation_failed(Some("url"), why.to_string());
    let parsed = url::Url::parse(url.trim()).map_err(|e| bad(&format!("not a valid URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if environment == "live" => return Err(bad("live endpoints must use https")),
        "http" => {}
        _ => return Err(bad("the URL must be http(s)")),
    }
    let host = parsed.host_str().ok_or_else(|| bad("the URL needs a host"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("the URL must not carry user info; the signature authenticates deliveries"));
    }
    if parsed.fragment().is_some() {
        return Err(bad("the URL must not have a fragment"));
    }
    if !allow_private && is_private_host(host) {
        return Err(bad(
            "private, link-local and loopback targets are refused; the operator allows them with MILLWRIGHT_WEBHOOKS_ALLOW_PRIVATE=true",
        ));
    }
    Ok(parsed.to_string())
}

fn is_private_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => !is_public(ip),
        Err(_) => {
            let host = host.to_ascii_lowercase();
            host == "localhost" || host.ends_with(".localhost") || host.ends_with(".internal") || host.ends_with(".local")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn live_needs_https_and_private_targets_need_the_operator() {
        assert!(check("https://hooks.example.com/in", "live", false).is_ok());
        assert!(check("http://hooks.example.com/in", "live", false).is_err());
        assert!(check("http://hooks.example.com/in", "test", false).is_ok());
        for private in ["http://127.0.0.1:9000/", "http://10.1.2.3/", "http://169.254.169.254/", "http://localhost:8080/", "http://[::1]/"] {
            assert!(check(private, "test", false).is_err(), "{private}");
            assert!(check(private, "test", true).is_ok(), "{private} when allowed");
        }
        assert!(check("https://user:pw@hooks.example.com/", "live", false).is_err());
        assert!(check("ftp://hooks.example.com/", "test", true).is_err());
    }
}
