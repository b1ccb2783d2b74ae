//! Parsing and validation of rule sets: everything is checked and pre-compiled here, once, so
//! that applying a rule to a record does no parsing.

use std::sync::Arc;

use millwright_model::{Entity, FieldKind, FieldSpec};
use serde_json::Value;

use crate::error::RuleError;
use crate::source::Source;
use crate::time;
use crate::transform::{Transform, Ty, const_types, parse_transforms, push_unique};

/// What a rule fills.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A unified field of the entity.
    Field(&'static FieldSpec),
    /// `{"custom_field": name}`.
    Custom(String),
    /// `{"custom_fields_from": source}`: every key of a source object becomes a custom field.
    Spread,
}

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    /// Position in its rule set.
    pub(crate) index: usize,
    /// The rule as written (for the mapping view).
    pub(crate) json: Value,
    pub(crate) target: Target,
    /// `status`, `custom_fields.<name>`, `custom_fields.*`: used in warnings and errors.
    pub(crate) label: String,
    pub(crate) source: Source,
    pub(crate) transforms: Vec<Transform>,
    /// The target field's kind (`Json` for custom fields).
    pub(crate) kind: FieldKind,
}

/// A compiled, validated rule set for one entity. Cheap to clone (rules are shared).
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) entity: Entity,
    pub(crate) rules: Vec<Arc<Rule>>,
}

impl RuleSet {
    /// A rule set with no rules (every field `null`).
    pub fn empty(entity: Entity) -> RuleSet {
        RuleSet {
            entity,
            rules: Vec::new(),
        }
    }

    pub fn entity(&self) -> Entity {
        self.entity
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules as written (a JSON array), e.g. to store them.
    pub fn to_json(&self) -> Value {
        Value::Array(self.rules.iter().map(|r| r.json.clone()).collect())
    }
}

/// Targets a rule cannot name, with the reason.
fn reserved(name: &str) -> Option<&'static str> {
    match name {
        "id" => Some("id is the source record's id, set by the connector"),
        "deleted" => {
            Some("deleted comes from the source record's deleted flag (deleted_at may be mapped)")
        }
        "custom_fields" => Some(
            "map custom fields with {\"custom_field\": \"<name>\"} or {\"custom_fields_from\": \"/pointer\"}",
        ),
        "remote_data" => Some("remote_data is the source record itself, added by the host"),
        "mapping_warnings" => Some("mapping_warnings is filled by the engine"),
        _ => None,
    }
}

/// Compiles a rule set for `entity`: the JSON array of rules of the design's rule language.
/// Reports every problem found, each naming its rule.
pub fn compile(entity: Entity, rules_json: &Value) -> Result<RuleSet, Vec<RuleError>> {
    let Some(items) = rules_json.as_array() else {
        return Err(vec![RuleError::new(
            0,
            None,
            "not_an_array",
            format!(
                "a rule set must be a JSON array of rules, got {}",
                short(rules_json)
            ),
        )]);
    };
    let mut errors = Vec::new();
    let mut rules: Vec<Arc<Rule>> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match compile_rule(entity, index, item) {
            Ok(rule) => {
                let duplicate = rules.iter().find(|r| match (&r.target, &rule.target) {
                    (Target::Field(a), Target::Field(b)) => a.name == b.name,
                    (Target::Custom(a), Target::Custom(b)) => a == b,
                    _ => false,
                });
                if let Some(first) = duplicate {
                    errors.push(RuleError::new(
                        index,
                        Some(&rule.label),
                        "duplicate_target",
                        format!(
                            "{} is already mapped by rule {}; a rule set maps each target once",
                            rule.label, first.index
                        ),
                    ));
                } else {
                    rules.push(Arc::new(rule));
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(RuleSet { entity, rules })
    } else {
        Err(errors)
    }
}

/// [`compile`] from JSON text (as connectors' `describe` returns it).
pub fn compile_str(entity: Entity, rules_json: &str) -> Result<RuleSet, Vec<RuleError>> {
    let value: Value = serde_json::from_str(rules_json).map_err(|e| {
        vec![RuleError::new(
            0,
            None,
            "invalid_json",
            format!("the rule set is not valid JSON: {e}"),
        )]
    })?;
    compile(entity, &value)
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 80 {
        format!("{}...", &text[..text.floor_char_boundary(77)])
    } else {
        text
    }
}

fn compile_rule(entity: Entity, index: usize, item: &Value) -> Result<Rule, Vec<RuleError>> {
    let err = |target: Option<&str>, code: &'static str, message: String| {
        vec![RuleError::new(index, target, code, message)]
    };
    let Some(object) = item.as_object() else {
        return Err(err(
            None,
            "not_an_object",
            format!(
                "a rule is an object {{\"target\", \"source\", \"transform\"}}, got {}",
                short(item)
            ),
        ));
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if !matches!(key.as_str(), "target" | "source" | "transform") {
            errors.push(RuleError::new(
                index,
                None,
                "unknown_key",
                format!(
                    "unknown key {key:?} (a rule has \"target\", \"source\" and \"transform\")"
                ),
            ));
        }
    }
    let Some(target_json) = object.get("target") else {
        errors.push(RuleError::new(
            index,
            None,
            "missing_target",
            "the rule has no \"target\"",
        ));
        return Err(errors);
    };

    // Target (and, for a spread, its source).
    let (target, label, kind, spread_source) = match parse_target(entity, target_json) {
        Ok(t) => t,
        Err((code, message)) => {
            errors.push(RuleError::new(index, None, code, message));
            return Err(errors);
        }
    };
    let label_ref = Some(label.as_str());

    let source = match (&target, spread_source, object.get("source")) {
        (Target::Spread, Some(source), None) => Some(source),
        (Target::Spread, _, Some(_)) => {
            errors.push(RuleError::new(
                index,
                label_ref,
                "source_not_allowed",
                "a custom_fields_from rule names its source inside the target; omit \"source\"",
            ));
            None
        }
        (Target::Spread, None, None) => unreachable!("a spread target carries its source"),
        (_, _, None) => {
            errors.push(RuleError::new(
                index,
                label_ref,
                "missing_source",
                "the rule has no \"source\"",
            ));
            None
        }
        (_, _, Some(json)) => match Source::parse(json) {
            Ok(source) => Some(source),
            Err((code, message)) => {
                errors.push(RuleError::new(index, label_ref, code, message));
                None
            }
        },
    };

    let transforms = match (object.get("transform"), &target) {
        (None | Some(Value::Null), _) => Some(Vec::new()),
        (Some(_), Target::Spread) => {
            errors.push(RuleError::new(
                index,
                label_ref,
                "transform_not_allowed",
                "a custom_fields_from rule copies the object's values as they are; it takes no transform",
            ));
            None
        }
        (Some(json), _) => match parse_transforms(json) {
            Ok(t) => Some(t),
            Err((code, message)) => {
                errors.push(RuleError::new(index, label_ref, code, message));
                None
            }
        },
    };

    let (Some(source), Some(transforms)) = (source, transforms) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let rule = Rule {
        index,
        json: item.clone(),
        target,
        label,
        source,
        transforms,
        kind,
    };
    if let Err((code, message)) = type_check(&rule) {
        return Err(err(Some(&rule.label), code, message));
    }
    Ok(rule)
}

type Parsed = (Target, String, FieldKind, Option<Source>);

fn parse_target(entity: Entity, json: &Value) -> Result<Parsed, (&'static str, String)> {
    match json {
        Value::String(name) => {
            if let Some(why) = reserved(name) {
                return Err((
                    "reserved_target",
                    format!("{name} cannot be a target: {why}"),
                ));
            }
            match entity.field(name) {
                Some(spec) => Ok((Target::Field(spec), name.clone(), spec.kind, None)),
                None => {
                    let valid: Vec<&str> = entity
                        .fields()
                        .iter()
                        .map(|f| f.name)
                        .filter(|n| reserved(n).is_none() && *n != "remote_data")
                        .collect();
                    Err((
                        "unknown_target",
                        format!(
                            "unknown target {name:?} for {}; valid targets: {}, or {{\"custom_field\": \"<name>\"}}",
                            entity.name(),
                            valid.join(", ")
                        ),
                    ))
                }
            }
        }
        Value::Object(map) if map.len() == 1 && map.contains_key("custom_field") => {
            match &map["custom_field"] {
                Value::String(name) if !name.is_empty() => Ok((
                    Target::Custom(name.clone()),
                    format!("custom_fields.{name}"),
                    FieldKind::Json,
                    None,
                )),
                other => Err((
                    "invalid_target",
                    format!("custom_field must be a non-empty name, got {other}"),
                )),
            }
        }
        Value::Object(map) if map.len() == 1 && map.contains_key("custom_fields_from") => {
            let source = Source::parse(&map["custom_fields_from"])
                .map_err(|(code, message)| (code, format!("custom_fields_from: {message}")))?;
            match &source {
                Source::Pointer(p) if !p.has_wildcard() => {}
                Source::FirstOf(ps) if !ps.iter().any(|p| p.has_wildcard()) => {}
                _ => {
                    return Err((
                        "invalid_source",
                        "custom_fields_from takes a JSON Pointer (or a list of pointers) to an \
                         object, without \"*\""
                            .into(),
                    ));
                }
            }
            Ok((
                Target::Spread,
                "custom_fields.*".into(),
                FieldKind::Json,
                Some(source),
            ))
        }
        other => Err((
            "invalid_target",
            format!(
                "target must be a unified field name, {{\"custom_field\": \"<name>\"}} or \
                 {{\"custom_fields_from\": \"/pointer\"}}, got {}",
                short(other)
            ),
        )),
    }
}

/// Follows the possible types of the value through the transforms and checks them against
/// the target field.
fn type_check(rule: &Rule) -> Result<(), (&'static str, String)> {
    let mut list = rule.source.produces_list();
    let mut types: Vec<Ty> = match &rule.source {
        Source::Const(v) => {
            let mut t = Vec::new();
            const_types(v, &mut list, &mut t);
            t
        }
        Source::Template(_) => vec![Ty::Str],
        Source::Pointer(_) | Source::FirstOf(_) => vec![Ty::Any],
    };
    for (i, transform) in rule.transforms.iter().enumerate() {
        let mut next = Vec::new();
        if let Transform::Default(value) = transform {
            for ty in types.iter().filter(|t| **t != Ty::Const(Value::Null)) {
                push_unique(&mut next, ty.clone());
            }
            const_types(value, &mut list, &mut next);
        } else {
            for ty in &types {
                transform.output_types(ty, &mut next).map_err(|m| {
                    let at = if rule.transforms.len() > 1 {
                        format!("transform {i}: ")
                    } else {
                        String::new()
                    };
                    ("type_mismatch", format!("{at}{m}"))
                })?;
            }
        }
        types = next;
    }
    let Target::Field(spec) = &rule.target else {
        return Ok(());
    };
    if list && !matches!(spec.kind, FieldKind::TextList | FieldKind::Json) {
        return Err((
            "list_into_scalar",
            format!(
                "the rule produces a list (a \"*\" pointer or a constant list) but {} holds a single {}",
                spec.name,
                spec.kind.describe()
            ),
        ));
    }
    for ty in &types {
        check_type(spec, ty)?;
    }
    Ok(())
}

fn check_type(spec: &FieldSpec, ty: &Ty) -> Result<(), (&'static str, String)> {
    use FieldKind as K;
    let name = spec.name;
    let hint = |what: &str| {
        (
            "type_mismatch",
            format!("{name} holds {}: {what}", spec.kind.describe()),
        )
    };
    match (spec.kind, ty) {
        (K::Json, _) | (_, Ty::Const(Value::Null)) => Ok(()),
        (_, Ty::Const(value)) => check_const(spec, value),
        (K::Timestamp, Ty::Timestamp) | (K::Date, Ty::Date) => Ok(()),
        (K::Timestamp, Ty::Any | Ty::Str) => Err(hint(
            "add a timestamp transform, e.g. {\"timestamp\": \"iso8601\"} (or epoch_s, epoch_ms, \
             odata_date, or {\"timestamp_format\": \"...\"})",
        )),
        (K::Date, Ty::Any | Ty::Str | Ty::Timestamp) => Err(hint("add the \"date\" transform")),
        (
            K::Text | K::TextList,
            Ty::Any | Ty::Str | Ty::Int | Ty::Num | Ty::Timestamp | Ty::Date,
        ) => Ok(()),
        (K::Integer | K::Number, Ty::Any | Ty::Int | Ty::Num) => Ok(()),
        (K::Integer, Ty::Str) => Err(hint("add the \"integer\" transform to convert text")),
        (K::Number, Ty::Str) => Err(hint("add the \"number\" transform to convert text")),
        (K::Bool, Ty::Any | Ty::Bool) => Ok(()),
        (K::Bool, Ty::Str) => Err(hint("add the \"bool\" transform to convert text")),
        (K::Enum(_), Ty::Any | Ty::Str) => Ok(()),
        (kind, ty) => Err((
            "type_mismatch",
            format!(
                "{name} holds {} but the rule produces {}",
                kind.describe(),
                ty.describe()
            ),
        )),
    }
}

fn check_const(spec: &FieldSpec, value: &Value) -> Result<(), (&'static str, String)> {
    use FieldKind as K;
    let name = spec.name;
    let ok = match (spec.kind, value) {
        (K::Json, _) => true,
        (K::Text | K::TextList, Value::String(_) | Value::Number(_)) => true,
        (K::Integer, Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        (K::Number, Value::Number(_)) => true,
        (K::Bool, Value::Bool(_)) => true,
        (K::Timestamp, Value::String(s)) => {
            if time::is_canonical_timestamp(s) {
                true
            } else if let Some(dt) = time::parse_iso(s) {
                return Err((
                    "type_mismatch",
                    format!(
                        "the constant {s:?} for {name} must be written as an RFC 3339 UTC \
                         timestamp: {:?}",
                        time::format_utc(&dt)
                    ),
                ));
            } else {
                false
            }
        }
        (K::Date, Value::String(s)) => time::is_canonical_date(s),
        (K::Enum(values), Value::String(s)) if values.contains(&s.as_str()) => true,
        (K::Enum(values), Value::String(s)) => {
            return Err((
                "invalid_enum_value",
                format!(
                    "{s:?} is not a valid {name} value; valid: {}",
                    values.join(", ")
                ),
            ));
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err((
            "type_mismatch",
            format!(
                "{name} holds {} but the rule can produce {}",
                spec.kind.describe(),
                short(value)
            ),
        ))
    }
}

/// Builds `{"target": ..., "source": ..., "transform": ...}` (tests and docs).
#[cfg(test)]
pub(crate) fn rule_json(target: Value, source: Option<Value>, transform: Option<Value>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("target".into(), target);
    if let Some(s) = source {
        m.insert("source".into(), s);
    }
    if let Some(t) = transform {
        m.insert("transform".into(), t);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(entity: Entity, rules: Value) -> Vec<RuleError> {
        compile(entity, &rules).expect_err("should not compile")
    }

    fn one(entity: Entity, rule: Value) -> RuleError {
        let mut e = errors(entity, json!([rule]));
        assert_eq!(e.len(), 1, "{e:?}");
        e.remove(0)
    }

    fn code(rule: Value) -> &'static str {
        one(Entity::WorkOrder, rule).code
    }

    fn compiles(rule: Value) {
        if let Err(e) = compile(Entity::WorkOrder, &json!([rule])) {
            panic!("{rule}: {e:?}");
        }
    }

    #[test]
    fn shape_errors() {
        let e = errors(Entity::WorkOrder, json!({"target": "title"}));
        assert_eq!((e[0].index, e[0].code), (0, "not_an_array"));
        assert_eq!(code(json!("title")), "not_an_object");
        assert_eq!(code(json!({"source": "/title"})), "missing_target");
        assert_eq!(code(json!({"target": "title"})), "missing_source");
        let e = errors(
            Entity::WorkOrder,
            json!([{"target": "title", "source": "/t", "transfrom": "trim"}]),
        );
        assert_eq!(e[0].code, "unknown_key");
        assert!(e[0].message.contains("\"transfrom\""));
        assert_eq!(
            compile_str(Entity::WorkOrder, "[{").unwrap_err()[0].code,
            "invalid_json"
        );
        assert_eq!(compile_str(Entity::WorkOrder, "[]").unwrap().len(), 0);
    }

    #[test]
    fn target_errors() {
        let e = one(
            Entity::WorkOrder,
            json!({"target": "colour", "source": "/c"}),
        );
        assert_eq!(e.code, "unknown_target");
        assert!(e.message.contains("unknown target \"colour\" for work_order; valid targets: created_at, updated_at, number"));
        for reserved in [
            "id",
            "deleted",
            "custom_fields",
            "remote_data",
            "mapping_warnings",
        ] {
            assert_eq!(
                code(json!({"target": reserved, "source": "/x"})),
                "reserved_target",
                "{reserved}"
            );
        }
        assert_eq!(
            code(json!({"target": {"custom_field": ""}, "source": "/x"})),
            "invalid_target"
        );
        assert_eq!(
            code(json!({"target": {"custom_field": 5}, "source": "/x"})),
            "invalid_target"
        );
        assert_eq!(
            code(json!({"target": {"field": "x"}, "source": "/x"})),
            "invalid_target"
        );
        assert_eq!(code(json!({"target": 3, "source": "/x"})), "invalid_target");
        // Fields of other entities are unknown here.
        assert_eq!(
            code(json!({"target": "serial_number", "source": "/x"})),
            "unknown_target"
        );
        // Timestamps the connector might know.
        compiles(
            json!({"target": "deleted_at", "source": "/deletedAt", "transform": {"timestamp": "iso8601"}}),
        );
        compiles(
            json!({"target": "created_at", "source": "/createdAt", "transform": {"timestamp": "iso8601"}}),
        );
    }

    #[test]
    fn spread_rules() {
        compiles(json!({"target": {"custom_fields_from": "/extraFields"}}));
        compiles(json!({"target": {"custom_fields_from": ["/extraFields", "/custom"]}}));
        assert_eq!(
            code(json!({"target": {"custom_fields_from": "/extraFields"}, "source": "/x"})),
            "source_not_allowed"
        );
        assert_eq!(
            code(json!({"target": {"custom_fields_from": "/extraFields"}, "transform": "trim"})),
            "transform_not_allowed"
        );
        assert_eq!(
            code(json!({"target": {"custom_fields_from": "/a/*/b"}})),
            "invalid_source"
        );
        assert_eq!(
            code(json!({"target": {"custom_fields_from": {"const": {}}}})),
            "invalid_source"
        );
        assert_eq!(
            code(json!({"target": {"custom_fields_from": "extra"}})),
            "invalid_source"
        );
        assert_eq!(
            code(json!({"target": {"custom_fields_from": "/a~5"}})),
            "invalid_pointer"
        );
        // Several spreads are fine (they accumulate).
        compile(
            Entity::Asset,
            &json!([
                {"target": {"custom_fields_from": "/a"}}, {"target": {"custom_fields_from": "/b"}}
            ]),
        )
        .unwrap();
    }

    #[test]
    fn duplicates() {
        let e = errors(
            Entity::WorkOrder,
            json!([
                {"target": "title", "source": "/a"},
                {"target": "title", "source": "/b"},
                {"target": {"custom_field": "X"}, "source": "/x"},
                {"target": {"custom_field": "X"}, "source": "/y"},
                {"target": {"custom_field": "x"}, "source": "/y"}
            ]),
        );
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].index, e[0].code, e[0].target.as_deref()),
            (1, "duplicate_target", Some("title"))
        );
        assert!(e[0].message.contains("already mapped by rule 0"));
        assert_eq!(
            (e[1].index, e[1].target.as_deref()),
            (3, Some("custom_fields.X"))
        );
    }

    #[test]
    fn every_error_is_reported() {
        let e = errors(
            Entity::WorkOrder,
            json!([
                {"target": "title", "source": "title"},
                {"target": "status", "source": "/s", "transform": "upper"},
                {"target": "nope", "source": "/n"},
                {"target": "priority", "source": "/p", "transform": {"enum": {"1": "critical"}}}
            ]),
        );
        let got: Vec<(usize, &str)> = e.iter().map(|e| (e.index, e.code)).collect();
        assert_eq!(
            got,
            [
                (0, "invalid_source"),
                (1, "unknown_transform"),
                (2, "unknown_target"),
                (3, "invalid_enum_value")
            ]
        );
        assert_eq!(
            e[3].to_string(),
            "rule 3 (priority): \"critical\" is not a valid priority value; valid: none, low, medium, high, urgent"
        );
    }

    #[test]
    fn type_compatibility() {
        // A bool transform into a timestamp.
        let e = one(
            Entity::WorkOrder,
            json!({"target": "due_at", "source": "/d", "transform": "bool"}),
        );
        assert_eq!(e.code, "type_mismatch");
        assert!(
            e.message
                .contains("due_at holds timestamp (RFC 3339) but the rule produces a boolean"),
            "{}",
            e.message
        );
        // A timestamp target needs a timestamp transform.
        let e = one(
            Entity::WorkOrder,
            json!({"target": "due_at", "source": "/d"}),
        );
        assert!(
            e.message.contains("add a timestamp transform"),
            "{}",
            e.message
        );
        assert_eq!(
            code(json!({"target": "due_at", "source": "/d", "transform": "trim"})),
            "type_mismatch"
        );
        compiles(
            json!({"target": "due_at", "source": "/d", "transform": {"timestamp": "iso8601"}}),
        );
        compiles(
            json!({"target": "due_at", "source": "/d", "transform": [{"timestamp_format": "%d.%m.%Y"}, {"default": "2026-01-01T00:00:00Z"}]}),
        );
        compiles(json!({"target": "due_at", "source": {"const": "2026-01-31T08:00:00Z"}}));
        compiles(json!({"target": "due_at", "source": {"const": null}}));
        let e = one(
            Entity::WorkOrder,
            json!({"target": "due_at", "source": {"const": "2026-01-31T09:00:00+01:00"}}),
        );
        assert!(
            e.message.contains("\"2026-01-31T08:00:00Z\""),
            "{}",
            e.message
        );
        assert_eq!(
            code(json!({"target": "due_at", "source": {"const": "tomorrow"}})),
            "type_mismatch"
        );
        assert_eq!(
            code(
                json!({"target": "due_at", "source": "/d", "transform": [{"timestamp": "iso8601"}, {"default": "soon"}]})
            ),
            "type_mismatch"
        );
        // A transform that cannot read its input.
        let e = one(
            Entity::WorkOrder,
            json!({"target": "due_at", "source": "/d", "transform": ["integer", {"timestamp": "iso8601"}]}),
        );
        assert_eq!(
            e.message,
            "transform 1: {\"timestamp\": \"iso8601\"} cannot convert an integer"
        );
        assert_eq!(
            code(
                json!({"target": "due_at", "source": "/d", "transform": [{"timestamp": "iso8601"}, {"timestamp": "epoch_s"}]})
            ),
            "type_mismatch"
        );
        compiles(
            json!({"target": "due_at", "source": "/d", "transform": ["integer", {"timestamp": "epoch_ms"}]}),
        );
        assert_eq!(
            code(json!({"target": "title", "source": "/d", "transform": ["bool", "date"]})),
            "type_mismatch"
        );
        // Text targets accept numbers (ids), not booleans.
        compiles(json!({"target": "asset_id", "source": "/assetId"}));
        compiles(json!({"target": "asset_id", "source": "/assetId", "transform": "string"}));
        compiles(json!({"target": "asset_id", "source": "/assetId", "transform": "integer"}));
        assert_eq!(
            code(json!({"target": "title", "source": "/t", "transform": "bool"})),
            "type_mismatch"
        );
        // Enum targets.
        compiles(json!({"target": "status", "source": "/s", "transform": "lowercase"}));
        compiles(
            json!({"target": "status", "source": "/s", "transform": {"enum": {"OPEN": "open", "X": null}, "default": "on_hold"}}),
        );
        assert_eq!(
            code(
                json!({"target": "status", "source": "/s", "transform": {"enum": {"OPEN": "open"}, "default": "closed"}})
            ),
            "invalid_enum_value"
        );
        assert_eq!(
            code(json!({"target": "status", "source": "/s", "transform": {"enum": {"OPEN": 1}}})),
            "type_mismatch"
        );
        assert_eq!(
            code(json!({"target": "status", "source": "/s", "transform": "integer"})),
            "type_mismatch"
        );
        assert_eq!(
            code(json!({"target": "status", "source": {"const": "OPEN"}})),
            "invalid_enum_value"
        );
        assert_eq!(
            code(json!({"target": "status", "source": "/s", "transform": {"default": "OPEN"}})),
            "invalid_enum_value"
        );
        compiles(
            json!({"target": "status", "source": {"const": " OPEN "}, "transform": ["trim", "lowercase"]}),
        );
        // Lists.
        compiles(
            json!({"target": "assignee_ids", "source": "/assignees/*/id", "transform": "string"}),
        );
        compiles(json!({"target": "assignee_ids", "source": "/assigneeId"}));
        compiles(json!({"target": "assignee_ids", "source": {"const": ["1", 2]}}));
        compiles(json!({"target": "assignee_ids", "source": "/a", "transform": {"default": []}}));
        let e = one(
            Entity::WorkOrder,
            json!({"target": "asset_id", "source": "/assets/*/id"}),
        );
        assert_eq!(e.code, "list_into_scalar");
        assert_eq!(
            code(json!({"target": "title", "source": "/t", "transform": {"default": ["x"]}})),
            "list_into_scalar"
        );
        assert_eq!(
            code(json!({"target": "assignee_ids", "source": "/a/*", "transform": "bool"})),
            "type_mismatch"
        );
        // Numbers, integers and booleans.
        compile(
            Entity::Part,
            &json!([
                {"target": "unit_cost", "source": "/cost"},
                {"target": "quantity_on_hand", "source": "/qty", "transform": "number"},
                {"target": "minimum_quantity", "source": {"const": 0}},
                {"target": "vendor_ids", "source": "/vendors/*/id"}
            ]),
        )
        .unwrap();
        let e = one(
            Entity::Part,
            json!({"target": "unit_cost", "source": "/c", "transform": "trim"}),
        );
        assert!(
            e.message.contains("add the \"number\" transform"),
            "{}",
            e.message
        );
        compile(
            Entity::User,
            &json!([{"target": "is_active", "source": "/active", "transform": "bool"}]),
        )
        .unwrap();
        compile(Entity::User, &json!([{"target": "is_active", "source": "/a", "transform": {"enum": {"X": true, "": false}}}])).unwrap();
        assert_eq!(
            one(
                Entity::User,
                json!({"target": "is_active", "source": "/a", "transform": "string"})
            )
            .code,
            "type_mismatch"
        );
        assert_eq!(
            one(
                Entity::User,
                json!({"target": "is_active", "source": {"const": "yes"}})
            )
            .code,
            "type_mismatch"
        );
        // JSON targets take anything; custom fields too.
        compile(
            Entity::PurchaseOrder,
            &json!([{"target": "line_items", "source": "/lines/*"}]),
        )
        .unwrap();
        compiles(
            json!({"target": {"custom_field": "Budget"}, "source": "/b", "transform": "bool"}),
        );
        compiles(json!({"target": {"custom_field": "Tags"}, "source": "/tags/*/name"}));
        // Templates produce text.
        compiles(json!({"target": "number", "source": "{/siteid}/{/wonum}"}));
        assert_eq!(
            code(json!({"target": "due_at", "source": "{/d}T{/t}"})),
            "type_mismatch"
        );
        compiles(
            json!({"target": "due_at", "source": "{/d}T{/t}", "transform": {"timestamp": "iso8601"}}),
        );
    }

    #[test]
    fn to_json_returns_the_rules_as_written() {
        let rules = json!([{"target": "title", "source": "/t", "transform": "trim"}]);
        let set = compile(Entity::WorkOrder, &rules).unwrap();
        assert_eq!(set.to_json(), rules);
        assert_eq!(set.entity(), Entity::WorkOrder);
        assert!(!set.is_empty());
        assert!(RuleSet::empty(Entity::Asset).is_empty());
        assert_eq!(
            rule_json(json!("title"), Some(json!("/t")), Some(json!("trim"))),
            rules[0]
        );
    }
}
