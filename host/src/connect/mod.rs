//! The hosted connect flow (like Merge Link or Makini Link): the operator creates a link
//! session, the end customer opens its URL, picks a system, fills in the form the connector's
//! `describe` declares, the host checks the credentials live with `check`, stores the connection
//! and redirects to the operator's redirect URI with a one-time code, which the operator's
//! backend exchanges for the connection id and token.
//!
//! Routes:
//! - `POST /v1/admin/link-sessions` → `{id, url, expires_at}` (`sessions.rs`, validation in
//!   `validate.rs`); `GET /v1/admin/link-sessions/{id}`.
//! - `GET /connect/{secret}`, `GET|POST /connect/{secret}/{connector_id}` (`pages.rs`,
//!   `submit.rs`, HTML in `html.rs` and `form.rs`, errors in plain words in `plain.rs`).
//! - `POST /v1/link/token` (`exchange.rs`).
//! - OAuth sign-in (connectors whose scheme is authorization code): the form's POST redirects
//!   to the system (`authorize.rs`), which sends the customer back to
//!   `GET /connect/oauth/callback` (`callback.rs`); both end in `complete.rs`.
//!
//! Decisions:
//! - The session secret (`mwl_…`, 256 bits) is the URL's capability; the code (`mwc_…`, 256
//!   bits) is single use for 10 minutes. Only SHA-256 hashes of both are stored (`secret.rs`).
//! - A session is `pending` until a submission succeeds, then `completed`; past `expires_at` it
//!   is `expired`. Completed and expired sessions show a page (410), never a form; unknown
//!   secrets a 404 page. Completing is a compare-and-swap on `status = 'pending'`.
//! - The redirect goes only to the redirect URI stored with the session (plus `code`, `state`).
//! - New connections: the token `Connections::create` mints is revoked unseen; the exchange
//!   mints the one the operator gets. Reconnects keep the connection id and its tokens, unless
//!   the session says `rotate_tokens`, in which case the exchange revokes them all and returns
//!   a new one. Revoking at exchange, not at submit, keeps the operator's integration working
//!   until it holds the new token.
//! - CSRF: see `csrf.rs` (form token derived from the secret + Origin/Sec-Fetch-Site checks).
//! - Escaping: one hand-written `html::escape` for every interpolated value; no template crate.
//! - `allow_private` / `approve_hosts` on the session (operator-set, like on
//!   `POST /v1/admin/connections`) give the new connection its network policy; a reconnect keeps
//!   the connection's.
//! - Links are built on `MILLWRIGHT_PUBLIC_URL`; without it, on the `Host` the operator's
//!   request came in on (the listen address as the operator reaches it).

mod authorize;
mod callback;
mod complete;
mod csrf;
mod docs;
mod exchange;
mod form;
mod html;
mod pages;
mod plain;
mod secret;
mod sessions;
mod submit;
mod validate;

use axum::http::HeaderMap;

use crate::app::AppState;

/// How long a code from the redirect can be exchanged.
pub const CODE_TTL_SECONDS: i64 = 600;

pub fn routes() -> crate::openapi::ApiRouter {
    docs::routes()
}

/// The public base URL, without a trailing slash.
pub fn public_base(app: &AppState, headers: &HeaderMap) -> String {
    match &app.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1:8080");
            format!("http://{host}")
        }
    }
}

/// The origin of `MILLWRIGHT_PUBLIC_URL`, when set.
fn public_origin(app: &AppState) -> Option<String> {
    app.public_url.as_deref().and_then(|u| url::Url::parse(u).ok()).map(|u| u.origin().ascii_serialization())
}
