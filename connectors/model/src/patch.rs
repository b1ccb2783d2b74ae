//! [`Patch<T>`]: a field of an update body that distinguishes "absent" (leave unchanged) from
//! `null` (clear) and a value (set).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a partial update.
///
/// Use it on struct fields with
/// `#[serde(default, skip_serializing_if = "Patch::is_absent")]`:
/// a missing key deserialises to [`Patch::Absent`] (through `default`), an explicit `null` to
/// [`Patch::Null`], anything else to [`Patch::Value`]; serialising skips absent fields, writes
/// `null` for `Null` and the value for `Value`.
///
/// Without `skip_serializing_if`, an `Absent` field serialises as `null` (serde cannot omit a
/// key from inside the value), so always pair the two attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Patch<T> {
    /// The key was not sent: leave the field unchanged.
    #[default]
    Absent,
    /// The key was sent as `null`: clear the field.
    Null,
    /// The key was sent with a value: set the field.
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Patch::Null)
    }

    pub fn is_value(&self) -> bool {
        matches!(self, Patch::Value(_))
    }

    /// The value, if one was sent.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(v),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(f(v)),
        }
    }

    /// `None` when absent, `Some(None)` when null, `Some(Some(v))` when set.
    pub fn into_option(self) -> Option<Option<T>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }

    /// `Null` for `None`, `Value` for `Some`: for building a patch that always sends the key.
    pub fn from_option(value: Option<T>) -> Self {
        match value {
            None => Patch::Null,
            Some(v) => Patch::Value(v),
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Value(value)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Reached only without `skip_serializing_if = "Patch::is_absent"`.
            Patch::Absent | Patch::Null => serializer.serialize_none(),
            Patch::Value(v) => serializer.serialize_some(v),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Called only when the key is present (a missing key takes `#[serde(default)]`).
        Ok(Patch::from_option(Option::<T>::deserialize(deserializer)?))
    }
}

impl<T: JsonSchema> JsonSchema for Patch<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Patch_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Option<T>>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Body {
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        title: Patch<String>,
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        count: Patch<i64>,
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        list: Patch<Vec<String>>,
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        any: Patch<serde_json::Value>,
    }

    #[test]
    fn absent_null_and_value_deserialise_distinctly() {
        let b: Body = serde_json::from_value(json!({"title": null, "count": 3})).unwrap();
        assert_eq!(b.title, Patch::Null);
        assert_eq!(b.count, Patch::Value(3));
        assert_eq!(b.list, Patch::Absent);
        assert_eq!(b.any, Patch::Absent);

        let b: Body = serde_json::from_value(json!({})).unwrap();
        assert_eq!(b, Body::default());

        let b: Body = serde_json::from_value(json!({"list": ["a"], "any": {"x": 1}})).unwrap();
        assert_eq!(b.list, Patch::Value(vec!["a".to_owned()]));
        assert_eq!(b.any, Patch::Value(json!({"x": 1})));
    }

    #[test]
    fn json_null_inside_value_patch_is_null() {
        // For Patch<Value>, `null` means "clear", not "set to the JSON value null".
        let b: Body = serde_json::from_value(json!({"any": null})).unwrap();
        assert_eq!(b.any, Patch::Null);
    }

    #[test]
    fn type_errors_are_errors() {
        assert!(serde_json::from_value::<Body>(json!({"count": "x"})).is_err());
        assert!(serde_json::from_value::<Body>(json!({"title": 1})).is_err());
    }

    #[test]
    fn serialisation_skips_absent_and_keeps_null() {
        let b = Body {
            title: Patch::Null,
            count: Patch::Value(2),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            json!({"title": null, "count": 2})
        );
        assert_eq!(serde_json::to_value(Body::default()).unwrap(), json!({}));
    }

    #[test]
    fn round_trip() {
        for v in [
            json!({}),
            json!({"title": null}),
            json!({"title": "x", "list": [], "any": 0}),
        ] {
            let b: Body = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(&b).unwrap(), v);
        }
    }

    #[test]
    fn helpers() {
        let p: Patch<i32> = 5.into();
        assert!(p.is_value());
        assert_eq!(p.value(), Some(&5));
        assert_eq!(p.map(|v| v * 2), Patch::Value(10));
        assert_eq!(Patch::<i32>::Absent.into_option(), None);
        assert_eq!(Patch::<i32>::Null.into_option(), Some(None));
        assert_eq!(Patch::Value(1).into_option(), Some(Some(1)));
        assert_eq!(Patch::from_option(None::<i32>), Patch::Null);
        assert_eq!(Patch::Value(1).as_ref(), Patch::Value(&1));
    }

    #[test]
    fn schema_is_nullable_inner() {
        let schema = schemars::schema_for!(Patch<String>);
        let v = serde_json::to_value(&schema).unwrap();
        assert_eq!(v["type"], json!(["string", "null"]));
    }
}
