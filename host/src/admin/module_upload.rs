//! The body of a module upload: raw component bytes (`Content-Type: application/wasm`), read up
//! to the registry's module size limit. This route sits outside the API's 1 MiB JSON body
//! limit (see `api::router`) and applies its own.

use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};

use crate::api::error::ApiError;
use crate::app::AppState;
use crate::registry::install::too_large;
use crate::registry::trust::SIGNATURE_HEADER;

pub struct WasmUpload {
    pub bytes: Vec<u8>,
    /// The `x-millwright-signature` header, if sent.
    pub signature: Option<String>,
}

impl FromRequest<AppState> for WasmUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, ApiError> {
        let media_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).map(str::trim);
        if media_type != Some("application/wasm") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "upload the module's bytes as the body with `Content-Type: application/wasm`",
            ));
        }
        let signature = match req.headers().get(SIGNATURE_HEADER) {
            Some(v) => Some(v.to_str().map_err(|_| ApiError::validation_failed(Some(SIGNATURE_HEADER), "the signature header is not text"))?.to_string()),
            None => None,
        };
        let limit = app.registry.config().max_module_bytes;
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
        if let Some(size) = declared
            && size > limit
        {
            return Err(too_large(limit));
        }
        let bytes = axum::body::to_bytes(req.into_body(), limit).await.map_err(|e| {
            let over = e.into_inner().downcast_ref::<http_body_util::LengthLimitError>().is_some();
            if over { too_large(limit) } else { ApiError::invalid_request("the module upload could not be read") }
        })?;
        Ok(WasmUpload { bytes: bytes.to_vec(), signature })
    }
}

/// A binary `application/wasm` body, with the optional signature header.
impl aide::OperationInput for WasmUpload {
    fn operation_input(_: &mut aide::generate::GenContext, op: &mut aide::openapi::Operation) {
        crate::openapi::ops::binary_body(op, "application/wasm", "The component's bytes (a WebAssembly component built against `millwright:connector`).");
        crate::openapi::ops::header_parameter(op, SIGNATURE_HEADER, "Detached ed25519 signature of the module's SHA-256 digest, `<key_id>:<base64>`; required when the registry requires signed modules.");
    }
}
