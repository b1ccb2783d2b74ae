//! `application/x-www-form-urlencoded` parameters (token request bodies, authorization
//! queries and consent forms) with RFC 6749 §3.1/§3.2 rules: a parameter sent twice is an
//! `invalid_request` (a lenient parser would let a host bug pass here and fail at a real
//! vendor), and a parameter sent with an empty value counts as omitted.

use std::collections::HashMap;

use super::errors::OAuthError;

/// Decoded parameters, each at most once.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(input: &[u8]) -> Result<Params, OAuthError> {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(input) {
            if v.is_empty() {
                continue;
            }
            if map.insert(k.to_string(), v.to_string()).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {k} is included more than once"
                )));
            }
        }
        Ok(Params(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A parameter that must be present.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("missing parameter {name}")))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }
}

/// Splits a `scope` parameter (space-delimited, RFC 6749 §3.3).
pub fn scopes(value: &str) -> Vec<String> {
    value.split_whitespace().map(str::to_string).collect()
}

/// The granted scopes: everything the client may have when none were asked for, else the
/// request, which must be a subset of `allowed` (`invalid_scope` otherwise).
pub fn grant_scopes(
    requested: Option<Vec<String>>,
    allowed: &[String],
) -> Result<Vec<String>, OAuthError> {
    let Some(requested) = requested else {
        return Ok(allowed.to_vec());
    };
    if requested.is_empty() {
        return Err(OAuthError::invalid_scope("the requested scope is empty"));
    }
    if let Some(bad) = requested.iter().find(|s| !allowed.contains(s)) {
        return Err(OAuthError::invalid_scope(format!(
            "scope {bad} is not allowed for this client (allowed: {})",
            allowed.join(" ")
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for s in requested {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}
