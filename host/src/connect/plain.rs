//! Errors in plain words for the end customer: what went wrong with their system and what to do,
//! attached to the field at fault when there is one. Submitted secret values are scrubbed from
//! every message (the runtime already scrubs known secrets from connector output; this also
//! covers values the customer just typed).

use super::form::PlainError;
use crate::api::error::ApiError;
use crate::connections::reconnect::ACCOUNT_MISMATCH;
use crate::runtime::bindings::ConnectorInfo;

fn sentence(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn scrub(mut message: String, secrets: &[&str]) -> String {
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        message = message.replace(*s, "[hidden]");
    }
    message
}

/// The plain-words form of a failed connect or reconnect.
pub fn explain(e: &ApiError, info: &ConnectorInfo, secrets: &[&str]) -> PlainError {
    let system = &info.name;
    let field = e.extra.get("field").and_then(|v| v.as_str()).map(str::to_string);
    let reason = e.extra.get("reason").and_then(|v| v.as_str()).unwrap_or_default();
    let (field, message) = match e.code {
        "validation_failed" if reason == ACCOUNT_MISMATCH => (None, sentence(&e.detail)),
        "validation_failed" => match field.as_deref() {
            Some("base_url") => (
                field,
                format!("{} Enter the full address of the {system} API, for example https://api.example.com/v1.", sentence(&e.detail)),
            ),
            Some(name) => match info.form.iter().find(|f| f.name == name) {
                Some(f) if e.detail.ends_with("is required") => (field.clone(), format!("Enter your {}.", f.label)),
                Some(_) => (field.clone(), sentence(&e.detail)),
                None => (None, sentence(&e.detail)),
            },
            None if e.detail.contains("rejected these credentials") => {
                (None, format!("{system} rejected these credentials. Check that they are complete and still valid, then try again."))
            }
            None => (None, sentence(&e.detail)),
        },
        "upstream_unavailable" => (
            None,
            format!("{system} could not be reached or answered with an error ({}). Check the address, or try again in a few minutes.", e.detail.trim_end_matches('.')),
        ),
        "upstream_timeout" => (None, format!("{system} did not answer in time. Check the address, or try again in a few minutes.")),
        "upstream_forbidden" => (
            None,
            format!("{system} accepted these credentials, but the account lacks a permission Millwright needs. Use an account with API access. ({})", e.detail.trim_end_matches('.')),
        ),
        "rate_limited" => (None, format!("{system} is receiving too many requests right now. Wait a minute, then try again.")),
        "connector_failed" if reason == "egress_denied" => (
            Some("base_url".to_string()),
            format!(
                "Millwright is not allowed to reach this address. Check the {system} API address; if your {system} runs on a \
                 private network, ask the company that sent you this link to allow it."
            ),
        ),
        "connector_failed" => (
            None,
            format!("The {system} connector failed while checking these credentials. Try again; if it keeps failing, contact the company that sent you this link."),
        ),
        "invalid_request" => (None, sentence(&e.detail)),
        _ => (None, "Something went wrong on our side. Try again in a few minutes.".to_string()),
    };
    PlainError { field, message: scrub(message, secrets) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_and_capitalises() {
        assert_eq!(sentence("the key is wrong."), "The key is wrong.");
        assert_eq!(scrub("bad key sk-12345 here".into(), &["sk-12345", "x"]), "bad key [hidden] here");
    }
}
