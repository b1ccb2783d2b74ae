//! The operator's bearer token on `/v1/admin/*`: `MILLWRIGHT_ADMIN_TOKEN`, or an admin token
//! created with `millwright tokens create-admin` (scope `admin` or `read_only`).

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::api::error::ApiError;
use crate::app::AppState;
use crate::tokens;

pub struct AdminAuth {
    /// Who acts, for the audit log: `env` or the admin token's id.
    pub actor: String,
    pub read_only: bool,
}

impl AdminAuth {
    /// Read-only tokens may look but not change anything.
    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.read_only {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this admin token is read-only"));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = crate::api::auth::bearer(parts, "admin token")?;
        let hash = tokens::hash(token);
        // Hashes are compared, never the secret itself: equal-length digests, no early exit on a
        // matching prefix of the plaintext.
        if let Some(expected) = &app.admin_token_hash
            && constant_time_eq(expected.as_bytes(), hash.as_bytes())
        {
            return Ok(AdminAuth { actor: "env".into(), read_only: false });
        }
        if tokens::kind(token) != Some("admin") {
            return Err(ApiError::unauthorized("unknown admin token"));
        }
        let row = app.store.admin_token_by_hash(&hash).await?.ok_or_else(|| ApiError::unauthorized("unknown admin token"))?;
        if row.revoked_at.is_some() {
            return Err(ApiError::unauthorized("this admin token has been revoked"));
        }
        Ok(AdminAuth { actor: row.id, read_only: row.scope == "read_only" })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl aide::OperationInput for AdminAuth {
    fn operation_input(_: &mut aide::generate::GenContext, op: &mut aide::openapi::Operation) {
        crate::openapi::ops::require_scheme(op, crate::openapi::ADMIN_TOKEN);
    }
}
