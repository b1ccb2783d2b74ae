//! Query strings parsed into a struct, with problem+json errors (axum's own rejection is plain
//! text). Structs use `deny_unknown_fields`, so a misspelt filter is refused, not ignored.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

pub struct StrictQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for StrictQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(q)| StrictQuery(q))
            .map_err(|e| ApiError::invalid_request(format!("invalid query: {}", e.body_text())))
    }
}

/// The query struct's fields are the operation's query parameters.
impl<T: schemars::JsonSchema> aide::OperationInput for StrictQuery<T> {
    fn operation_input(ctx: &mut aide::generate::GenContext, op: &mut aide::openapi::Operation) {
        <Query<T> as aide::OperationInput>::operation_input(ctx, op);
    }
}
