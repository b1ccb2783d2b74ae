//! Source-field discovery: every JSON Pointer present in sample records, with the JSON types
//! seen, a format hint where a value looks like a date or timestamp, how many records have it
//! and a few example values, so an operator can pick a source for a rule.
//!
//! Arrays are walked as `*` (the rule language's "map over an array"), so `/assignees/*/id`
//! appears once however many assignees a record has.

use serde_json::{Map, Value, json};

/// Deeper nesting than this is not listed (pointers into it still work in rules).
const MAX_DEPTH: usize = 8;
/// At most this many pointers are listed.
const MAX_FIELDS: usize = 500;
const MAX_EXAMPLES: usize = 3;
const MAX_EXAMPLE_CHARS: usize = 120;

#[derive(Default)]
struct Seen {
    types: Vec<&'static str>,
    formats: Vec<&'static str>,
    records: usize,
    last_record: Option<usize>,
    examples: Vec<Value>,
}

/// The fields of `samples`, in the order first met.
pub fn source_fields(samples: &[Value]) -> Vec<Value> {
    let mut fields: Map<String, Value> = Map::new();
    let mut seen: Vec<Seen> = Vec::new();
    for (index, record) in samples.iter().enumerate() {
        walk(record, String::new(), 0, index, &mut fields, &mut seen);
    }
    fields
        .into_iter()
        .zip(seen)
        .map(|((pointer, _), s)| {
            json!({
                "pointer": pointer,
                "types": s.types,
                "formats": s.formats,
                "present_in": s.records,
                "examples": s.examples,
            })
        })
        .collect()
}

fn walk(value: &Value, pointer: String, depth: usize, record: usize, fields: &mut Map<String, Value>, seen: &mut Vec<Seen>) {
    if !pointer.is_empty() {
        note(value, &pointer, record, fields, seen);
    }
    if depth >= MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                walk(child, format!("{pointer}/{}", escape(key)), depth + 1, record, fields, seen);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, format!("{pointer}/*"), depth + 1, record, fields, seen);
            }
        }
        _ => {}
    }
}

fn note(value: &Value, pointer: &str, record: usize, fields: &mut Map<String, Value>, seen: &mut Vec<Seen>) {
    let slot = match fields.get(pointer) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
        _ if fields.len() >= MAX_FIELDS => return,
        _ => {
            fields.insert(pointer.to_string(), json!(seen.len()));
            seen.push(Seen::default());
            seen.len() - 1
        }
    };
    let s = &mut seen[slot];
    if s.last_record != Some(record) {
        s.records += 1;
        s.last_record = Some(record);
    }
    add(&mut s.types, json_type(value));
    if let Some(format) = format_hint(value) {
        add(&mut s.formats, format);
    }
    if !matches!(value, Value::Null | Value::Object(_) | Value::Array(_)) && s.examples.len() < MAX_EXAMPLES && !s.examples.contains(value) {
        s.examples.push(match value {
            Value::String(text) if text.chars().count() > MAX_EXAMPLE_CHARS => Value::String(format!("{}…", text.chars().take(MAX_EXAMPLE_CHARS).collect::<String>())),
            v => v.clone(),
        });
    }
}

fn add(list: &mut Vec<&'static str>, item: &'static str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A hint for the transform a rule would need: `iso8601`, `date`, `odata_date`, `epoch_s`,
/// `epoch_ms` (integers between 2001 and 2286 in seconds or milliseconds), `numeric_string`.
fn format_hint(value: &Value) -> Option<&'static str> {
    match value {
        Value::String(s) => {
            let s = s.trim();
            if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
                Some("iso8601")
            } else if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
                Some("date")
            } else if s.starts_with("/Date(") && s.ends_with(")/") {
                Some("odata_date")
            } else if !s.is_empty() && s.parse::<f64>().is_ok() {
                Some("numeric_string")
            } else {
                None
            }
        }
        Value::Number(n) => match n.as_i64()? {
            1_000_000_000..=9_999_999_999 => Some("epoch_s"),
            1_000_000_000_000..=9_999_999_999_999 => Some("epoch_ms"),
            _ => None,
        },
        _ => None,
    }
}

/// RFC 6901: `~` → `~0`, `/` → `~1`.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_pointers_types_formats_and_examples() {
        let samples = vec![
            json!({"id": 1, "title": "Belt", "dueAt": 1767225600, "extraFields": {"Site/Code": "A"}, "assignees": [{"id": 7}, {"id": 8}]}),
            json!({"id": 2, "title": null, "dueAt": 1767225601, "updatedAt": "2026-01-01T00:00:00Z"}),
        ];
        let fields = source_fields(&samples);
        let find = |p: &str| fields.iter().find(|f| f["pointer"] == p).unwrap_or_else(|| panic!("{p} in {fields:?}")).clone();
        assert_eq!(find("/id")["present_in"], 2);
        assert_eq!(find("/title")["types"], json!(["string", "null"]));
        assert_eq!(find("/dueAt")["formats"], json!(["epoch_s"]));
        assert_eq!(find("/extraFields/Site~1Code")["examples"], json!(["A"]));
        assert_eq!(find("/assignees/*/id")["present_in"], 1);
        assert_eq!(find("/assignees/*/id")["examples"], json!([7, 8]));
        assert_eq!(find("/updatedAt")["formats"], json!(["iso8601"]));
        assert_eq!(find("/extraFields")["types"], json!(["object"]));
    }
}
