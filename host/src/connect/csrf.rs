//! CSRF protection of the form POST.
//!
//! The connect pages use no cookies: the session secret in the URL is the only capability, so
//! there is no ambient authority for a forged request to ride on. Two checks still guard the POST:
//!
//! 1. A form token in a hidden field, derived from the session secret (`secret::form_token`) and
//!    compared in constant time. A POST must come from a rendering of this session's form (or
//!    from someone holding the secret, who could use the page anyway).
//! 2. The browser's own provenance headers: `Sec-Fetch-Site`, when sent, must be `same-origin`
//!    or `none` (typed URL); `Origin`, when sent, must be the public URL's origin or the origin
//!    of the request's `Host`. A cross-site auto-submitting form (the classic CSRF, or "login
//!    CSRF" that plants the attacker's credentials) is refused even if it got hold of a token.
//!
//! Pages also send `frame-ancestors 'none'`/`X-Frame-Options: DENY` (no clickjacking) and
//! `Referrer-Policy: same-origin` (the secret never leaks to other origins as a referrer, while a
//! same-origin POST keeps a real `Origin`).

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};

use super::secret;

/// Why a POST was refused (shown to the user in plain words).
pub const REFUSED: &str = "This form could not be verified. Open the link you were sent again and fill in the form on that page.";

pub fn verify(headers: &HeaderMap, public_origin: Option<&str>, submitted_token: Option<&str>, session_secret: &str) -> Result<(), &'static str> {
    if let Some(site) = header(headers, "sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err(REFUSED);
    }
    if let Some(origin) = header(headers, ORIGIN.as_str()) {
        let host = header(headers, HOST.as_str());
        let same = public_origin.is_some_and(|p| p.eq_ignore_ascii_case(origin))
            || host.is_some_and(|h| {
                origin.eq_ignore_ascii_case(&format!("http://{h}")) || origin.eq_ignore_ascii_case(&format!("https://{h}"))
            });
        if !same {
            return Err(REFUSED);
        }
    }
    let expected = secret::form_token(session_secret);
    match submitted_token {
        Some(token) if secret::constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(REFUSED),
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn needs_the_token_and_a_same_origin_browser() {
        let s = secret::generate(secret::SESSION_PREFIX);
        let token = secret::form_token(&s);
        let public = Some("https://connect.example.com");
        assert!(verify(&headers(&[]), public, Some(&token), &s).is_ok());
        assert!(verify(&headers(&[]), public, None, &s).is_err());
        assert!(verify(&headers(&[]), public, Some("forged"), &s).is_err());
        let same = headers(&[("origin", "https://connect.example.com"), ("sec-fetch-site", "same-origin")]);
        assert!(verify(&same, public, Some(&token), &s).is_ok());
        let behind_host = headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")]);
        assert!(verify(&behind_host, public, Some(&token), &s).is_ok());
        let cross = headers(&[("origin", "https://evil.example"), ("host", "connect.example.com")]);
        assert!(verify(&cross, public, Some(&token), &s).is_err());
        assert!(verify(&headers(&[("origin", "null")]), public, Some(&token), &s).is_err());
        assert!(verify(&headers(&[("sec-fetch-site", "cross-site")]), public, Some(&token), &s).is_err());
    }
}
