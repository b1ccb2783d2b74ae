//! Server-rendered HTML for the connect pages: one escape function for every interpolated value,
//! one layout, and the security headers every page carries.
//!
//! Pages work without JavaScript and load nothing else: the CSS is inline (allowed by its hash
//! in the Content-Security-Policy, not by `'unsafe-inline'`), there are no scripts, images or
//! fonts, and every link and form action is relative to the page. Accessibility: `lang`, one
//! `<main>` and `<h1>`, labels bound to inputs, errors announced (`role="alert"`) and tied to
//! their field (`aria-describedby`, `aria-invalid`), a visible focus ring, system fonts and
//! contrast ≥ 4.5:1.

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1c1c1c;background:#f4f5f7}\
main{max-width:34rem;margin:2rem auto;padding:2rem;background:#fff;border:1px solid #d0d4da;border-radius:8px}\
h1{font-size:1.5rem;margin:0 0 1rem}\
p{margin:0 0 1rem}\
ul.systems{list-style:none;padding:0;margin:0 0 1rem}\
ul.systems li{margin:0 0 .5rem}\
ul.systems a{display:block;padding:.75rem 1rem;border:1px solid #8a919c;border-radius:6px;color:#0b4a8b;font-weight:600;text-decoration:none}\
ul.systems a:hover{background:#eef3fa}\
.field{margin:0 0 1.25rem}\
label{display:block;font-weight:600;margin:0 0 .25rem}\
.optional{font-weight:400;color:#4a4f57}\
input{width:100%;padding:.6rem;font:inherit;border:1px solid #6b7280;border-radius:4px}\
input[aria-invalid=true]{border:2px solid #a51d2d}\
.help{font-size:.9rem;color:#4a4f57;margin:.25rem 0 0}\
.field-error{color:#a51d2d;font-weight:600;margin:.25rem 0 0}\
.alert{border-left:4px solid #a51d2d;background:#fbeeee;padding:.75rem 1rem;margin:0 0 1.5rem}\
.alert h2{font-size:1rem;margin:0 0 .25rem}\
.alert p{margin:0}\
button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border:0;border-radius:6px;background:#0b4a8b;color:#fff;cursor:pointer}\
button:hover{background:#083a6e}\
a{color:#0b4a8b}\
:focus-visible{outline:3px solid #c25e00;outline-offset:2px}\
.muted{color:#4a4f57;font-size:.9rem}";

/// The CSP source allowing exactly the inline stylesheet above.
fn css_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()))))
}

/// A whole page. `body` is HTML built from escaped parts; `form_target` is the origin the
/// page's form may end up at after the host's redirect (the session's redirect URI), for CSP's
/// `form-action`, which browsers also apply to redirects.
pub fn page(status: StatusCode, title: &str, body: &str, form_target: Option<&str>) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n<title>{title} · Millwright</title>\n<style>{CSS}</style>\n\
         </head>\n<body>\n<main>\n<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n",
        title = escape(title),
    );
    let form_action = match form_target {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    let csp = format!(
        "default-src 'none'; style-src {}; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'",
        css_hash()
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    secure_headers(headers);
    response
}

/// Headers on every response of the flow (pages and the final redirect): never cached, never
/// framed, and the secret in the URL never sent to another origin as a referrer.
pub fn secure_headers(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // `same-origin`, not `no-referrer`: with `no-referrer` browsers send `Origin: null` on the
    // form's POST, and the CSRF check wants the real origin.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// A page with a title and plain paragraphs (escaped here), and no form.
pub fn message(status: StatusCode, title: &str, paragraphs: &[&str]) -> Response {
    let body: String = paragraphs.iter().map(|p| format!("<p>{}</p>\n", escape(p))).collect();
    page(status, title, &body, None)
}

pub fn unknown_link() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "This link is not valid",
        &["Check that you opened the whole link you were sent. If it still does not work, ask for a new link."],
    )
}

pub fn expired_link() -> Response {
    message(StatusCode::GONE, "This link has expired", &["Connect links work for a limited time. Ask for a new link to connect your system."])
}

pub fn used_link() -> Response {
    message(
        StatusCode::GONE,
        "This link has already been used",
        &["Your system was connected with this link, which works only once. You can close this page; ask for a new link to connect again."],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x" onclick='y'>&</a>"#), "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
        assert_eq!(escape("plain text"), "plain text");
    }
}
