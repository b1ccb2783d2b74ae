//! A list page split without building it: each record's JSON text is passed through as the
//! vendor sent it, with only the enrichment keys appended.
//!
//! One pass over the body ([`JsonWalk`]): the walker steps through the page's keys and the
//! record array by hand while serde_json parses each record into a [`Probe`] of only the keys
//! the record or its enrichment needs (`id`, `updatedAt`, `deletedAt`, and for work orders
//! `asset`, `location`, `assignees` and whether the enriched keys are already there);
//! everything else is skipped by the parser, and the record's exact text is known from where the
//! parse ended (a slice of the body, no copy). Splitting with `RawValue` and then probing each
//! record read every byte three times. Entities whose enrichment needs the whole record (parts,
//! purchase orders, users, hydrated vendors) take the `Value` path in `read.rs`.

use millwright_sdk::json_walk::JsonWalk;
use millwright_sdk::{ConnectorError, Entity, SourceRecord, ids, time};
use serde::de::value::MapAccessDeserializer;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::client::id_text;

/// Whether records of `entity` can be passed through as text (their enrichment needs only
/// [`Probe`]'s keys, and they are never hydrated).
pub fn passes_through(entity: Entity) -> bool {
    matches!(
        entity,
        Entity::WorkOrder | Entity::MaintenanceRequest | Entity::Asset | Entity::Location
    )
}

/// A list answer: its records (objects only; other items are skipped) and `nextCursor`.
pub struct RawPage<'a> {
    pub items: Vec<Item<'a>>,
    pub next_cursor: Option<String>,
}

/// One record of a list page: its text (a slice of the body) and its probed keys.
pub struct Item<'a> {
    text: &'a str,
    probe: Probe<'a>,
}

/// Splits a list answer (`{"<list_key>": [...], "nextCursor": ...}`); `None` when it is not
/// an object or its list is neither an array nor `null` (a missing or `null` list is an empty
/// page). A key given twice counts once, the last, as when the page was read into a map.
pub fn split_page<'a>(body: &'a [u8], list_key: &str) -> Result<Option<RawPage<'a>>, serde_json::Error> {
    let text = std::str::from_utf8(body).map_err(serde::de::Error::custom)?;
    let mut walk = JsonWalk::new(text);
    if walk.peek() != Some(b'{') {
        // Not an object (empty, `null`, an array): the caller reports it.
        serde_json::from_str::<serde::de::IgnoredAny>(text)?;
        return Ok(None);
    }
    walk.open(b'{')?;
    let (mut items, mut next_cursor, mut list_is_array) = (Vec::new(), None, true);
    while let Some(key) = walk.next_key()? {
        if key == list_key {
            items.clear();
            list_is_array = match walk.peek() {
                Some(b'[') => {
                    walk.open(b'[')?;
                    while walk.next_element()? {
                        if walk.peek() == Some(b'{') {
                            let (probe, text) = walk.value::<Probe<'a>>()?;
                            items.push(Item { text, probe });
                        } else {
                            walk.skip()?;
                        }
                    }
                    true
                }
                _ => walk.skip()? == "null",
            };
        } else if key == "nextCursor" {
            let (cursor, _) = walk.value::<Value>()?;
            next_cursor = cursor.as_str().map(str::to_owned);
        } else {
            walk.skip()?;
        }
    }
    walk.end()?;
    Ok(list_is_array.then_some(RawPage { items, next_cursor }))
}

/// Present (even as `null`): `Some(raw)`; absent: `None` (serde's `Option` reads `null` as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// The keys of a record that its source record and its enrichment read. Nested values are read
/// in the same pass: an expanded `asset` or `location` only for its `id`, `assignees` only for
/// each entry's `type` and `id`.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(rename = "updatedAt", default, borrow, deserialize_with = "present")]
    updated_at: Option<&'a RawValue>,
    #[serde(rename = "deletedAt", default, borrow, deserialize_with = "present")]
    deleted_at: Option<&'a RawValue>,
    #[serde(default, borrow)]
    asset: Option<IfObject<WithId<'a>>>,
    #[serde(rename = "assetId", default, borrow, deserialize_with = "present")]
    asset_id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    location: Option<IfObject<WithId<'a>>>,
    #[serde(rename = "locationId", default, borrow, deserialize_with = "present")]
    location_id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    assignees: Option<IfArray<IfObject<Assignee<'a>>>>,
    #[serde(rename = "assigneeIds", default, borrow, deserialize_with = "present")]
    assignee_ids: Option<&'a RawValue>,
    #[serde(rename = "teamIds", default, borrow, deserialize_with = "present")]
    team_ids: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct WithId<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Assignee<'a> {
    #[serde(rename = "type", default)]
    kind: Option<Value>,
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
}

/// `T` when the value is an object; `None` for any other value (as `Value::get` on a
/// non-object finds nothing).
struct IfObject<T>(Option<T>);

/// The elements of an array; `None` for any other value.
struct IfArray<T>(Option<Vec<T>>);

/// A visitor's answer to the values a shape does not want: each is read (and checked) whole.
macro_rules! other_values_are_none {
    ($out:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
    };
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for IfObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = IfObject<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            other_values_are_none!(IfObject(None));
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IfObject<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(IfObject(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IfObject<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| IfObject(Some(t)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for IfArray<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = IfArray<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            other_values_are_none!(IfArray(None));
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IfArray<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(IfArray(Some(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IfArray<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(IfArray(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One record as a source record, its text the vendor's with the enrichment keys appended.
/// Same result as `enrich` + `to_record` on the parsed record, except that keys keep the
/// vendor's order.
pub fn record(entity: Entity, item: Item<'_>) -> Result<SourceRecord, ConnectorError> {
    let Item { text, probe } = item;
    let mut added: Vec<(&str, String)> = Vec::new();
    if entity == Entity::WorkOrder {
        // The registry's test build (feature `v2`) marks its records, as `enrich` does.
        if cfg!(feature = "v2") {
            added.push(("connectorBuild", "\"v2\"".to_string()));
        }
        if probe.asset_id.is_none()
            && let Some(id) = probe.asset.and_then(|a| a.0).and_then(|a| a.id)
        {
            added.push(("assetId", id.get().to_owned()));
        }
        if probe.location_id.is_none()
            && let Some(id) = probe.location.and_then(|l| l.0).and_then(|l| l.id)
        {
            added.push(("locationId", id.get().to_owned()));
        }
        if let Some(assignees) = probe.assignees.and_then(|a| a.0) {
            let mut users = Vec::new();
            let mut teams = Vec::new();
            for a in assignees.into_iter().filter_map(|a| a.0) {
                let (Some(kind), Some(id)) = (a.kind.as_ref().and_then(Value::as_str), a.id) else {
                    continue;
                };
                match kind {
                    "USER" => users.push(id.get()),
                    "TEAM" => teams.push(id.get()),
                    _ => {}
                }
            }
            if probe.assignee_ids.is_none() {
                added.push(("assigneeIds", format!("[{}]", users.join(","))));
            }
            if probe.team_ids.is_none() {
                added.push(("teamIds", format!("[{}]", teams.join(","))));
            }
        }
    }

    let id = probe
        .id
        .map(|raw| serde_json::from_str::<Value>(raw.get()))
        .transpose()?
        .as_ref()
        .and_then(id_text)
        .ok_or_else(|| ConnectorError::internal("MaintainX record without an id"))?;
    let updated_at = match probe.updated_at {
        Some(raw) if raw.get().starts_with('"') => {
            time::normalize_rfc3339(&serde_json::from_str::<String>(raw.get())?)
        }
        _ => None,
    };
    let deleted = probe.deleted_at.is_some_and(|raw| raw.get() != "null");
    Ok(SourceRecord {
        id: ids::compose(&[id]),
        updated_at,
        deleted,
        data: append_keys(text, &added),
    })
}

/// `{...}` with `"key":value` pairs added before the closing brace.
fn append_keys(object: &str, added: &[(&str, String)]) -> String {
    if added.is_empty() {
        return object.to_owned();
    }
    let extra: usize = added.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
    let body = object[..object.len() - 1].trim_end();
    let mut out = String::with_capacity(object.len() + extra);
    out.push_str(body);
    let mut first = body.ends_with('{');
    for (key, value) in added {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
        out.push_str(value);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{enrich, to_record};
    use serde_json::{Map, json};

    /// The pass-through record equals the parsed path's (as JSON values).
    /// The only item of a page holding `text`.
    fn only_item(body: &str) -> Item<'_> {
        let mut page = split_page(body.as_bytes(), "workOrders").unwrap().unwrap();
        assert_eq!(page.items.len(), 1);
        page.items.pop().unwrap()
    }

    fn same_as_parsed(entity: Entity, record: Value) {
        let text = record.to_string();
        let body = format!(r#"{{"workOrders":[{text}]}}"#);
        let fast = super::record(entity, only_item(&body)).unwrap();
        let mut obj: Map<String, Value> = record.as_object().unwrap().clone();
        enrich(entity, &mut obj, None);
        let slow = to_record(obj).unwrap();
        assert_eq!(fast.id, slow.id);
        assert_eq!(fast.updated_at, slow.updated_at);
        assert_eq!(fast.deleted, slow.deleted);
        let fast_data: Value = serde_json::from_str(&fast.data).unwrap();
        let slow_data: Value = serde_json::from_str(&slow.data).unwrap();
        assert_eq!(fast_data, slow_data, "{text}");
    }

    #[test]
    fn pass_through_matches_parsed_enrichment() {
        let wo = Entity::WorkOrder;
        same_as_parsed(wo, json!({"id": 1, "asset": {"id": 5, "name": "Pump"}, "location": {"id": 2},
            "assignees": [{"type": "USER", "id": 3}, {"type": "TEAM", "id": 9}, {"type": "USER", "id": 4}, "x", {"type": "USER"}],
            "updatedAt": "2024-05-01T10:00:00.000+02:00", "deletedAt": null}));
        same_as_parsed(wo, json!({"id": "7", "assetId": null, "asset": {"id": 5}, "assigneeIds": [1], "assignees": [], "deletedAt": "2024-01-01T00:00:00Z"}));
        same_as_parsed(wo, json!({"id": 8, "asset": null, "location": "x", "assignees": null, "updatedAt": 5}));
        same_as_parsed(wo, json!({"id": 9.0, "asset": {"id": null}, "assignees": [{"type": "TEAM", "id": null}]}));
        same_as_parsed(Entity::Asset, json!({"id": 1, "asset": {"id": 5}, "nested": {"a": [1, {"b": "}"}]}}));
    }

    #[test]
    fn records_without_id_or_not_objects() {
        let item = only_item(r#"{"workOrders": [{"title": "x"}]}"#);
        assert!(super::record(Entity::WorkOrder, item).is_err());
        let page = split_page(br#"{"workOrders": [[1], "x", 3, null, {"id": 2}, true]}"#, "workOrders").unwrap().unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].text, r#"{"id": 2}"#);
    }

    #[test]
    fn appends_keys() {
        assert_eq!(append_keys("{}", &[("a", "1".into())]), r#"{"a":1}"#);
        assert_eq!(append_keys("{ }", &[("a", "1".into())]), r#"{"a":1}"#);
        assert_eq!(
            append_keys(r#"{"x":2 }"#, &[("a", "1".into()), ("b", "[]".into())]),
            r#"{"x":2,"a":1,"b":[]}"#
        );
        assert_eq!(append_keys(r#"{"x":2}"#, &[]), r#"{"x":2}"#);
    }

    #[test]
    fn splits_pages() {
        let body = br#"{"workOrders": [{"id": 1}, {"id": 2}], "nextCursor": "abc", "total": 9}"#;
        let page = split_page(body, "workOrders").unwrap().unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[1].text, r#"{"id": 2}"#);
        assert_eq!(page.next_cursor.as_deref(), Some("abc"));
        let page = split_page(br#"{"workOrders": null, "nextCursor": null}"#, "workOrders").unwrap().unwrap();
        assert!(page.items.is_empty() && page.next_cursor.is_none());
        assert!(split_page(br#"{}"#, "workOrders").unwrap().unwrap().items.is_empty());
        assert!(split_page(b"null", "workOrders").unwrap().is_none());
        assert!(split_page(br#"{"workOrders": 5}"#, "workOrders").unwrap().is_none());
        assert!(split_page(b"{nope", "workOrders").is_err());
        assert!(split_page(br#"{"workOrders": [{"id": 1},], "nextCursor": null}"#, "workOrders").is_err());
        assert!(split_page(br#"{"workOrders": [{"id": 1}]} {}"#, "workOrders").is_err());
        assert!(split_page(br#"{"workOrders": [{"id": 1} {"id": 2}]}"#, "workOrders").is_err());
        // The last of a repeated key counts, as in a map.
        let page = split_page(br#"{"workOrders": 5, "workOrders": [{"id": 3}], "nextCursor": 7}"#, "workOrders").unwrap().unwrap();
        assert_eq!(page.items.len(), 1);
        assert!(page.next_cursor.is_none());
    }
}
