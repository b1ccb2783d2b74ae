//! Reverse mapping of custom fields for writes.

use serde_json::{Map, Value};

use crate::error::RuleError;
use crate::pointer::{Pointer, escape};
use crate::rules::{Rule, Target};
use crate::source::Source;
use crate::time;
use crate::transform::{TimestampFormat, Transform};
use crate::{Effective, Mapping};

impl Mapping {
    /// Turns the `custom_fields` of a unified write into a source-shaped JSON object patch
    /// (nested objects built from the pointer path; `null` values are kept, meaning "clear").
    ///
    /// A custom field with its own rule needs a reversible rule (a single pointer without
    /// `*`; transforms among `trim`, `default`, `enum`, `date`, timestamps). A custom field
    /// without its own rule goes into the object of the last `custom_fields_from` rule (a
    /// single pointer). Errors name the field: `not_reversible`, `unknown_custom_field`,
    /// `invalid_value` (e.g. not a timestamp, or no enum key for the value),
    /// `conflicting_paths` (two fields writing the same place).
    pub fn reverse_custom_fields(
        &self,
        custom_fields: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Vec<RuleError>> {
        let mut out = Map::new();
        let mut errors = Vec::new();
        for (position, (name, value)) in custom_fields.iter().enumerate() {
            let label = format!("custom_fields.{name}");
            let own = self
                .custom
                .iter()
                .find(|e| matches!(&e.rule.target, Target::Custom(n) if n == name));
            let result = match own {
                Some(effective) => reverse_rule(&effective.rule, value.clone()),
                None => match self.spreads.last() {
                    Some(spread) => spread_path(spread, name).map(|path| (path, value.clone())),
                    None => Err(RuleError::new(
                        position,
                        Some(&label),
                        "unknown_custom_field",
                        format!(
                            "custom field {name:?} has no mapping rule for {} and there is no \
                             custom_fields_from rule to write it into",
                            self.entity.name()
                        ),
                    )),
                },
            };
            match result {
                Ok((path, value)) => {
                    if let Err(message) = set_path(&mut out, &path, value) {
                        let index = own.map_or(position, |e| e.rule.index);
                        errors.push(RuleError::new(
                            index,
                            Some(&label),
                            "conflicting_paths",
                            message,
                        ));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

fn not_reversible(rule: &Rule, why: String) -> RuleError {
    RuleError::new(
        rule.index,
        Some(&rule.label),
        "not_reversible",
        format!("{} cannot be written: {why}", rule.label),
    )
}

fn plain_pointer(rule: &Rule) -> Result<&Pointer, RuleError> {
    match &rule.source {
        Source::Pointer(p) if !p.has_wildcard() => Ok(p),
        Source::Pointer(_) => Err(not_reversible(
            rule,
            "its source maps over a list (\"*\")".into(),
        )),
        Source::FirstOf(_) => Err(not_reversible(
            rule,
            "its source is a list of pointers".into(),
        )),
        Source::Const(_) => Err(not_reversible(rule, "its source is a constant".into())),
        Source::Template(_) => Err(not_reversible(rule, "its source is a template".into())),
    }
}

fn keys(pointer: &Pointer) -> Vec<String> {
    pointer
        .tokens()
        .iter()
        .map(|t| t.key().to_owned())
        .collect()
}

fn spread_path(spread: &Effective, name: &str) -> Result<Vec<String>, RuleError> {
    let rule = &spread.rule;
    let pointer = plain_pointer(rule).map_err(|_| {
        RuleError::new(
            rule.index,
            Some(&format!("custom_fields.{name}")),
            "not_reversible",
            format!(
                "custom field {name:?} cannot be written: the custom_fields_from rule reads a \
                 list of pointers, so the object to write into is ambiguous"
            ),
        )
    })?;
    let mut path = keys(pointer);
    path.push(name.to_owned());
    Ok(path)
}

fn reverse_rule(rule: &Rule, value: Value) -> Result<(Vec<String>, Value), RuleError> {
    let pointer = plain_pointer(rule)?;
    for t in &rule.transforms {
        if !matches!(
            t,
            Transform::Trim
                | Transform::Default(_)
                | Transform::Enum(_)
                | Transform::Date
                | Transform::Timestamp { .. }
        ) {
            return Err(not_reversible(
                rule,
                format!(
                    "its rule uses the {} transform, which is not reversible",
                    t.describe()
                ),
            ));
        }
    }
    let mut value = value;
    for t in rule.transforms.iter().rev() {
        value = invert(t, value).map_err(|message| {
            RuleError::new(rule.index, Some(&rule.label), "invalid_value", message)
        })?;
    }
    Ok((keys(pointer), value))
}

/// The source value for a unified value, for one reversible transform.
fn invert(transform: &Transform, value: Value) -> Result<Value, String> {
    if value.is_null() {
        return Ok(value);
    }
    match transform {
        Transform::Trim | Transform::Default(_) => Ok(value),
        Transform::Enum(e) => e
            .inverse
            .iter()
            .find(|(unified, _)| *unified == value)
            .map(|(_, key)| Value::String(key.clone()))
            .ok_or_else(|| format!("{value} has no source value in the enum map")),
        Transform::Date => match &value {
            Value::String(s) if time::is_canonical_date(s) => Ok(value),
            other => Err(format!("expected a date (YYYY-MM-DD), got {other}")),
        },
        Transform::Timestamp { format, .. } => {
            let dt = value
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&chrono::Utc))
                .ok_or_else(|| format!("expected an RFC 3339 timestamp, got {value}"))?;
            Ok(match format {
                TimestampFormat::Iso8601 => Value::String(time::format_utc(&dt)),
                TimestampFormat::EpochS => Value::from(dt.timestamp()),
                TimestampFormat::EpochMs => Value::from(dt.timestamp_millis()),
                TimestampFormat::OdataDate => Value::String(time::format_odata(&dt)),
                TimestampFormat::Custom(f) => Value::String(
                    f.format(&dt)
                        .ok_or_else(|| format!("cannot format {value} with {}", f.text()))?,
                ),
            })
        }
        other => Err(format!(
            "the {} transform is not reversible",
            other.describe()
        )),
    }
}

/// Sets `value` at `path` in `root`, creating objects on the way.
fn set_path(root: &mut Map<String, Value>, path: &[String], value: Value) -> Result<(), String> {
    let (last, parents) = path.split_last().expect("a pointer has at least one token");
    let mut current = root;
    for (depth, key) in parents.iter().enumerate() {
        let entry = current
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        current = match entry {
            Value::Object(map) => map,
            _ => {
                return Err(format!(
                    "another custom field already writes a value at {}",
                    pointer_text(&path[..=depth])
                ));
            }
        };
    }
    if current.contains_key(last) {
        return Err(format!(
            "another custom field already writes {}",
            pointer_text(path)
        ));
    }
    current.insert(last.clone(), value);
    Ok(())
}

fn pointer_text(path: &[String]) -> String {
    path.iter().map(|k| format!("/{}", escape(k))).collect()
}
