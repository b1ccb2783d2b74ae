//! Transforms: parsing (once, at compile), static output types (for the compile-time type
//! check) and application (per record).
//!
//! Semantics, per value:
//! - `null` stays `null` for every transform except `{"default": v}`.
//! - A list is transformed element by element (wildcard sources produce lists); `default`
//!   applies to the whole value.
//! - Converting transforms (`integer`, `number`, `bool`, `date`, timestamps) read an empty or
//!   blank string as `null`.
//! - A value that fails to convert becomes `null` and adds a warning; later transforms still
//!   run (so a trailing `{"default": v}` can fill it). In a list, the failed element becomes
//!   `null` (a `TextList` target then drops it).

use std::borrow::Cow;
use std::collections::HashMap;

use millwright_model::MappingWarning;
use serde_json::{Map, Number, Value};

use crate::root::FxBuild;
use crate::source::NULL;
use crate::time::{self, CustomFormat};

/// Collects warnings for one output field.
pub(crate) struct Sink<'a> {
    pub(crate) field: &'a str,
    pub(crate) out: &'a mut Vec<MappingWarning>,
}

impl Sink<'_> {
    #[cold]
    pub(crate) fn warn(&mut self, reason: String) {
        self.out.push(MappingWarning {
            field: self.field.to_owned(),
            reason,
        });
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Transform {
    String,
    Integer,
    Number,
    Bool,
    Trim,
    Lowercase,
    Date,
    Timestamp {
        format: TimestampFormat,
        zero_is_null: bool,
    },
    Enum(EnumMap),
    Default(Value),
}

#[derive(Debug, Clone)]
pub(crate) enum TimestampFormat {
    Iso8601,
    EpochS,
    EpochMs,
    OdataDate,
    Custom(CustomFormat),
}

#[derive(Debug, Clone)]
pub(crate) struct EnumMap {
    /// Source value (as a string) → output value.
    pub(crate) map: HashMap<String, Value, FxBuild>,
    pub(crate) default: Option<Value>,
    /// Output value → the first source key that maps to it, in rule order (for writes).
    pub(crate) inverse: Vec<(Value, String)>,
}

type ParseError = (&'static str, String);

const NAMES: &str = "\"string\", \"integer\", \"number\", \"bool\", \"trim\", \"lowercase\", \
    \"date\", {\"timestamp\": ...}, {\"timestamp_format\": ...}, {\"enum\": ...}, {\"default\": ...}";

/// Parses the `transform` of a rule: one transform or a list applied in order.
pub(crate) fn parse_transforms(value: &Value) -> Result<Vec<Transform>, ParseError> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if item.is_array() {
                    return Err((
                        "invalid_transform",
                        format!("transform {i} of the list is itself a list"),
                    ));
                }
                Transform::parse(item)
                    .map_err(|(code, m)| (code, format!("transform {i} of the list: {m}")))
            })
            .collect(),
        other => Transform::parse(other).map(|t| vec![t]),
    }
}

impl Transform {
    fn parse(value: &Value) -> Result<Transform, ParseError> {
        match value {
            Value::String(name) => match name.as_str() {
                "string" => Ok(Transform::String),
                "integer" => Ok(Transform::Integer),
                "number" => Ok(Transform::Number),
                "bool" => Ok(Transform::Bool),
                "trim" => Ok(Transform::Trim),
                "lowercase" => Ok(Transform::Lowercase),
                "date" => Ok(Transform::Date),
                "timestamp" | "iso8601" | "epoch_s" | "epoch_ms" | "odata_date" => Err((
                    "unknown_transform",
                    format!(
                        "unknown transform {name:?}; timestamps are written as an object, e.g. \
                         {{\"timestamp\": \"iso8601\"}} (or epoch_s, epoch_ms, odata_date)"
                    ),
                )),
                "enum" | "default" | "timestamp_format" => Err((
                    "unknown_transform",
                    format!("transform {name:?} needs an object, e.g. {{\"{name}\": ...}}"),
                )),
                _ => Err((
                    "unknown_transform",
                    format!("unknown transform {name:?}; known: {NAMES}"),
                )),
            },
            Value::Object(map) => parse_object(map),
            other => Err((
                "invalid_transform",
                format!("a transform is a name, an object or a list of these, got {other}"),
            )),
        }
    }

    /// How the transform is written, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Transform::String => "\"string\"".into(),
            Transform::Integer => "\"integer\"".into(),
            Transform::Number => "\"number\"".into(),
            Transform::Bool => "\"bool\"".into(),
            Transform::Trim => "\"trim\"".into(),
            Transform::Lowercase => "\"lowercase\"".into(),
            Transform::Date => "\"date\"".into(),
            Transform::Timestamp { format, .. } => match format {
                TimestampFormat::Iso8601 => "{\"timestamp\": \"iso8601\"}".into(),
                TimestampFormat::EpochS => "{\"timestamp\": \"epoch_s\"}".into(),
                TimestampFormat::EpochMs => "{\"timestamp\": \"epoch_ms\"}".into(),
                TimestampFormat::OdataDate => "{\"timestamp\": \"odata_date\"}".into(),
                TimestampFormat::Custom(f) => format!("{{\"timestamp_format\": {:?}}}", f.text()),
            },
            Transform::Enum(_) => "\"enum\"".into(),
            Transform::Default(_) => "\"default\"".into(),
        }
    }
}

fn check_keys(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), ParseError> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err((
                "invalid_transform",
                format!(
                    "unknown option {key:?} in the {what} transform (allowed: {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn zero_is_null(map: &Map<String, Value>) -> Result<bool, ParseError> {
    match map.get("zero_is_null") {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err((
            "invalid_transform",
            format!("zero_is_null must be true or false, got {other}"),
        )),
    }
}

fn parse_object(map: &Map<String, Value>) -> Result<Transform, ParseError> {
    if map.contains_key("enum") {
        check_keys(map, &["enum", "default"], "enum")?;
        let Some(Value::Object(entries)) = map.get("enum") else {
            return Err((
                "invalid_transform",
                "\"enum\" must be an object mapping source values to unified values, e.g. {\"OPEN\": \"open\"}".into(),
            ));
        };
        if entries.is_empty() {
            return Err(("invalid_transform", "the enum map is empty".into()));
        }
        let mut table = HashMap::with_capacity_and_hasher(entries.len(), FxBuild::default());
        let mut inverse: Vec<(Value, String)> = Vec::new();
        for (key, value) in entries {
            if value.is_array() || value.is_object() {
                return Err((
                    "invalid_transform",
                    format!(
                        "enum value for {key:?} must be a string, number, boolean or null, got {value}"
                    ),
                ));
            }
            table.insert(key.clone(), value.clone());
            if !value.is_null() && !inverse.iter().any(|(v, _)| v == value) {
                inverse.push((value.clone(), key.clone()));
            }
        }
        let default = match map.get("default") {
            None | Some(Value::Null) => None,
            Some(v) if v.is_array() || v.is_object() => {
                return Err((
                    "invalid_transform",
                    format!("enum default must be a scalar, got {v}"),
                ));
            }
            Some(v) => Some(v.clone()),
        };
        return Ok(Transform::Enum(EnumMap {
            map: table,
            default,
            inverse,
        }));
    }
    if let Some(kind) = map.get("timestamp") {
        check_keys(map, &["timestamp", "zero_is_null"], "timestamp")?;
        let format = match kind.as_str() {
            Some("iso8601") => TimestampFormat::Iso8601,
            Some("epoch_s") => TimestampFormat::EpochS,
            Some("epoch_ms") => TimestampFormat::EpochMs,
            Some("odata_date") => TimestampFormat::OdataDate,
            _ => {
                return Err((
                    "invalid_transform",
                    format!(
                        "unknown timestamp kind {kind}; use \"iso8601\", \"epoch_s\", \"epoch_ms\" \
                         or \"odata_date\" (or {{\"timestamp_format\": \"%d.%m.%Y %H:%M\"}})"
                    ),
                ));
            }
        };
        return Ok(Transform::Timestamp {
            format,
            zero_is_null: zero_is_null(map)?,
        });
    }
    if let Some(text) = map.get("timestamp_format") {
        check_keys(
            map,
            &["timestamp_format", "zero_is_null"],
            "timestamp_format",
        )?;
        let Some(text) = text.as_str() else {
            return Err((
                "invalid_transform",
                format!("timestamp_format must be a string, got {text}"),
            ));
        };
        let format = CustomFormat::compile(text).map_err(|m| ("invalid_format", m))?;
        return Ok(Transform::Timestamp {
            format: TimestampFormat::Custom(format),
            zero_is_null: zero_is_null(map)?,
        });
    }
    if let Some(value) = map.get("default") {
        check_keys(map, &["default"], "default")?;
        return Ok(Transform::Default(value.clone()));
    }
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    Err((
        "unknown_transform",
        format!("unknown transform object with keys {keys:?}; known: {NAMES}"),
    ))
}

// ---------------------------------------------------------------------------------------------
// Application.

/// The outcome of converting one non-null scalar.
enum Conv {
    /// Unchanged: reuse the input.
    Same,
    New(Value),
}

fn preview(value: &Value) -> String {
    let text = value.to_string();
    if text.len() <= 60 {
        text
    } else {
        let mut end = 57;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn blank(value: &Value) -> bool {
    matches!(value, Value::String(s) if s.trim().is_empty())
}

impl Transform {
    /// Applies the transform to a value (see the module docs for null, lists and failures).
    #[inline]
    pub(crate) fn apply<'a>(&self, value: Cow<'a, Value>, sink: &mut Sink<'_>) -> Cow<'a, Value> {
        if let Transform::Default(fallback) = self {
            return if value.is_null() {
                Cow::Owned(fallback.clone())
            } else {
                value
            };
        }
        if let Cow::Owned(Value::Array(mut items)) = value {
            // A list built for this record (a `*` pointer): convert in place.
            for (i, item) in items.iter_mut().enumerate() {
                if item.is_null() {
                    continue;
                }
                match self.convert(item) {
                    Ok(Conv::Same) => {}
                    Ok(Conv::New(v)) => *item = v,
                    Err(reason) => {
                        sink.warn(format!("element {i}: {reason}"));
                        *item = Value::Null;
                    }
                }
            }
            return Cow::Owned(Value::Array(items));
        }
        match &*value {
            Value::Null => value,
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() {
                        out.push(Value::Null);
                        continue;
                    }
                    match self.convert(item) {
                        Ok(Conv::Same) => out.push(item.clone()),
                        Ok(Conv::New(v)) => out.push(v),
                        Err(reason) => {
                            sink.warn(format!("element {i}: {reason}"));
                            out.push(Value::Null);
                        }
                    }
                }
                Cow::Owned(Value::Array(out))
            }
            scalar => match self.convert(scalar) {
                Ok(Conv::Same) => value,
                Ok(Conv::New(v)) => Cow::Owned(v),
                Err(reason) => {
                    sink.warn(reason);
                    Cow::Borrowed(&NULL)
                }
            },
        }
    }

    /// Converts one non-null value that is not a list (lists nested in lists are errors).
    fn convert(&self, value: &Value) -> Result<Conv, String> {
        match self {
            Transform::String => match value {
                Value::String(_) => Ok(Conv::Same),
                Value::Number(n) => Ok(Conv::New(Value::String(n.to_string()))),
                Value::Bool(b) => Ok(Conv::New(Value::String(b.to_string()))),
                other => Err(format!("cannot convert {} to a string", kind_of(other))),
            },
            Transform::Integer => to_integer(value),
            Transform::Number => to_number(value),
            Transform::Bool => to_bool(value),
            Transform::Trim => match value {
                Value::String(s) => {
                    let trimmed = s.trim();
                    if trimmed.is_empty() {
                        Ok(Conv::New(Value::Null))
                    } else if trimmed.len() == s.len() {
                        Ok(Conv::Same)
                    } else {
                        Ok(Conv::New(Value::String(trimmed.to_owned())))
                    }
                }
                _ => Ok(Conv::Same),
            },
            Transform::Lowercase => match value {
                Value::String(s) if s.chars().any(char::is_uppercase) => {
                    Ok(Conv::New(Value::String(s.to_lowercase())))
                }
                _ => Ok(Conv::Same),
            },
            Transform::Date => match value {
                _ if blank(value) => Ok(Conv::New(Value::Null)),
                Value::String(s) if time::is_canonical_date(s) => Ok(Conv::Same),
                Value::String(s) if s.len() == 8 && s.bytes().all(|b| b == b'0') => {
                    Ok(Conv::New(Value::Null))
                }
                Value::String(s) => match time::parse_date(s) {
                    Some(d) => Ok(Conv::New(Value::String(time::format_date(d)))),
                    None => Err(format!("cannot read {} as a date", preview(value))),
                },
                other => Err(format!(
                    "cannot read {} as a date (convert epoch numbers with a timestamp transform first)",
                    kind_of(other)
                )),
            },
            Transform::Timestamp {
                format,
                zero_is_null,
            } => {
                if blank(value) || (*zero_is_null && time::is_zero(value)) {
                    return Ok(Conv::New(Value::Null));
                }
                let parsed = match (format, value) {
                    (TimestampFormat::Iso8601, Value::String(s)) => time::parse_iso(s),
                    (TimestampFormat::OdataDate, Value::String(s)) => time::parse_odata(s),
                    (TimestampFormat::EpochS, v) => time::parse_epoch(v, 1),
                    (TimestampFormat::EpochMs, v) => time::parse_epoch(v, 1000),
                    (TimestampFormat::Custom(f), Value::String(s)) => f.parse(s),
                    (TimestampFormat::Custom(f), Value::Number(n)) => f.parse(&n.to_string()),
                    (_, other) => {
                        return Err(format!(
                            "cannot read {} with {}",
                            kind_of(other),
                            self.describe()
                        ));
                    }
                };
                match parsed {
                    Some(dt) => Ok(Conv::New(Value::String(time::format_utc(&dt)))),
                    None => Err(format!(
                        "cannot read {} with {}",
                        preview(value),
                        self.describe()
                    )),
                }
            }
            Transform::Enum(e) => {
                let found = match value {
                    Value::String(s) => e.map.get(s.as_str()),
                    Value::Number(n) => e.map.get(n.to_string().as_str()),
                    Value::Bool(b) => e.map.get(if *b { "true" } else { "false" }),
                    other => {
                        return Err(format!("cannot look up {} in the enum map", kind_of(other)));
                    }
                };
                match (found, &e.default) {
                    (Some(v), _) => Ok(Conv::New(v.clone())),
                    (None, Some(d)) => Ok(Conv::New(d.clone())),
                    (None, None) => Err(format!("{} is not in the enum map", preview(value))),
                }
            }
            Transform::Default(_) => Ok(Conv::Same),
        }
    }
}

fn to_integer(value: &Value) -> Result<Conv, String> {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Conv::Same),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Conv::New(Value::from(f as i64))),
            _ => Err(format!("{n} is not a whole number")),
        },
        _ if blank(value) => Ok(Conv::New(Value::Null)),
        Value::String(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Conv::New(Value::from(i)));
            }
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    Ok(Conv::New(Value::from(f as i64)))
                }
                _ => Err(format!("cannot convert {} to an integer", preview(value))),
            }
        }
        other => Err(format!("cannot convert {} to an integer", kind_of(other))),
    }
}

fn to_number(value: &Value) -> Result<Conv, String> {
    match value {
        Value::Number(_) => Ok(Conv::Same),
        _ if blank(value) => Ok(Conv::New(Value::Null)),
        Value::String(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Conv::New(Value::from(i)));
            }
            match t.parse::<f64>().ok().and_then(Number::from_f64) {
                Some(n) => Ok(Conv::New(Value::Number(n))),
                None => Err(format!("cannot convert {} to a number", preview(value))),
            }
        }
        other => Err(format!("cannot convert {} to a number", kind_of(other))),
    }
}

fn to_bool(value: &Value) -> Result<Conv, String> {
    match value {
        Value::Bool(_) => Ok(Conv::Same),
        Value::Number(n) if n.as_f64() == Some(0.0) => Ok(Conv::New(Value::Bool(false))),
        Value::Number(n) if n.as_f64() == Some(1.0) => Ok(Conv::New(Value::Bool(true))),
        _ if blank(value) => Ok(Conv::New(Value::Null)),
        Value::String(s) => {
            let t = s.trim();
            const TRUE: &[&str] = &["true", "t", "yes", "y", "1", "on", "x"];
            const FALSE: &[&str] = &["false", "f", "no", "n", "0", "off"];
            if TRUE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
                Ok(Conv::New(Value::Bool(true)))
            } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
                Ok(Conv::New(Value::Bool(false)))
            } else {
                Err(format!("cannot convert {} to a boolean", preview(value)))
            }
        }
        other => Err(format!("cannot convert {} to a boolean", preview(other))),
    }
}

// ---------------------------------------------------------------------------------------------
// Static types, for the compile-time type check.

/// What a value may be at some point of a rule's pipeline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    /// Raw source data: anything.
    Any,
    Str,
    Int,
    Num,
    Bool,
    /// A unified timestamp string.
    Timestamp,
    /// A `YYYY-MM-DD` string.
    Date,
    /// A known constant (from `const`, an enum map or a default); never a list (constant lists
    /// are split into their elements).
    Const(Value),
}

impl Ty {
    /// The general type of a constant.
    fn general(&self) -> Ty {
        match self {
            Ty::Const(Value::String(_)) => Ty::Str,
            Ty::Const(Value::Number(n)) if n.is_i64() || n.is_u64() => Ty::Int,
            Ty::Const(Value::Number(_)) => Ty::Num,
            Ty::Const(Value::Bool(_)) => Ty::Bool,
            other => other.clone(),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Ty::Any => "any value".into(),
            Ty::Str => "text".into(),
            Ty::Int => "an integer".into(),
            Ty::Num => "a number".into(),
            Ty::Bool => "a boolean".into(),
            Ty::Timestamp => "a timestamp".into(),
            Ty::Date => "a date".into(),
            Ty::Const(v) => format!("the constant {}", preview(v)),
        }
    }
}

/// Adds the types a constant contributes; a constant list contributes its elements and
/// sets `list`.
pub(crate) fn const_types(value: &Value, list: &mut bool, out: &mut Vec<Ty>) {
    match value {
        Value::Array(items) => {
            *list = true;
            for item in items {
                push_unique(out, Ty::Const(item.clone()));
            }
        }
        other => push_unique(out, Ty::Const(other.clone())),
    }
}

pub(crate) fn push_unique(out: &mut Vec<Ty>, ty: Ty) {
    if !out.contains(&ty) {
        out.push(ty);
    }
}

impl Transform {
    /// The types this transform can output for an input type; `Err` when the input can never
    /// convert. `Default` is handled by the caller (it needs the list flag).
    pub(crate) fn output_types(&self, input: &Ty, out: &mut Vec<Ty>) -> Result<(), String> {
        if matches!(input, Ty::Const(Value::Null)) {
            push_unique(out, input.clone());
            return Ok(());
        }
        let general = input.general();
        let object = matches!(input, Ty::Const(Value::Object(_)));
        let refuse = |what: &str| -> Result<(), String> {
            Err(format!("{} cannot convert {}", self.describe(), what))
        };
        let ty = match self {
            Transform::String => {
                if object {
                    return refuse("an object");
                }
                Ty::Str
            }
            Transform::Integer | Transform::Number => {
                if object || matches!(general, Ty::Bool | Ty::Timestamp | Ty::Date) {
                    return refuse(&input.describe());
                }
                if matches!(self, Transform::Integer) {
                    Ty::Int
                } else {
                    Ty::Num
                }
            }
            Transform::Bool => {
                if object || matches!(general, Ty::Timestamp | Ty::Date) {
                    return refuse(&input.describe());
                }
                Ty::Bool
            }
            Transform::Trim => match input {
                Ty::Const(Value::String(s)) if s.trim().is_empty() => Ty::Const(Value::Null),
                Ty::Const(Value::String(s)) => Ty::Const(Value::String(s.trim().to_owned())),
                // Text operations on raw data say "this is text".
                Ty::Any => Ty::Str,
                other => other.clone(),
            },
            Transform::Lowercase => match input {
                Ty::Const(Value::String(s)) => Ty::Const(Value::String(s.to_lowercase())),
                Ty::Timestamp | Ty::Any => Ty::Str,
                other => other.clone(),
            },
            Transform::Date => {
                if object || matches!(general, Ty::Int | Ty::Num | Ty::Bool) {
                    return Err(format!(
                        "\"date\" cannot read {} (convert epoch numbers with {{\"timestamp\": \"epoch_s\"}} first)",
                        input.describe()
                    ));
                }
                Ty::Date
            }
            Transform::Timestamp { format, .. } => {
                let bad = object
                    || match format {
                        TimestampFormat::Iso8601 | TimestampFormat::OdataDate => {
                            matches!(general, Ty::Int | Ty::Num | Ty::Bool)
                        }
                        TimestampFormat::EpochS | TimestampFormat::EpochMs => {
                            matches!(general, Ty::Bool | Ty::Timestamp | Ty::Date)
                        }
                        TimestampFormat::Custom(_) => {
                            matches!(general, Ty::Bool | Ty::Timestamp)
                        }
                    };
                if bad {
                    return refuse(&input.describe());
                }
                Ty::Timestamp
            }
            Transform::Enum(e) => {
                if object {
                    return refuse("an object");
                }
                for v in e.map.values() {
                    push_unique(out, Ty::Const(v.clone()));
                }
                match &e.default {
                    Some(d) => push_unique(out, Ty::Const(d.clone())),
                    None => push_unique(out, Ty::Const(Value::Null)),
                }
                return Ok(());
            }
            Transform::Default(_) => unreachable!("handled by the caller"),
        };
        push_unique(out, ty);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(spec: Value) -> Vec<Transform> {
        parse_transforms(&spec).unwrap_or_else(|e| panic!("{spec}: {e:?}"))
    }

    /// Applies a transform chain; returns the value and the warning reasons.
    fn run(spec: Value, input: Value) -> (Value, Vec<String>) {
        let transforms = t(spec);
        let mut warnings = Vec::new();
        let mut sink = Sink {
            field: "f",
            out: &mut warnings,
        };
        let mut v = Cow::Owned(input);
        for tr in &transforms {
            v = tr.apply(v, &mut sink);
        }
        (
            v.into_owned(),
            warnings.into_iter().map(|w| w.reason).collect(),
        )
    }

    fn ok(spec: Value, input: Value) -> Value {
        let (v, w) = run(spec.clone(), input.clone());
        assert!(w.is_empty(), "{spec} on {input}: {w:?}");
        v
    }

    fn fails(spec: Value, input: Value) -> String {
        let (v, w) = run(spec.clone(), input.clone());
        assert_eq!(v, Value::Null, "{spec} on {input}");
        assert_eq!(w.len(), 1, "{spec} on {input}: {w:?}");
        w[0].clone()
    }

    #[test]
    fn string() {
        assert_eq!(ok(json!("string"), json!(42)), json!("42"));
        assert_eq!(ok(json!("string"), json!(2.5)), json!("2.5"));
        assert_eq!(ok(json!("string"), json!(true)), json!("true"));
        assert_eq!(ok(json!("string"), json!("x")), json!("x"));
        assert_eq!(ok(json!("string"), json!(null)), json!(null));
        assert!(fails(json!("string"), json!({"a": 1})).contains("an object"));
    }

    #[test]
    fn integer() {
        assert_eq!(ok(json!("integer"), json!(3)), json!(3));
        assert_eq!(ok(json!("integer"), json!(3.0)), json!(3));
        assert_eq!(ok(json!("integer"), json!(" 42 ")), json!(42));
        assert_eq!(ok(json!("integer"), json!("7.0")), json!(7));
        assert_eq!(ok(json!("integer"), json!("")), json!(null));
        assert!(fails(json!("integer"), json!(3.5)).contains("not a whole number"));
        assert!(
            fails(json!("integer"), json!("abc")).contains("cannot convert \"abc\" to an integer")
        );
        assert!(fails(json!("integer"), json!(true)).contains("a boolean"));
    }

    #[test]
    fn number() {
        assert_eq!(ok(json!("number"), json!(2.5)), json!(2.5));
        assert_eq!(ok(json!("number"), json!("2.50")), json!(2.5));
        assert_eq!(ok(json!("number"), json!("12")), json!(12));
        assert_eq!(ok(json!("number"), json!("  ")), json!(null));
        assert!(fails(json!("number"), json!("12 EUR")).contains("to a number"));
        assert!(fails(json!("number"), json!("NaN")).contains("to a number"));
        assert!(fails(json!("number"), json!(true)).contains("a boolean"));
    }

    #[test]
    fn bool() {
        for (input, want) in [
            (json!(true), true),
            (json!("TRUE"), true),
            (json!("yes"), true),
            (json!("Y"), true),
            (json!("1"), true),
            (json!(1), true),
            (json!("X"), true),
            (json!("on"), true),
            (json!("false"), false),
            (json!("No"), false),
            (json!(0), false),
            (json!("0"), false),
            (json!("off"), false),
        ] {
            assert_eq!(ok(json!("bool"), input.clone()), json!(want), "{input}");
        }
        assert_eq!(ok(json!("bool"), json!("")), json!(null));
        assert!(fails(json!("bool"), json!("maybe")).contains("to a boolean"));
        assert!(fails(json!("bool"), json!(2)).contains("to a boolean"));
    }

    #[test]
    fn trim_and_lowercase() {
        assert_eq!(ok(json!("trim"), json!("  PUMP 1 ")), json!("PUMP 1"));
        assert_eq!(ok(json!("trim"), json!("   ")), json!(null));
        assert_eq!(ok(json!("trim"), json!(5)), json!(5));
        assert_eq!(
            ok(json!("lowercase"), json!("In Progress")),
            json!("in progress")
        );
        assert_eq!(ok(json!("lowercase"), json!("ÉTÉ")), json!("été"));
        assert_eq!(ok(json!("lowercase"), json!(5)), json!(5));
        assert_eq!(
            ok(json!(["trim", "lowercase"]), json!(" OPEN ")),
            json!("open")
        );
    }

    #[test]
    fn date() {
        assert_eq!(ok(json!("date"), json!("2026-01-31")), json!("2026-01-31"));
        assert_eq!(
            ok(json!("date"), json!("2026-01-31T08:00:00.000Z")),
            json!("2026-01-31")
        );
        assert_eq!(ok(json!("date"), json!("20260131")), json!("2026-01-31"));
        assert_eq!(ok(json!("date"), json!("00000000")), json!(null));
        assert_eq!(
            ok(json!("date"), json!("/Date(1492041600000)/")),
            json!("2017-04-13")
        );
        assert_eq!(ok(json!("date"), json!("")), json!(null));
        assert!(fails(json!("date"), json!("31/01/2026")).contains("as a date"));
        assert!(fails(json!("date"), json!(1769846400)).contains("timestamp transform first"));
        assert_eq!(
            ok(json!([{"timestamp": "epoch_s"}, "date"]), json!(1769846400)),
            json!("2026-01-31")
        );
    }

    #[test]
    fn timestamps() {
        let iso = json!({"timestamp": "iso8601"});
        assert_eq!(
            ok(iso.clone(), json!("2022-01-01T00:00:00.000Z")),
            json!("2022-01-01T00:00:00Z")
        );
        assert_eq!(
            ok(iso.clone(), json!("2026-01-31T09:00:00.5+01:00")),
            json!("2026-01-31T08:00:00.500Z")
        );
        assert_eq!(ok(iso.clone(), json!("")), json!(null));
        assert!(
            fails(iso.clone(), json!("31.01.2026"))
                .contains("cannot read \"31.01.2026\" with {\"timestamp\": \"iso8601\"}")
        );
        assert!(fails(iso.clone(), json!(1769846400)).contains("cannot read a number"));

        let s = json!({"timestamp": "epoch_s"});
        assert_eq!(
            ok(s.clone(), json!(1769846400)),
            json!("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            ok(s.clone(), json!("1769846400")),
            json!("2026-01-31T08:00:00Z")
        );
        assert_eq!(ok(s.clone(), json!(0)), json!("1970-01-01T00:00:00Z"));
        assert_eq!(
            ok(
                json!({"timestamp": "epoch_s", "zero_is_null": true}),
                json!(0)
            ),
            json!(null)
        );
        assert!(fails(s, json!("later")).contains("epoch_s"));

        let ms = json!({"timestamp": "epoch_ms", "zero_is_null": true});
        assert_eq!(
            ok(ms.clone(), json!(1769846400123i64)),
            json!("2026-01-31T08:00:00.123Z")
        );
        assert_eq!(ok(ms.clone(), json!("0")), json!(null));

        let od = json!({"timestamp": "odata_date"});
        assert_eq!(
            ok(od.clone(), json!("/Date(1492041600000)/")),
            json!("2017-04-13T00:00:00Z")
        );
        assert_eq!(
            ok(od.clone(), json!("/Date(1492041600000+0000)/")),
            json!("2017-04-13T00:00:00Z")
        );
        assert_eq!(
            ok(od.clone(), json!("/Date(0)/")),
            json!("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            ok(
                json!({"timestamp": "odata_date", "zero_is_null": true}),
                json!("/Date(0)/")
            ),
            json!(null)
        );
        assert!(fails(od, json!("2017-04-13")).contains("odata_date"));

        let f = json!({"timestamp_format": "%d.%m.%Y %H:%M", "zero_is_null": true});
        assert_eq!(
            ok(f.clone(), json!("31.01.2026 08:00")),
            json!("2026-01-31T08:00:00Z")
        );
        assert_eq!(ok(f.clone(), json!("00.00.0000 00:00")), json!(null));
        assert!(fails(f, json!("2026-01-31")).contains("timestamp_format"));
        assert_eq!(
            ok(json!({"timestamp_format": "%Y%m%d"}), json!(20260131)),
            json!("2026-01-31T00:00:00Z")
        );
    }

    #[test]
    fn enums() {
        let e = json!({"enum": {"OPEN": "open", "DONE": "completed", "3": "high", "true": "urgent", "SKIPPED": null}});
        assert_eq!(ok(e.clone(), json!("OPEN")), json!("open"));
        assert_eq!(
            ok(e.clone(), json!(3)),
            json!("high"),
            "numbers match as strings"
        );
        assert_eq!(ok(e.clone(), json!(true)), json!("urgent"));
        assert_eq!(
            ok(e.clone(), json!("SKIPPED")),
            json!(null),
            "explicit null, no warning"
        );
        assert_eq!(ok(e.clone(), json!(null)), json!(null));
        assert!(
            fails(e.clone(), json!("open")).contains("\"open\" is not in the enum map"),
            "case-sensitive"
        );
        let d = json!({"enum": {"OPEN": "open"}, "default": "on_hold"});
        assert_eq!(ok(d.clone(), json!("WEIRD")), json!("on_hold"));
        assert_eq!(
            ok(d, json!(null)),
            json!(null),
            "the enum default is for unmatched values"
        );
        assert_eq!(
            ok(
                json!(["lowercase", {"enum": {"open": "open"}}]),
                json!("OPEN")
            ),
            json!("open")
        );
    }

    #[test]
    fn default() {
        assert_eq!(ok(json!({"default": "none"}), json!(null)), json!("none"));
        assert_eq!(ok(json!({"default": "none"}), json!("low")), json!("low"));
        assert_eq!(ok(json!({"default": []}), json!(null)), json!([]));
        // A failed conversion followed by a default: the default, and the warning stays.
        let (v, w) = run(json!(["integer", {"default": 0}]), json!("x"));
        assert_eq!(v, json!(0));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn lists_are_transformed_element_by_element() {
        assert_eq!(
            ok(json!("string"), json!([1, "2", null])),
            json!(["1", "2", null])
        );
        let (v, w) = run(json!("integer"), json!(["1", "x", 3]));
        assert_eq!(v, json!([1, null, 3]));
        assert_eq!(w, ["element 1: cannot convert \"x\" to an integer"]);
        assert_eq!(ok(json!({"default": ["a"]}), json!([])), json!([]));
        let (v, w) = run(json!("string"), json!([[1]]));
        assert_eq!(v, json!([null]));
        assert!(w[0].contains("a list"));
    }

    #[test]
    fn parse_errors() {
        let err = |v: Value| parse_transforms(&v).unwrap_err();
        assert_eq!(err(json!("uppercase")).0, "unknown_transform");
        assert!(err(json!("uppercase")).1.contains("known: \"string\""));
        assert!(
            err(json!("timestamp"))
                .1
                .contains("{\"timestamp\": \"iso8601\"}")
        );
        assert!(err(json!("enum")).1.contains("needs an object"));
        assert_eq!(err(json!({"timestamp": "unix"})).0, "invalid_transform");
        assert_eq!(
            err(json!({"timestamp": "epoch_s", "zero_is_null": "yes"})).0,
            "invalid_transform"
        );
        assert_eq!(
            err(json!({"timestamp": "epoch_s", "tz": "UTC"})).0,
            "invalid_transform"
        );
        assert_eq!(err(json!({"timestamp_format": "%Q"})).0, "invalid_format");
        assert_eq!(
            err(json!({"timestamp_format": "%H:%M"})).0,
            "invalid_format"
        );
        assert_eq!(err(json!({"timestamp_format": 5})).0, "invalid_transform");
        assert_eq!(err(json!({"enum": []})).0, "invalid_transform");
        assert_eq!(err(json!({"enum": {}})).0, "invalid_transform");
        assert_eq!(err(json!({"enum": {"a": ["x"]}})).0, "invalid_transform");
        assert_eq!(
            err(json!({"enum": {"a": "x"}, "default": {}})).0,
            "invalid_transform"
        );
        assert_eq!(
            err(json!({"enum": {"a": "x"}, "fallback": "y"})).0,
            "invalid_transform"
        );
        assert_eq!(err(json!({"default": 1, "x": 2})).0, "invalid_transform");
        assert_eq!(err(json!({"map": {}})).0, "unknown_transform");
        assert_eq!(err(json!(5)).0, "invalid_transform");
        assert!(
            err(json!(["trim", "bogus"]))
                .1
                .starts_with("transform 1 of the list")
        );
        assert!(err(json!([["trim"]])).1.contains("itself a list"));
        assert!(parse_transforms(&json!([])).unwrap().is_empty());
    }

    #[test]
    fn enum_inverse_keeps_first_key_in_rule_order() {
        let ts = t(
            json!({"enum": {"DONE": "completed", "CLOSED": "completed", "OPEN": "open", "X": null}}),
        );
        let Transform::Enum(e) = &ts[0] else { panic!() };
        assert_eq!(
            e.inverse,
            vec![
                (json!("completed"), "DONE".to_owned()),
                (json!("open"), "OPEN".to_owned())
            ]
        );
    }
}
