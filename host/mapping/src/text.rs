//! Mapping straight from JSON text: [`Mapping::apply_str`].
//!
//! Connectors hand records to the host as JSON text. Parsing a whole record into a `Value`
//! allocates every key and value of it (and with `preserve_order`, hashes every key) although
//! a mapping reads a handful of fields. `apply_str` parses the top-level object itself, in one
//! pass: the values of keys the mapping's first pointers start with are parsed there (and
//! moved into the output when one rule alone reads them), those only read as fallbacks are
//! kept as text slices (`RawValue`) and parsed if a rule needs them; every other value is
//! skipped without allocating (`IgnoredAny`), as a serde-derived struct would.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::root::{Ctx, LazyRoots, RootIndex, RootMode, STACK_IDS, TextRoot};
use crate::source::NULL;
use crate::{Mapped, Mapping};

impl Mapping {
    /// [`Mapping::apply`] on a record given as JSON text, parsing only the parts the rules
    /// read. The result is the same as `apply(&serde_json::from_str(json)?)`; the error is
    /// serde_json's for text that is not JSON.
    pub fn apply_str(&self, json: &str) -> Result<Mapped, serde_json::Error> {
        self.with_text(json, |ctx| self.apply_ctx(ctx))
    }

    /// Runs `f` on the record given as JSON text: split in one pass when every pointer starts
    /// with a top-level key (see the module docs), else parsed whole.
    pub(crate) fn with_text<R>(&self, json: &str, f: impl FnOnce(&Ctx<'_, '_>) -> R) -> Result<R, serde_json::Error> {
        let object = json.trim_start().starts_with('{');
        if !object || !self.rooted {
            let value: Value = serde_json::from_str(json)?;
            return Ok(self.with_value(&value, f));
        }
        let n = self.roots.len();
        let mut stack: [TextRoot<'_>; STACK_IDS] = [TextRoot::EMPTY; STACK_IDS];
        let mut heap: Vec<TextRoot<'_>>;
        let roots: &mut [TextRoot<'_>] = if n <= STACK_IDS {
            &mut stack[..n]
        } else {
            heap = (0..n).map(|_| TextRoot::default()).collect();
            &mut heap
        };
        let mut deserializer = serde_json::Deserializer::from_str(json);
        TopLevel {
            index: &self.roots,
            modes: &self.modes,
            roots: &mut *roots,
        }
        .deserialize(&mut deserializer)?;
        deserializer.end()?;

        let lazy = LazyRoots { roots: &*roots };
        Ok(f(&Ctx::from_text(&NULL, &lazy)))
    }
}

/// Keeps the top-level values of the index as their [`RootMode`] says; skips the others.
struct TopLevel<'a, 'de> {
    index: &'a RootIndex,
    modes: &'a [RootMode],
    roots: &'a mut [TextRoot<'de>],
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
                // A repeated key: the last one wins, as in serde_json.
                Some(id) => {
                    let root = &mut self.roots[id as usize];
                    match self.modes[id as usize] {
                        RootMode::Lazy | RootMode::Verbatim => {
                            root.raw = Some(map.next_value::<&'de RawValue>()?)
                        }
                        RootMode::Shared => {
                            root.parsed = OnceCell::from(map.next_value::<Value>()?)
                        }
                        RootMode::Sole => *root.owned.get_mut() = Some(map.next_value::<Value>()?),
                    }
                }
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
    fn sole_shared_and_fallback_roots_agree_with_apply() {
        let rules = json!([
            // `title` is read by two rules (shared); `description` by one, whole (moved).
            {"target": "title", "source": "/title"},
            {"target": "description", "source": "/title", "transform": "lowercase"},
            {"target": "type", "source": "/type", "transform": "lowercase"},
            // `asset` is only a fallback (kept as text); `location` is a fallback and a first source.
            {"target": "asset_id", "source": ["/assetId", "/asset/id"], "transform": "string"},
            {"target": "location_id", "source": ["/locationId", "/location/id"], "transform": "string"},
            {"target": "requester_id", "source": "/location/owner", "transform": "string"},
            // The spread's object is moved; a custom field reading into another spread's object shares it.
            {"target": {"custom_fields_from": "/extraFields"}},
            {"target": {"custom_fields_from": "/more"}},
            {"target": {"custom_field": "Shift"}, "source": "/more/shift"}
        ]);
        let m = Mapping::new(
            Entity::WorkOrder,
            &compile(Entity::WorkOrder, &rules).unwrap(),
            None,
        );
        let records = [
            json!({"title": "Belt", "type": "REACTIVE", "assetId": 4, "asset": {"id": 5},
                   "locationId": null, "location": {"id": 6, "owner": 9},
                   "extraFields": {"a": "1", "Shift": "x"}, "more": {"shift": "Night", "b": [1]}}),
            json!({"assetId": null, "asset": {"id": 5}, "location": 3, "extraFields": null, "more": {}}),
            json!({"type": ["not", "text"], "extraFields": "no", "more": {"shift": null}}),
            json!({}),
        ];
        for record in &records {
            both(&m, record);
        }
        let out = m.apply_str(&records[0].to_string()).unwrap();
        assert_eq!(out.fields["title"], json!("Belt"));
        assert_eq!(out.fields["description"], json!("belt"));
        assert_eq!(out.fields["asset_id"], json!("4"));
        assert_eq!(out.fields["location_id"], json!("6"));
        assert_eq!(out.fields["requester_id"], json!("9"));
        assert_eq!(
            out.fields["custom_fields"],
            json!({"a": "1", "Shift": "Night", "shift": "Night", "b": [1]})
        );
        // A key repeated in the text: the last one wins for moved values too.
        let out = m
            .apply_str(
                r#"{"type": "A", "type": "B", "extraFields": {"x": 1}, "extraFields": {"y": 2}}"#,
            )
            .unwrap();
        assert_eq!(out.fields["type"], json!("b"));
        assert_eq!(out.fields["custom_fields"], json!({"y": 2, "Shift": null}));
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
