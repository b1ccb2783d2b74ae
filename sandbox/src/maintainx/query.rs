//! Query-string handling for MaintainX: repeated keys as arrays (`statuses=OPEN&statuses=DONE`),
//! bracketed names (`updatedAt[gte]`, percent-encoded or not), typed reads of filter values
//! (400 `{"error"}` when invalid), custom-field filters, and `nextPageUrl` rebuilding.

use axum::http::Uri;

use super::errors::MxError;

/// The decoded query string, in order, plus the raw pairs to rebuild `nextPageUrl`.
pub struct RawQuery {
    path: String,
    pairs: Vec<(String, String)>,
    raw: Vec<(String, String)>,
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl RawQuery {
    /// Parses the query of a request URI (the original one, so the path keeps its prefix).
    pub fn from_uri(uri: &Uri) -> Result<RawQuery, MxError> {
        let query = uri.query();
        let mut pairs = Vec::new();
        let mut raw = Vec::new();
        for piece in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
            let bad = || MxError::bad_query(format!("Malformed query parameter: {piece}"));
            let name = percent_decode(k).ok_or_else(bad)?;
            let value = percent_decode(v).ok_or_else(bad)?;
            // `assets[]=1` (as some clients send arrays) means `assets=1`.
            let name = name.strip_suffix("[]").map(str::to_string).unwrap_or(name);
            raw.push((name.clone(), v.to_string()));
            pairs.push((name, value));
        }
        Ok(RawQuery {
            path: uri.path().to_string(),
            pairs,
            raw,
        })
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of a repeated parameter; comma-separated values are not split (MaintainX
    /// takes arrays as repeated keys).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `nextPageUrl`: this path and query with `cursor` replaced.
    pub fn next_page_url(&self, cursor: &str) -> String {
        let mut parts: Vec<String> = self
            .raw
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| format!("{}={v}", encode_name(k)))
            .collect();
        parts.push(format!("cursor={cursor}"));
        format!("{}?{}", self.path, parts.join("&"))
    }

    /// Integer array filter (`assets=630&assets=634`); `None` when absent.
    pub fn ids(&self, name: &str) -> Result<Option<Vec<u64>>, MxError> {
        let vals = self.all(name);
        if vals.is_empty() {
            return Ok(None);
        }
        vals.iter()
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| {
                    MxError::bad_query(format!("{name} must be an array of integers, got {v:?}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// Enum array filter, every value checked against the spec's enum.
    pub fn enums(&self, name: &str, allowed: &[&str]) -> Result<Option<Vec<String>>, MxError> {
        let vals = self.all(name);
        if vals.is_empty() {
            return Ok(None);
        }
        for v in &vals {
            if !allowed.contains(v) {
                return Err(MxError::bad_query(format!(
                    "{name} must be one of {}, got {v:?}",
                    allowed.join(", ")
                )));
            }
        }
        Ok(Some(vals.iter().map(|v| v.to_string()).collect()))
    }

    pub fn flag(&self, name: &str) -> Result<Option<bool>, MxError> {
        match self.first(name) {
            None => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(MxError::bad_query(format!(
                "{name} must be a boolean, got {v:?}"
            ))),
        }
    }

    /// Custom-field filters (`?Criticality=A&Criticality=B`, or `label__c=` when the label is
    /// a reserved name) for the labels an entity has: OR within a label, AND across labels.
    pub fn custom_fields(&self, labels: &[&str]) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in &self.pairs {
            let label = k.strip_suffix("__c").unwrap_or(k);
            if !labels.contains(&label) {
                continue;
            }
            match out.iter_mut().find(|(l, _)| l == label) {
                Some((_, vals)) => vals.push(v.clone()),
                None => out.push((label.to_string(), vec![v.clone()])),
            }
        }
        out
    }
}

fn encode_name(k: &str) -> String {
    k.replace('[', "%5B")
        .replace(']', "%5D")
        .replace(' ', "%20")
}
