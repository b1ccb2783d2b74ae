//! Admin list paging: `page_size` (1–500, default 50) and an opaque keyset `cursor`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use crate::api::error::ApiError;

#[derive(Debug, Default)]
pub struct PageQuery {
    pub page_size: Option<String>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match &self.page_size {
            None => Ok(50),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or_else(|| ApiError::invalid_request("`page_size` must be an integer from 1 to 500").with("field", "page_size")),
        }
    }

    /// The key after which the page starts.
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                B64.decode(c)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| ApiError::invalid_request("the cursor is invalid").with("field", "cursor"))
            })
            .transpose()
    }
}

/// The next cursor when the page is full.
pub fn next_cursor(last_key: Option<&str>, returned: usize, limit: i64) -> Option<String> {
    (returned as i64 == limit).then(|| last_key.map(|k| B64.encode(k))).flatten()
}
