//! A whole unified record from a connector's record given as JSON text: the rules' fields
//! with the fields a host owns ([`HostFields`]: `id`, `deleted`, the `updated_at` fallback,
//! `remote_data`), as a value ([`Mapping::unified_value`]) or as JSON text
//! ([`Mapping::write_str`]). Both reject a source that is not a JSON object.
//!
//! A list page is mapped record by record and sent as JSON. Building each record as a
//! `Map<String, Value>` (a clone of the template: a key `String` per field, an `IndexMap`), then
//! inserting the host's fields and serialising the tree, costs about as much again as the
//! rules themselves. The writer evaluates the same plan in the same order and writes each value
//! as it comes, host fields in their model positions: the JSON the value form serialises to.
//! Values that are output unchanged (a string into a text field without transforms, the one
//! `custom_fields_from` object, `remote_data`) are copied from the source text, already
//! validated by the split, without being parsed: the same JSON, though not always the same
//! bytes (the source's escapes and spacing stay).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use millwright_model::FieldKind;

use crate::apply::eval;
use crate::root::Ctx;
use crate::{Effective, Mapping, Plan};

/// The fields a host owns in a unified record, written by [`Mapping::write_str`].
#[derive(Debug, Clone, Copy)]
pub struct HostFields<'a> {
    /// The record's unified `id`.
    pub id: &'a str,
    pub deleted: bool,
    /// The connector's own `updated_at` (RFC 3339): written, normalised, when no rule filled
    /// `updated_at`.
    pub updated_at: Option<&'a str>,
    /// Append the source record itself as `remote_data`.
    pub remote_data: bool,
}

impl Mapping {
    /// The unified record: the fields of [`Mapping::apply_str`] with `host`'s in place, then
    /// `remote_data` if asked, then `mapping_warnings` if any. The error is serde_json's for
    /// text that is not a JSON object.
    pub fn unified_value(&self, json: &str, host: &HostFields<'_>) -> Result<Value, serde_json::Error> {
        let source = object(json)?;
        let mapped = self.apply_str(source)?;
        let mut fields: Map<String, Value> = mapped.fields;
        fields.insert("id".into(), Value::String(host.id.into()));
        fields.insert("deleted".into(), Value::Bool(host.deleted));
        if fields.get("updated_at").is_none_or(Value::is_null)
            && let Some(ts) = host.updated_at.and_then(normalise_rfc3339)
        {
            fields.insert("updated_at".into(), Value::String(ts));
        }
        if host.remote_data {
            fields.insert("remote_data".into(), serde_json::from_str(source)?);
        }
        if !mapped.warnings.is_empty() {
            fields.insert("mapping_warnings".into(), serde_json::to_value(&mapped.warnings)?);
        }
        Ok(Value::Object(fields))
    }

    /// [`Mapping::unified_value`] as JSON text appended to `out` (left unchanged on error).
    pub fn write_str(&self, json: &str, host: &HostFields<'_>, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let source = object(json)?;
        self.with_text(source, |ctx| self.write_ctx(ctx, host, source, out))
    }

    fn write_ctx(&self, ctx: &Ctx<'_, '_>, host: &HostFields<'_>, json: &str, out: &mut Vec<u8>) {
        let mut warnings = Vec::new();
        out.push(b'{');
        for (i, slot) in self.slots.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            key(out, slot.key);
            let value = match &slot.plan {
                Plan::Id => {
                    write(out, host.id);
                    continue;
                }
                Plan::Deleted => {
                    out.extend_from_slice(if host.deleted { b"true" } else { b"false" });
                    continue;
                }
                Plan::Null => Value::Null,
                Plan::Rule(e) if e.verbatim && copied(out, e, ctx, Some(e.rule.kind)) => continue,
                Plan::Rule(e) => eval(e, ctx, &mut warnings),
                Plan::CustomFields if self.spreads.first().is_some_and(|e| e.verbatim && copied(out, e, ctx, None)) => continue,
                Plan::CustomFields => self.custom_fields(ctx, &mut warnings),
            };
            match value {
                Value::Null if Some(i) == self.updated_at_slot => write(out, &host.updated_at.and_then(normalise_rfc3339)),
                value => write(out, &value),
            }
        }
        if host.remote_data {
            out.push(b',');
            key(out, "remote_data");
            out.extend_from_slice(json.as_bytes());
        }
        if !warnings.is_empty() {
            out.push(b',');
            key(out, "mapping_warnings");
            write(out, &warnings);
        }
        out.push(b'}');
    }
}

/// Copies the text of a [`RootMode::Verbatim`](crate::root::RootMode) source when it already is
/// the output: a string (or `null`) for a text field, any value for a JSON field, an object (or
/// `null`, an empty object) for the one spread (`kind` `None`). `false`: evaluate it instead.
fn copied(out: &mut Vec<u8>, e: &Effective, ctx: &Ctx<'_, '_>, kind: Option<FieldKind>) -> bool {
    let Some(text) = e.sole_root.and_then(|id| ctx.root_text(id)) else {
        return false;
    };
    let text = text.unwrap_or("null");
    let bytes: &[u8] = match (kind, text.as_bytes()[0]) {
        (Some(FieldKind::Json), _) | (Some(FieldKind::Text), b'"' | b'n') | (None, b'{') => text.as_bytes(),
        (None, b'n') => b"{}",
        _ => return false,
    };
    out.extend_from_slice(bytes);
    true
}

/// `json` trimmed, if it is an object's text (the split checks the rest).
fn object(json: &str) -> Result<&str, serde_json::Error> {
    let trimmed = json.trim();
    if trimmed.starts_with('{') {
        Ok(trimmed)
    } else {
        Err(serde::de::Error::custom("a record must be a JSON object"))
    }
}

/// An RFC 3339 timestamp in the unified form (UTC, `Z`, fractional seconds only when non-zero).
fn normalise_rfc3339(ts: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(ts).ok().map(|t| crate::time::format_utc(&t.with_timezone(&Utc)))
}

/// `"name":` (unified field names need no escaping).
fn key(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(out, value).expect("JSON values serialise");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compile;
    use millwright_model::Entity;

    /// The value form, serialised.
    fn via_map(m: &Mapping, json: &str, host: &HostFields<'_>) -> String {
        serde_json::to_string(&m.unified_value(json, host).unwrap()).unwrap()
    }

    fn written(m: &Mapping, json: &str, host: &HostFields<'_>) -> String {
        let mut out = b"[".to_vec();
        m.write_str(json, host, &mut out).unwrap();
        String::from_utf8(out[1..].to_vec()).unwrap()
    }

    #[test]
    fn same_text_as_the_map_path() {
        let rules = crate::tests::maintainx_work_order_rules();
        let m = Mapping::new(Entity::WorkOrder, &compile(Entity::WorkOrder, &rules).unwrap(), None);
        let record = serde_json::to_string(&crate::tests::maintainx_record()).unwrap();
        let bad = r#"{"status":"NOPE","dueDate":"x","extraFields":[1],"updatedAt":null}"#;
        for (json, deleted, remote_data) in [(record.as_str(), false, false), (record.as_str(), true, true), (bad, false, true), ("{}", false, false)] {
            let host = HostFields { id: "wo-\"1\"", deleted, updated_at: Some("2026-01-31T09:00:00.500+01:00"), remote_data };
            assert_eq!(written(&m, json, &host), via_map(&m, json, &host), "{json}");
        }
        // The connector's `updated_at` fills the field only when no rule did.
        let host = HostFields { id: "1", deleted: false, updated_at: Some("2026-01-31T09:00:00+01:00"), remote_data: false };
        let out: Value = serde_json::from_str(&written(&m, bad, &host)).unwrap();
        assert_eq!(out["updated_at"], json!("2026-01-31T08:00:00Z"));
        assert!(out["mapping_warnings"].as_array().is_some_and(|w| !w.is_empty()));
        // Without a rule for `updated_at`, and a mapping that reads the whole record.
        let whole = compile(Entity::WorkOrder, &json!([{"target": "title", "source": "{/a}-{/b/0}"}])).unwrap();
        let m = Mapping::new(Entity::WorkOrder, &whole, None);
        let json = r#"{"a": 1, "b": ["x"]}"#;
        assert_eq!(written(&m, json, &host), via_map(&m, json, &host));
        // Values copied as text (a title string, the extraFields object) keep the source's
        // escapes: the same JSON, not always the same bytes. Values of another kind are
        // evaluated as usual (a number into text, a list into a text field: a warning).
        let m = Mapping::new(Entity::WorkOrder, &compile(Entity::WorkOrder, &crate::tests::maintainx_work_order_rules()).unwrap(), None);
        for json in [
            r#"{"title": "caf\u00e9 \/ \"x\"", "description": null, "extraFields": {"A\u00e9": [1, {"b": null}]}}"#,
            r#"{"title": 5, "description": ["no"], "extraFields": null}"#,
            r#"{"title": {"a": 1}, "extraFields": "no"}"#,
        ] {
            let parsed = |text: &str| serde_json::from_str::<Value>(text).unwrap();
            assert_eq!(parsed(&written(&m, json, &host)), parsed(&via_map(&m, json, &host)), "{json}");
        }
        let out: Value = serde_json::from_str(&written(&m, r#"{"title": "caf\u00e9", "extraFields": {"k": "v"}}"#, &host)).unwrap();
        assert_eq!((&out["title"], &out["custom_fields"]), (&json!("café"), &json!({"k": "v"})));
        // Not JSON, or not an object: an error, nothing written. A record's text is checked whole,
        // the values no rule reads too: it is a connector's output, and `remote_data` copies it.
        let control = "{\"a\": \"x\u{1}\"}";
        for bad in ["{\"a\": ", "[1]", " 7", r#"{"title": "x", "n": 01}"#, r#"{"n": tru}"#, r#"{"a": "\q"}"#, control, r#"{"a": [1}"#, r#"{"asset": {"id": 5]}"#, r#"{"extraFields": {"k": 1,}}"#] {
            let mut out = Vec::new();
            assert!(m.write_str(bad, &host, &mut out).is_err(), "{bad}");
            assert!(out.is_empty());
            assert!(m.unified_value(bad, &host).is_err(), "{bad}");
        }
    }
}
