//! MaintainX authentication: `Authorization: Bearer <api key>` on every request (401 when
//! missing, unknown or revoked; 403 when the key is forbidden), or a valid access token of the
//! sandbox's authorization server in its place (acting as a single-organization key; expired
//! or revoked, it gets the same 401 as an unknown key), and for multi-organization keys
//! the `x-organization-id` header (400 without it; `GET /organizations`, which lists the key's
//! organizations, ignores it). Collection endpoints that the spec lets query several
//! organizations at once also take `x-organization-ids` (never both headers).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Mx;
use super::data::organizations::{self, Organization, org_id};
use super::data::{DEFAULT_ORG_ID, users};
use super::errors::MxError;

/// Who is calling: inserted into the request by [`require`].
#[derive(Clone, Debug)]
pub struct Caller {
    pub org_id: i64,
    /// The user the key acts as (the admin, user 0).
    pub user_id: u64,
}

/// The bearer token of a request (the rate-limit bucket too).
pub fn bearer_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Lists the spec lets read several organizations with `x-organization-ids`.
fn multi_org_collection(method: &Method, path: &str) -> bool {
    method == Method::GET
        && matches!(
            path.trim_end_matches('/'),
            "/assets" | "/locations" | "/parts"
        )
}

/// The one endpoint a multi-organization key calls without choosing an organization.
fn org_free(method: &Method, path: &str) -> bool {
    method == Method::GET && path.trim_end_matches('/') == "/organizations"
}

/// The organizations the (authenticated) key of a request can see.
pub fn organizations(mx: &Mx, headers: &HeaderMap) -> Vec<Organization> {
    match bearer_key(headers).and_then(|k| mx.multi_org_keys.get(&k)) {
        Some(configured) => organizations::multi(configured),
        None => organizations::single(),
    }
}

fn resolve(mx: &Mx, req: &Request) -> Result<Caller, MxError> {
    let headers = req.headers();
    let key = bearer_key(headers).ok_or_else(MxError::unauthorized)?;
    if mx.faults.is_revoked(&key) {
        return Err(MxError::unauthorized());
    }
    let caller = |org_id| Caller {
        org_id,
        user_id: users::id(0),
    };
    let multi = mx.multi_org_keys.get(&key);
    if !mx.keys.contains(&key) && multi.is_none() && !mx.oauth.access_token_valid(&key) {
        return Err(MxError::unauthorized());
    }
    // Known and not revoked: authenticated, so a missing permission is a 403.
    if mx.faults.is_forbidden(&key) {
        return Err(MxError::forbidden());
    }
    let Some(orgs) = multi else {
        return Ok(caller(DEFAULT_ORG_ID));
    };
    if org_free(req.method(), req.uri().path()) {
        // Lists every organization of the key: the organization headers play no part.
        return Ok(caller(DEFAULT_ORG_ID));
    }
    let one = header(headers, "x-organization-id");
    let many = header(headers, "x-organization-ids")
        .filter(|_| multi_org_collection(req.method(), req.uri().path()));
    let requested: Vec<&str> = match (one, many) {
        (Some(_), Some(_)) => {
            return Err(MxError::field(
                "You cannot use both x-organization-id and x-organization-ids headers.",
                "x-organization-ids",
                None,
            ));
        }
        (Some(id), None) => vec![id],
        (None, Some(ids)) => ids
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
        (None, None) => {
            return Err(MxError::fields(vec![super::errors::FieldError::new(
                "Missing x-organization-id header.",
            )]));
        }
    };
    for org in &requested {
        let known = org
            .parse::<i64>()
            .is_ok_and(|n| orgs.iter().any(|o| org_id(o) == n));
        if !known {
            let v = serde_json::Value::String(org.to_string());
            return Err(MxError::field(
                "Invalid organization id for this token.",
                "x-organization-id",
                Some(&v),
            ));
        }
    }
    // Every organization sees the same generated data set, stamped with its own id.
    Ok(caller(
        requested
            .first()
            .map(|o| org_id(o))
            .unwrap_or(DEFAULT_ORG_ID),
    ))
}

/// Middleware in front of every MaintainX route (and the fallback).
pub async fn require(State(mx): State<Mx>, mut req: Request, next: Next) -> Response {
    match resolve(&mx, &req) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}
