//! Query parameters of unified lists: `page_size`, `cursor`, `modified_after`,
//! `include_remote_data` and the unified filters the connector declares.

use std::collections::BTreeMap;

use millwright_model::{Entity, FieldKind};
use sha2::{Digest, Sha256};

use super::error::ApiError;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

#[derive(Debug, Default)]
pub struct ListParams {
    pub page_size: u32,
    pub cursor: Option<String>,
    /// Normalised to RFC 3339 UTC.
    pub modified_after: Option<String>,
    pub include_remote_data: bool,
    pub filters: BTreeMap<String, String>,
}

impl ListParams {
    /// Parses a raw query string. `allowed_filters` are the connector's unified filter names.
    pub fn parse(entity: Entity, raw: Option<&str>, allowed_filters: &[String]) -> Result<ListParams, ApiError> {
        let mut params = ListParams { page_size: DEFAULT_PAGE_SIZE, ..Default::default() };
        let mut seen = std::collections::HashSet::new();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !seen.insert(key.to_string()) {
                return Err(ApiError::invalid_request(format!("`{key}` is given more than once")).with("field", key.as_ref()));
            }
            match key.as_ref() {
                "page_size" => {
                    params.page_size = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                        .ok_or_else(|| ApiError::invalid_request(format!("`page_size` must be an integer from 1 to {MAX_PAGE_SIZE}")).with("field", "page_size"))?;
                }
                "cursor" => params.cursor = Some(value.into_owned()),
                "modified_after" => params.modified_after = Some(parse_timestamp(&value)?),
                "include_remote_data" => {
                    params.include_remote_data = match value.as_ref() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(ApiError::invalid_request("`include_remote_data` must be true or false").with("field", "include_remote_data")),
                    }
                }
                name if allowed_filters.iter().any(|f| f == name) => {
                    check_filter_value(entity, name, &value)?;
                    params.filters.insert(name.to_string(), value.into_owned());
                }
                name => {
                    let mut known = vec!["page_size", "cursor", "modified_after", "include_remote_data"];
                    known.extend(allowed_filters.iter().map(String::as_str));
                    return Err(ApiError::invalid_request(format!(
                        "unknown query parameter or unsupported filter `{name}`; this list accepts: {}",
                        known.join(", ")
                    ))
                    .with("field", name));
                }
            }
        }
        Ok(params)
    }

    /// What a cursor is bound to: everything that selects records, not the page size.
    pub fn query_hash(&self, entity: Entity) -> String {
        let mut h = Sha256::new();
        h.update(entity.name());
        h.update([0]);
        h.update(self.modified_after.as_deref().unwrap_or(""));
        for (k, v) in &self.filters {
            h.update([0]);
            h.update(k);
            h.update([1]);
            h.update(v);
        }
        crate::runtime::compile::hex(&h.finalize()[..16])
    }
}

/// The query of a single-record `GET`: only `include_remote_data`.
pub fn include_remote_data_only(raw: Option<&str>) -> Result<bool, ApiError> {
    let mut include = false;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match (key.as_ref(), value.as_ref()) {
            ("include_remote_data", "true" | "1") => include = true,
            ("include_remote_data", "false" | "0") => include = false,
            ("include_remote_data", _) => {
                return Err(ApiError::invalid_request("`include_remote_data` must be true or false").with("field", "include_remote_data"));
            }
            (name, _) => {
                return Err(ApiError::invalid_request(format!("unknown query parameter `{name}`; this route accepts: include_remote_data")).with("field", name));
            }
        }
    }
    Ok(include)
}

fn parse_timestamp(value: &str) -> Result<String, ApiError> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .map_err(|_| {
            ApiError::invalid_request(format!("`modified_after` must be an RFC 3339 timestamp such as 2026-01-31T08:00:00Z, not `{value}`"))
                .with("field", "modified_after")
        })
}

/// Enum filters must name a unified value (`status=in_progress`).
fn check_filter_value(entity: Entity, name: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::invalid_request(format!("filter `{name}` needs a value")).with("field", name));
    }
    if let Some(spec) = entity.field(name)
        && let FieldKind::Enum(values) = spec.kind
        && !values.contains(&value)
    {
        return Err(ApiError::invalid_request(format!("`{name}` must be one of {}", values.join(", "))).with("field", name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let allowed = vec!["status".to_string()];
        let p = ListParams::parse(Entity::WorkOrder, Some("page_size=100&modified_after=2026-01-31T09:00:00%2B01:00&status=open"), &allowed).unwrap();
        assert_eq!(p.page_size, 100);
        assert_eq!(p.modified_after.as_deref(), Some("2026-01-31T08:00:00Z"));
        assert_eq!(p.filters["status"], "open");
        for bad in ["page_size=0", "page_size=501", "page_size=x", "modified_after=yesterday", "status=nope", "color=red", "page_size=1&page_size=2"] {
            let e = ListParams::parse(Entity::WorkOrder, Some(bad), &allowed).unwrap_err();
            assert_eq!(e.code, "invalid_request", "{bad}");
        }
    }
}
