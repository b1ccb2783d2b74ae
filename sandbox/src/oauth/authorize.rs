//! The authorization endpoint (RFC 6749 §4.1.1-§4.1.2): `GET /oauth/authorize` shows a tiny
//! consent page whose "Allow" form posts back to `POST /oauth/authorize`, which issues a code
//! and answers `302` to `redirect_uri?code=…&state=…`.
//!
//! Tests skip the page with `auto_approve=1` on the GET (or the sandbox-wide setting), so a
//! client can follow the redirect without parsing HTML. A request naming an unknown client or
//! an unregistered redirect URI gets a 400 page and is never redirected (§4.1.2.1); any other
//! problem, and a denial, is redirected back as `error=…&error_description=…&state=…`.
//! PKCE (`code_challenge`, `code_challenge_method` S256 or plain) is optional.

use std::fmt::Write;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use url::Url;

use super::errors::{error_page, escape};
use super::form::{Params, grant_scopes, scopes};
use super::grants::{CODE_TTL, Code};
use super::state::OAuthState;

#[derive(Clone, Copy, PartialEq)]
enum Decision {
    Ask,
    Allow,
    Deny,
}

pub async fn get(State(s): State<Arc<OAuthState>>, RawQuery(query): RawQuery) -> Response {
    let p = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return error_page(&e.description),
    };
    let auto = matches!(p.get("auto_approve"), Some("1" | "true")) || s.auto_approve();
    authorize(&s, &p, if auto { Decision::Allow } else { Decision::Ask })
}

/// The consent form's submission: `decision=deny` denies, anything else allows.
pub async fn post(State(s): State<Arc<OAuthState>>, body: Bytes) -> Response {
    let p = match Params::parse(&body) {
        Ok(p) => p,
        Err(e) => return error_page(&e.description),
    };
    let decision = if p.get("decision") == Some("deny") {
        Decision::Deny
    } else {
        Decision::Allow
    };
    authorize(&s, &p, decision)
}

fn authorize(s: &OAuthState, p: &Params, decision: Decision) -> Response {
    let Some(client) = p.get("client_id").and_then(|id| s.client(id)) else {
        return error_page("unknown or missing client_id");
    };
    let (redirect_uri, explicit) = match p.get("redirect_uri") {
        Some(r) if client.redirect_allowed(r) => (r, true),
        Some(_) => return error_page("redirect_uri is not registered for this client"),
        None => match client.default_redirect() {
            Some(d) => (d, false),
            None => return error_page("redirect_uri is required for this client"),
        },
    };
    let Ok(target) = Url::parse(redirect_uri) else {
        return error_page("redirect_uri is not a valid URL");
    };
    let state = p.get("state");
    let fail = |code: &str, description: &str| {
        redirect(
            target.clone(),
            &[("error", code), ("error_description", description)],
            state,
        )
    };
    match p.get("response_type") {
        Some("code") => {}
        None => return fail("invalid_request", "missing response_type"),
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            );
        }
    }
    let scope = match grant_scopes(p.get("scope").map(scopes), &client.config.scopes) {
        Ok(scope) => scope,
        Err(e) => return fail(e.code, &e.description),
    };
    let challenge = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (None, None) => None,
        (Some(c), m @ (None | Some("S256" | "plain"))) => {
            Some((c.to_string(), m.unwrap_or("plain").to_string()))
        }
        (Some(_), Some(_)) => {
            return fail(
                "invalid_request",
                "code_challenge_method must be S256 or plain",
            );
        }
        (None, Some(_)) => {
            return fail(
                "invalid_request",
                "code_challenge_method without code_challenge",
            );
        }
    };
    match decision {
        Decision::Ask => consent_page(p, &client.config.client_id, &scope),
        Decision::Deny => fail("access_denied", "the resource owner denied the request"),
        Decision::Allow => {
            let mut grants = s.grants();
            let code = Code {
                client_id: client.config.client_id.clone(),
                redirect_uri: redirect_uri.to_string(),
                explicit_redirect: explicit,
                scope,
                challenge,
                grant: grants.new_grant(),
                expires: std::time::Instant::now() + CODE_TTL,
            };
            let code = grants.add_code(code);
            drop(grants);
            redirect(target, &[("code", &code)], state)
        }
    }
}

/// `302` to `target` with `pairs` (and `state` when the request had one) added to its query.
fn redirect(mut target: Url, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    {
        let mut q = target.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(state) = state {
            q.append_pair("state", state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// The consent page: the request's parameters as hidden fields, Allow and Deny buttons.
fn consent_page(p: &Params, client_id: &str, scope: &[String]) -> Response {
    let mut hidden = String::new();
    let mut fields: Vec<_> = p
        .iter()
        .filter(|(k, _)| k.as_str() != "auto_approve")
        .collect();
    fields.sort();
    for (k, v) in fields {
        let _ = write!(
            hidden,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(k),
            escape(v)
        );
    }
    let body = format!(
        "<!doctype html><html><head><title>Authorize {client}</title></head><body>\
         <h1>Authorize {client}</h1><p>The application asks for: <b>{scope}</b></p>\
         <form method=\"post\" action=\"authorize\">{hidden}\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form></body></html>",
        client = escape(client_id),
        scope = escape(&scope.join(" ")),
    );
    (StatusCode::OK, Html(body)).into_response()
}
