//! Running a mapping on one record.

use std::borrow::Cow;

use millwright_model::{FieldKind, MappingWarning};
use serde_json::{Map, Value};

use crate::root::{Ctx, STACK_IDS};
use crate::rules::{Rule, Target};
use crate::source::NULL;
use crate::transform::Sink;
use crate::{Effective, Mapped, Mapping, Plan};

impl Mapping {
    /// Maps one source record (see the crate docs for the output). Never fails: a value that
    /// does not convert is `null` with a warning.
    pub fn apply(&self, source: &Value) -> Mapped {
        self.with_value(source, |ctx| self.apply_ctx(ctx))
    }

    /// Runs `f` on `source`, its top-level keys looked up once.
    pub(crate) fn with_value<R>(&self, source: &Value, f: impl FnOnce(&Ctx<'_, '_>) -> R) -> R {
        let mut stack: [Option<&Value>; STACK_IDS] = [None; STACK_IDS];
        let mut heap;
        let buffer: &mut [Option<&Value>] = if self.roots.len() <= STACK_IDS {
            &mut stack
        } else {
            heap = vec![None; self.roots.len()];
            &mut heap
        };
        f(&Ctx::new(source, &self.roots, buffer))
    }

    /// Maps the record `ctx` gives access to.
    pub(crate) fn apply_ctx(&self, ctx: &Ctx<'_, '_>) -> Mapped {
        let mut fields = self.template.clone();
        let mut warnings = Vec::new();
        for (slot, value) in self.slots.iter().zip(fields.values_mut()) {
            match &slot.plan {
                Plan::Null | Plan::Id | Plan::Deleted => {}
                Plan::Rule(e) => *value = eval(e, ctx, &mut warnings),
                Plan::CustomFields => *value = self.custom_fields(ctx, &mut warnings),
            }
        }
        Mapped { fields, warnings }
    }

    pub(crate) fn custom_fields(&self, ctx: &Ctx<'_, '_>, warnings: &mut Vec<MappingWarning>) -> Value {
        let mut out = Map::new();
        for spread in &self.spreads {
            let rule = &spread.rule;
            match source_value(spread, ctx) {
                Ok(value) => match value {
                    // The common case, one spread: take or clone the object whole (no re-hashing).
                    Cow::Owned(Value::Object(map)) if out.is_empty() => out = map,
                    Cow::Borrowed(Value::Object(map)) if out.is_empty() => out = map.clone(),
                    Cow::Borrowed(Value::Object(map)) => {
                        out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                    Cow::Owned(Value::Object(map)) => out.extend(map),
                    v if v.is_null() => {}
                    other => warnings.push(MappingWarning {
                        field: rule.label.clone(),
                        reason: format!(
                            "custom_fields_from expects an object, got {}",
                            kind_of(&other)
                        ),
                    }),
                },
                Err(reason) => warnings.push(MappingWarning {
                    field: rule.label.clone(),
                    reason,
                }),
            }
        }
        for custom in &self.custom {
            let Target::Custom(name) = &custom.rule.target else {
                continue;
            };
            let value = eval(custom, ctx, warnings);
            out.insert(name.clone(), value);
        }
        Value::Object(out)
    }
}

/// Runs one rule: source, transforms, then conformance to the target's kind.
#[inline]
pub(crate) fn eval(
    effective: &Effective,
    ctx: &Ctx<'_, '_>,
    warnings: &mut Vec<MappingWarning>,
) -> Value {
    let rule: &Rule = &effective.rule;
    let mut sink = Sink {
        field: &rule.label,
        out: warnings,
    };
    let mut value = match source_value(effective, ctx) {
        Ok(v) => v,
        Err(reason) => {
            sink.warn(reason);
            Cow::Borrowed(&NULL)
        }
    };
    for transform in &rule.transforms {
        value = transform.apply(value, &mut sink);
    }
    conform(rule.kind, value, &mut sink)
}

/// The rule's source value: moved out of the split record when it is a top-level value only
/// this rule reads and the record is JSON text (`RootMode::Sole`), else borrowed if possible.
#[inline]
fn source_value<'a>(effective: &'a Effective, ctx: &Ctx<'a, '_>) -> Result<Cow<'a, Value>, String> {
    if let Some(taken) = effective.sole_root.and_then(|id| ctx.take_root(id)) {
        return Ok(taken.map_or(Cow::Borrowed(&NULL), Cow::Owned));
    }
    effective.rule.source.eval(ctx, &effective.ids)
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

/// Makes the final value fit the field: numbers become text in text fields, integral floats
/// integers, single values one-element lists; anything else that does not fit is `null` with
/// a warning.
fn conform(kind: FieldKind, value: Cow<'_, Value>, sink: &mut Sink<'_>) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    let fits = match (kind, &*value) {
        (FieldKind::Json, _) => true,
        (FieldKind::Text, Value::String(_)) => true,
        (FieldKind::Text, Value::Number(n)) => return Value::String(n.to_string()),
        (FieldKind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => true,
        (FieldKind::Integer, Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => return Value::from(f as i64),
            _ => {
                sink.warn(format!("{n} is not a whole number"));
                return Value::Null;
            }
        },
        (FieldKind::Number, Value::Number(_)) => true,
        (FieldKind::Bool, Value::Bool(_)) => true,
        (FieldKind::Timestamp | FieldKind::Date, Value::String(_)) => true,
        (FieldKind::Enum(values), Value::String(s)) => {
            if values.contains(&s.as_str()) {
                true
            } else {
                sink.warn(format!("{s:?} is not one of {}", values.join(", ")));
                return Value::Null;
            }
        }
        (FieldKind::TextList, Value::Array(_)) => return text_list(value.into_owned(), sink),
        (FieldKind::TextList, Value::String(_)) => {
            return Value::Array(vec![value.into_owned()]);
        }
        (FieldKind::TextList, Value::Number(n)) => {
            return Value::Array(vec![Value::String(n.to_string())]);
        }
        _ => false,
    };
    if fits {
        value.into_owned()
    } else {
        sink.warn(format!(
            "expected {}, got {}",
            kind.describe(),
            kind_of(&value)
        ));
        Value::Null
    }
}

fn text_list(value: Value, sink: &mut Sink<'_>) -> Value {
    let Value::Array(mut items) = value else {
        unreachable!("checked by the caller")
    };
    let mut i = 0;
    items.retain_mut(|item| {
        let keep = match item {
            Value::String(_) => true,
            Value::Number(n) => {
                *item = Value::String(n.to_string());
                true
            }
            Value::Null => false,
            other => {
                sink.warn(format!(
                    "element {i}: expected text, got {}",
                    kind_of(other)
                ));
                false
            }
        };
        i += 1;
        keep
    });
    Value::Array(items)
}
