//! The picker and the connect form, built from the connector's `describe` (`form`: label, help,
//! required, secret; `default_base_url`). Every interpolated value goes through `escape`.
//!
//! Field names the host adds are prefixed with `_` (`_csrf`, `_base_url`) so they cannot clash
//! with a connector's fields; anything else a POST carries is ignored.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::html::escape;
use crate::runtime::bindings::ConnectorInfo;

pub const CSRF_FIELD: &str = "_csrf";
pub const BASE_URL_FIELD: &str = "_base_url";

/// Characters escaped in a path segment of a relative link.
const SEGMENT: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'/').add(b'<').add(b'>').add(b'?').add(b'`').add(b'{').add(b'}');

pub fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// An error in plain words, attached to a field (a connector field name or `base_url`) or to
/// the whole form.
#[derive(Debug, Clone)]
pub struct PlainError {
    pub field: Option<String>,
    pub message: String,
}

/// The picker: one link per system the session may connect (relative: `{secret}/{connector}`
/// from `/connect/{secret}`).
pub fn picker(secret: &str, systems: &[(String, String)]) -> String {
    let items: String = systems
        .iter()
        .map(|(id, name)| format!("<li><a href=\"{}/{}\">{}</a></li>\n", escape(&segment(secret)), escape(&segment(id)), escape(name)))
        .collect();
    format!(
        "<p>Choose the maintenance system you use. You will then enter its credentials; they are checked with the system \
         and stored encrypted.</p>\n<ul class=\"systems\">\n{items}</ul>\n"
    )
}

pub struct FormView<'a> {
    pub info: &'a ConnectorInfo,
    /// The form's action, relative to the page.
    pub action: &'a str,
    /// A relative link back to the picker, when there is a choice.
    pub back: Option<&'a str>,
    pub csrf: &'a str,
    /// The base URL field's value: what was submitted, the connection's, or the default.
    pub base_url: &'a str,
    /// Non-secret values to show again after a failure. Secret inputs are always empty.
    pub kept: &'a BTreeMap<String, String>,
    pub error: Option<&'a PlainError>,
    /// The account being reconnected, when this is a reconnect.
    pub reconnect_account: Option<&'a str>,
    /// The customer signs in at the system (OAuth) after this form, instead of typing secrets.
    pub sign_in: bool,
}

fn field_id(name: &str) -> String {
    format!("f-{}", segment(name))
}

/// One labelled input with its help and error.
struct Input<'a> {
    name: &'a str,
    label: &'a str,
    kind: &'a str,
    value: &'a str,
    required: bool,
    help: Option<&'a str>,
    placeholder: Option<&'a str>,
    error: Option<&'a str>,
}

/// Renders an input, its label, help and error, tied together for assistive technology.
fn input(i: Input<'_>) -> String {
    let Input { name, label, kind, value, required, help, placeholder, error } = i;
    let id = escape(&field_id(name));
    let mut described = Vec::new();
    let mut after = String::new();
    if let Some(help) = help.filter(|h| !h.is_empty()) {
        described.push(format!("{id}-help"));
        after.push_str(&format!("<p class=\"help\" id=\"{id}-help\">{}</p>\n", escape(help)));
    }
    if let Some(error) = error {
        described.push(format!("{id}-error"));
        after.push_str(&format!("<p class=\"field-error\" id=\"{id}-error\">{}</p>\n", escape(error)));
    }
    let autocomplete = if kind == "password" { "new-password" } else { "off" };
    format!(
        "<div class=\"field\">\n<label for=\"{id}\">{label}{optional}</label>\n\
         <input id=\"{id}\" name=\"{name}\" type=\"{kind}\" value=\"{value}\" autocomplete=\"{autocomplete}\" spellcheck=\"false\"{required}{placeholder}{described}{invalid}>\n{after}</div>\n",
        label = escape(label),
        optional = if required { "" } else { " <span class=\"optional\">(optional)</span>" },
        name = escape(name),
        value = escape(value),
        required = if required { " required" } else { "" },
        placeholder = placeholder.map(|p| format!(" placeholder=\"{}\"", escape(p))).unwrap_or_default(),
        described = if described.is_empty() { String::new() } else { format!(" aria-describedby=\"{}\"", described.join(" ")) },
        invalid = if error.is_some() { " aria-invalid=\"true\"" } else { "" },
    )
}

/// The form page's body.
pub fn form(v: &FormView<'_>) -> String {
    let name = &v.info.name;
    let field_error = |field: &str| v.error.filter(|e| e.field.as_deref() == Some(field)).map(|e| e.message.as_str());
    let mut out = String::new();
    if let Some(e) = v.error {
        let text = match &e.field {
            Some(f) if f == "base_url" => format!("<a href=\"#{}\">{}</a>", escape(&field_id(BASE_URL_FIELD)), escape(&e.message)),
            Some(f) if v.info.form.iter().any(|x| x.name == *f) => format!("<a href=\"#{}\">{}</a>", escape(&field_id(f)), escape(&e.message)),
            _ => escape(&e.message),
        };
        out.push_str(&format!("<div class=\"alert\" role=\"alert\">\n<h2>Your system could not be connected</h2>\n<p>{text}</p>\n</div>\n"));
    }
    match v.reconnect_account {
        _ if v.sign_in => out.push_str(&format!(
            "<p>Continue to sign in to {} and allow access. You will come back here when you are done.</p>\n",
            escape(name)
        )),
        Some(account) => out.push_str(&format!(
            "<p>Enter new credentials for {}. They must give access to the same account, <strong>{}</strong>.</p>\n",
            escape(name),
            escape(account)
        )),
        None => out.push_str(&format!("<p>Enter the details of your {} account. Millwright checks them with {} before saving them.</p>\n", escape(name), escape(name))),
    }
    out.push_str(&format!("<form method=\"post\" action=\"{}\" novalidate>\n", escape(v.action)));
    out.push_str(&format!("<input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{}\">\n", escape(v.csrf)));
    for f in &v.info.form {
        let value = if f.secret { "" } else { v.kept.get(&f.name).map(String::as_str).unwrap_or("") };
        let kind = if f.secret { "password" } else { "text" };
        out.push_str(&input(Input {
            name: &f.name,
            label: &f.label,
            kind,
            value,
            required: f.required,
            help: f.help.as_deref(),
            placeholder: f.placeholder.as_deref(),
            error: field_error(&f.name),
        }));
    }
    let base_help = format!("The address of the {name} API. Leave it as it is unless your {name} runs at another address.");
    out.push_str(&input(Input {
        name: BASE_URL_FIELD,
        label: &format!("{name} API address"),
        kind: "url",
        value: v.base_url,
        required: v.info.default_base_url.is_none(),
        help: Some(&base_help),
        placeholder: Some("https://"),
        error: field_error("base_url"),
    }));
    let button = match (v.sign_in, v.reconnect_account.is_some()) {
        (true, _) => format!("Continue to {} sign-in", escape(name)),
        (false, true) => "Reconnect".to_string(),
        (false, false) => "Connect".to_string(),
    };
    out.push_str(&format!("<button type=\"submit\">{button}</button>\n</form>\n"));
    if let Some(back) = v.back {
        out.push_str(&format!("<p class=\"muted\"><a href=\"{}\">Choose another system</a></p>\n", escape(back)));
    }
    out
}
