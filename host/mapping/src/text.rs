//! Mapping straight from JSON text: [`Mapping::apply_str`].
//!
//! Connectors hand records to the host as JSON text. Parsing a whole record into a `Value`
//! allocates every key and value of it (and with `preserve_order`, hashes every key) although
//! a mapping reads a handful of fields. `apply_str` parses the top-level object itself: the
//! keys the mapping's pointers start with are kept as text slices (`RawValue`) and parsed into
//! `Value`s only when a rule reads them; every other value is skipped without allocating
//! (`IgnoredAny`), as a serde-derived struct would.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::root::{Ctx, LazyRoots, RootIndex, STACK_IDS};
use crate::source::NULL;
use crate::{Mapped, Mapping};

impl Mapping {
    /// [`Mapping::apply`] on a record given as JSON text, parsing only the parts the rules
    /// read. The result is the same as `apply(&serde_json::from_str(json)?)`; the error is
    /// serde_json's for text that is not JSON.
    pub fn apply_str(&self, json: &str) -> Result<Mapped, serde_json::Error> {
        let object = json.trim_start().starts_with('{');
        if !object || !self.rooted {
            let value: Value = serde_json::from_str(json)?;
            return Ok(self.apply(&value));
        }
        let n = self.roots.len();
        let mut stack_raw: [Option<&RawValue>; STACK_IDS] = [None; STACK_IDS];
        let mut heap_raw;
        let raw: &mut [Option<&RawValue>] = if n <= STACK_IDS {
            &mut stack_raw[..n]
        } else {
            heap_raw = vec![None; n];
            &mut heap_raw
        };
        let mut deserializer = serde_json::Deserializer::from_str(json);
        TopLevel {
            index: &self.roots,
            values: &mut *raw,
        }
        .deserialize(&mut deserializer)?;
        deserializer.end()?;

        let stack_parsed: [OnceCell<Value>; STACK_IDS] = [const { OnceCell::new() }; STACK_IDS];
        let heap_parsed: Vec<OnceCell<Value>>;
        let parsed: &[OnceCell<Value>] = if n <= STACK_IDS {
            &stack_parsed[..n]
        } else {
            heap_parsed = (0..n).map(|_| OnceCell::new()).collect();
            &heap_parsed
        };
        let lazy = LazyRoots { raw: &*raw, parsed };
        Ok(self.apply_ctx(&Ctx::from_text(&NULL, &lazy)))
    }
}

/// Fills `values[id]` with the text of the top-level keys of the index; skips the others.
struct TopLevel<'a, 'de> {
    index: &'a RootIndex,
    values: &'a mut [Option<&'de RawValue>],
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match self.index.find(&key) {
                Some(id) => self.values[id as usize] = Some(map.next_value::<&'de RawValue>()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile;
    use millwright_model::Entity;
    use serde_json::json;

    fn both(m: &Mapping, record: &Value) {
        let text = serde_json::to_string(record).unwrap();
        let from_text = m.apply_str(&text).unwrap();
        let from_value = m.apply(record);
        assert_eq!(from_text, from_value, "{record}");
    }

    #[test]
    fn same_result_as_apply() {
        let rules = crate::tests::maintainx_work_order_rules();
        let m = Mapping::new(
            Entity::WorkOrder,
            &compile(Entity::WorkOrder, &rules).unwrap(),
            None,
        );
        both(&m, &crate::tests::maintainx_record());
        both(&m, &json!({}));
        both(
            &m,
            &json!({"status": "NOPE", "dueDate": "x", "extraFields": [1], "pad": {"deep": [1, 2, {"a": null}]}}),
        );
        // Escaped keys, duplicate keys (the last wins, as in serde_json).
        let m2 = Mapping::new(
            Entity::WorkOrder,
            &compile(
                Entity::WorkOrder,
                &json!([{"target": "title", "source": "/ti\"tle"}]),
            )
            .unwrap(),
            None,
        );
        let out = m2
            .apply_str(r#"{"ti\"tle": "quoted", "x": [1, {"y": "z"}]}"#)
            .unwrap();
        assert_eq!(out.fields["title"], json!("quoted"));
        let out = m
            .apply_str(r#"{"title": "first", "title": "second"}"#)
            .unwrap();
        assert_eq!(out.fields["title"], json!("second"));
    }

    #[test]
    fn non_objects_and_unrooted_pointers_fall_back() {
        let m = Mapping::new(
            Entity::WorkOrder,
            &compile(
                Entity::WorkOrder,
                &json!([{"target": "assignee_ids", "source": "/*/id"}]),
            )
            .unwrap(),
            None,
        );
        assert!(!m.rooted);
        let out = m.apply_str(r#"[{"id": 1}, {"id": 2}]"#).unwrap();
        assert_eq!(out.fields["assignee_ids"], json!(["1", "2"]));
        let rules = crate::tests::maintainx_work_order_rules();
        let m = Mapping::new(
            Entity::WorkOrder,
            &compile(Entity::WorkOrder, &rules).unwrap(),
            None,
        );
        assert!(m.rooted);
        let out = m.apply_str("  [1, 2]").unwrap();
        assert_eq!(out.fields["title"], Value::Null);
    }

    #[test]
    fn invalid_json_is_an_error() {
        let rules = crate::tests::maintainx_work_order_rules();
        let m = Mapping::new(
            Entity::WorkOrder,
            &compile(Entity::WorkOrder, &rules).unwrap(),
            None,
        );
        assert!(m.apply_str(r#"{"title": "x""#).is_err());
        assert!(m.apply_str(r#"{"title": "x"} trailing"#).is_err());
        assert!(m.apply_str(r#"{"other": [1,}"#).is_err());
        assert!(m.apply_str("").is_err());
    }
}
