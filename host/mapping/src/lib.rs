//! # millwright-mapping
//!
//! The mapping engine: it compiles the rule language of DESIGN.md ("Mapping rules") and runs
//! it on every record read, turning a system's record (JSON) into unified JSON. Connector
//! defaults and per-connection overrides use the same language, so the field-mapping view
//! shows exactly what runs.
//!
//! ```text
//! compile(entity, rules) ──► RuleSet ─┐
//!                                     ├─► Mapping::new(entity, &defaults, Some(&overrides))
//! compile(entity, overrides) ► RuleSet┘        │
//!                               Mapping::apply(&record) ─► Mapped { fields, warnings }
//!                   Mapping::apply_str(json_text)  (same, parsing only what rules read)
//!                   Mapping::unified_value(json_text, host_fields)  (with the host's fields)
//!                   Mapping::write_str(json_text, host_fields, &mut out)  (same, as JSON text)
//!                   Mapping::reverse_custom_fields(&custom_fields) ─► source-shaped patch
//! ```
//!
//! ## The rule language
//!
//! A rule set is a JSON array of rules `{"target": T, "source": S, "transform": X}`.
//!
//! **target**
//! - a unified field of the entity: any [`Entity::fields`] entry except `id`, `deleted`,
//!   `custom_fields`, `remote_data` and `mapping_warnings` (`created_at`, `updated_at` and
//!   `deleted_at` may be mapped);
//! - `{"custom_field": "<name, spaces allowed>"}`;
//! - `{"custom_fields_from": S}` (S a pointer or list of pointers to an object, no `*`; the
//!   rule then has no `"source"` and no `"transform"`): every key of that object becomes a
//!   custom field. Several spreads accumulate (later ones win per key) and explicit
//!   `custom_field` rules win over spreads.
//!
//! **source**
//! - `"/a/b"`: an RFC 6901 JSON Pointer (`~0` = `~`, `~1` = `/`); a `*` token maps over an
//!   array and yields a list of the non-null results (`"/assignees/*/id"`); a missing value is
//!   `null`;
//! - `["/a", "/b"]`: the first non-null;
//! - `{"const": value}`;
//! - `"{/siteid}/{/wonum}"`: a template (a string containing `{/`; `null` when a part is
//!   missing or null; numbers and booleans are written as JSON text).
//!
//! A string starting with `/` is always a pointer; any other string must be a template.
//!
//! **transform** (optional; a name, an object, or a list applied in order):
//! `"string"`, `"integer"`, `"number"`, `"bool"` (true/false, yes/no, y/n, t/f, on/off, 1/0,
//! ABAP `X`), `"trim"` (blank → null), `"lowercase"`, `"date"` (→ `YYYY-MM-DD`, from
//! `YYYY-MM-DD`, `YYYYMMDD`, ISO 8601 (the date as written) or OData dates),
//! `{"timestamp": "iso8601" | "epoch_s" | "epoch_ms" | "odata_date", "zero_is_null": bool}`,
//! `{"timestamp_format": "%d.%m.%Y %H:%M", "zero_is_null": bool}` (chrono strftime; without
//! `%z` the time is UTC), `{"enum": {"OPEN": "open", "3": "high"}, "default": "open"}`
//! (source values matched as strings, case-sensitive; an unmatched value gives the default,
//! or `null` and a warning; `null` stays `null`), `{"default": value}` (when `null`).
//! Timestamps come out as RFC 3339 UTC, `2026-01-31T08:00:00Z`, with fractional seconds only
//! when non-zero. Details: `transform.rs`.
//!
//! **Validation** ([`compile`]): pointer and template syntax, known targets, known transforms
//! and options, `strftime` formats (they must read back a full date), and type compatibility:
//! the engine follows the possible types through the transforms (`"bool"` into a timestamp
//! field is an error; a timestamp field needs a timestamp transform or a constant RFC 3339
//! UTC string; enum map values, defaults and constants must be valid values of the field; a
//! `*` source cannot fill a single-valued field). Every error names its rule ([`RuleError`]).
//! Pointers absent from sample records are warnings ([`Mapping::sample_warnings`]).
//!
//! ## Output ([`Mapping::apply`])
//!
//! Every documented field of the entity, in the model's order, `null` when there is no rule
//! or no value; `custom_fields` always an object. `id` and `deleted` are present as `null`
//! placeholders (so the host's `insert` keeps the model order; the host sets both from the
//! source record, and `updated_at` when no rule filled it); `remote_data` and
//! `mapping_warnings` are not emitted (the host appends them). Values are finally
//! coerced to the field's kind: numbers become text for text fields (ids), a single value
//! becomes a one-element list for list fields, nulls are dropped from lists. A value that
//! fails to convert becomes `null` with a [`MappingWarning`]; `apply` never fails.
//!
//! With serde_json's `preserve_order` (enabled by this crate), `Map::remove` is a
//! `swap_remove`: use `shift_remove` to drop a key without reordering.
//! `preserve_order` is what keeps the model's key order in a `serde_json::Map`; it also makes
//! parsing any JSON into a `Value` somewhat slower (an `IndexMap` per object), one more reason
//! to prefer [`Mapping::apply_str`] on the read path.
//!
//! ## Example: MaintainX work orders
//!
//! ```
//! use millwright_mapping::{compile, Entity, Mapping};
//! use serde_json::json;
//!
//! let rules = json!([
//!     {"target": "number", "source": "/sequentialId", "transform": "string"},
//!     {"target": "title", "source": "/title"},
//!     {"target": "description", "source": "/description"},
//!     {"target": "status", "source": "/status", "transform": {"enum": {
//!         "OPEN": "open", "IN_PROGRESS": "in_progress", "ON_HOLD": "on_hold",
//!         "DONE": "completed", "CANCELED": "cancelled", "SKIPPED": "cancelled"}}},
//!     {"target": "remote_status", "source": "/status"},
//!     {"target": "priority", "source": "/priority", "transform": {"enum": {
//!         "NONE": "none", "LOW": "low", "MEDIUM": "medium", "HIGH": "high"}}},
//!     {"target": "remote_priority", "source": "/priority"},
//!     {"target": "type", "source": "/type", "transform": "lowercase"},
//!     {"target": "asset_id", "source": "/assetId"},
//!     {"target": "location_id", "source": "/locationId"},
//!     {"target": "assignee_ids", "source": "/assigneeIds/*", "transform": "string"},
//!     {"target": "requester_id", "source": "/requesterId"},
//!     {"target": "due_at", "source": "/dueDate", "transform": {"timestamp": "iso8601"}},
//!     {"target": "started_at", "source": "/startDate", "transform": {"timestamp": "iso8601"}},
//!     {"target": "completed_at", "source": "/completedAt", "transform": {"timestamp": "iso8601"}},
//!     {"target": "created_at", "source": "/createdAt", "transform": {"timestamp": "iso8601"}},
//!     {"target": "updated_at", "source": "/updatedAt", "transform": {"timestamp": "iso8601"}},
//!     {"target": "deleted_at", "source": "/deletedAt", "transform": {"timestamp": "iso8601"}},
//!     {"target": {"custom_fields_from": "/extraFields"}}
//! ]);
//! let defaults = compile(Entity::WorkOrder, &rules).expect("valid rules");
//! let mapping = Mapping::new(Entity::WorkOrder, &defaults, None);
//!
//! let record = r#"{"id": 4211, "sequentialId": 87, "title": "Replace belt",
//!     "status": "DONE", "priority": "HIGH", "assigneeIds": [17, 18],
//!     "dueDate": "2026-02-01T17:00:00.000Z", "extraFields": {"Estimated Budget": "$250"}}"#;
//! let mapped = mapping.apply_str(record).unwrap();
//! assert_eq!(mapped.fields["status"], json!("completed"));
//! assert_eq!(mapped.fields["remote_status"], json!("DONE"));
//! assert_eq!(mapped.fields["assignee_ids"], json!(["17", "18"]));
//! assert_eq!(mapped.fields["due_at"], json!("2026-02-01T17:00:00Z"));
//! assert_eq!(mapped.fields["custom_fields"], json!({"Estimated Budget": "$250"}));
//! assert!(mapped.warnings.is_empty());
//!
//! // Writes: custom fields back into the system's shape.
//! let patch = mapping
//!     .reverse_custom_fields(json!({"Estimated Budget": "$300"}).as_object().unwrap())
//!     .unwrap();
//! assert_eq!(serde_json::Value::Object(patch), json!({"extraFields": {"Estimated Budget": "$300"}}));
//! ```
//!
//! ## Writes ([`Mapping::reverse_custom_fields`])
//!
//! Custom fields in a write are turned back into source-shaped JSON for the connector when
//! their rule is reversible: a single pointer without `*`, and only `trim`, `default`,
//! `enum` (inverted: the first source key of a value), `date` and timestamp transforms
//! (written back as iso8601, epoch seconds/milliseconds, `/Date(ms)/` or the strftime format).
//! A custom field without its own rule goes into the object of the last
//! `custom_fields_from` rule.
//!
//! ## Performance notes (design; no benchmark in this crate)
//!
//! The engine runs on every read of every record; the target is at least half the throughput
//! of a hand-written serde mapping of the same fields. So:
//! - everything is parsed once in [`compile`]: pointers into tokens (array indexes
//!   pre-parsed), enum maps into `HashMap`s (Fx-hashed: built from configuration, only read
//!   per record), strftime formats into chrono `Item`s; [`Mapping::new`] builds the output
//!   plan (one slot per field) and an output template;
//! - per record, the output is a clone of the template (keys are not hashed again) filled
//!   through `values_mut`; the record's top-level keys are walked once, sequentially, and
//!   matched against the first keys of all pointers (a table bucketed by key length, compared
//!   by an 8-byte prefix word), instead of one SipHash lookup per pointer (`root.rs`);
//! - a rule borrows from the record (`Cow`) and clones only the final value; transforms that
//!   leave a value unchanged do not copy it; lists built for a record are converted in place;
//!   timestamps are formatted by hand; warnings are built only on failure;
//! - [`Mapping::apply_str`] maps straight from the JSON text a connector returns: only the
//!   top-level values the rules read are parsed, in the same pass that splits the record
//!   (values read only as fallbacks are kept as text until needed), the rest is skipped
//!   without allocating, as a serde-derived struct would; a value that one rule alone reads
//!   whole (`/title`, the `/extraFields` spread) is moved into the output, not cloned;
//! - [`Mapping::write_str`] (the read path of list pages) writes each value as JSON text as it
//!   is evaluated, with the host's fields ([`HostFields`]) in place: no `Map` per record and
//!   no second walk to serialise it (per record 6.4 → 4.7 µs in the `mapping` bench); a
//!   value output unchanged (a string into a text field without transforms, the one spread's
//!   object) is kept as text by the split and copied, never parsed (4.7 → 3.9 µs).
//!
//! What remains per record is mostly allocation that the output type imposes: one `String`
//! per key of `Map<String, Value>` and one per text value. Measured (instructions per record,
//! callgrind, the MaintainX work-order rules of the example against serde-derived structs doing the
//! same conversion): JSON text in → unified JSON text out with `apply_str` ≈ 0.6× the
//! hand-written throughput; through `serde_json::from_str::<Value>` + `apply` ≈ 0.43×;
//! `apply` alone against deserialising a `Value` into typed structs ≈ 0.3×. Allocation is
//! ~40% of `apply`'s instructions with glibc's allocator (a 21-field `IndexMap` needs a
//! 1.3 KB entry buffer, which triggers glibc's fast-bin consolidation): a faster global
//! allocator in the host binary helps the engine most.

mod apply;
mod error;
mod pointer;
mod reverse;
mod root;
mod rules;
mod source;
mod text;
mod time;
mod transform;
mod unified;

use std::sync::Arc;

pub use error::{RuleError, RuleOrigin, RuleWarning};
pub use millwright_model::{Entity, MappingWarning};
use millwright_model::FieldKind;
pub use rules::{RuleSet, compile, compile_str};
pub use unified::HostFields;
use serde_json::{Map, Value};

use crate::root::{RootIndex, RootMode};
use crate::rules::{Rule, Target};
use crate::source::Source;

/// The result of mapping one record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mapped {
    /// Unified fields in model order (see the crate docs for what is and is not included).
    pub fields: Map<String, Value>,
    /// Values that failed to convert (their field is `null`).
    pub warnings: Vec<MappingWarning>,
}

/// An effective rule and where it comes from.
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    pub(crate) rule: Arc<Rule>,
    pub(crate) origin: RuleOrigin,
    /// Root-key ids of the rule's pointers, in [`Source::pointers`] order.
    pub(crate) ids: Box<[Option<u16>]>,
    /// The source is one top-level key (`"/title"`) that no other pointer of the mapping
    /// reads ([`RootMode::Sole`]): from JSON text, its value is moved into the output.
    pub(crate) sole_root: Option<u16>,
    /// A [`RootMode::Verbatim`] root: [`Mapping::write_str`] copies its text when it already
    /// has the field's kind.
    pub(crate) verbatim: bool,
}

/// What fills one output key.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    Null,
    /// The host's `id` and `deleted` ([`HostFields`] when writing text; `null` placeholders
    /// in [`Mapped`]).
    Id,
    Deleted,
    Rule(Effective),
    CustomFields,
}

#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) key: &'static str,
    pub(crate) plan: Plan,
}

/// Fields the host adds to a mapped record (see [`Mapping`]'s template).
const HOST_FIELDS: usize = 4;

/// The effective mapping of one entity for one connection: connector defaults with the
/// connection's overrides, ready to run. Immutable, `Send + Sync`, cheap to share in an `Arc`.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub(crate) entity: Entity,
    /// In the iteration order of `template`.
    pub(crate) slots: Vec<Slot>,
    pub(crate) spreads: Vec<Effective>,
    pub(crate) custom: Vec<Effective>,
    /// The output with every key and `null` values (`{}` for `custom_fields`): cloned per
    /// record and filled through `values_mut`, so keys are never hashed per record.
    pub(crate) template: Map<String, Value>,
    pub(crate) roots: RootIndex,
    /// By root id: how [`Mapping::apply_str`] keeps that top-level value.
    pub(crate) modes: Box<[RootMode]>,
    /// Every pointer starts with a top-level key (so [`Mapping::apply_str`] can skip the
    /// rest of the record while parsing).
    pub(crate) rooted: bool,
    /// Where `updated_at` is in `slots` ([`HostFields::updated_at`] fills it when null).
    pub(crate) updated_at_slot: Option<usize>,
}

impl Mapping {
    /// Merges the connector's default rules with the connection's overrides: an override
    /// replaces the default rule of the same target (unified field, or custom field by name)
    /// or adds a target; `custom_fields_from` rules accumulate (defaults first).
    ///
    /// Both rule sets must have been compiled for `entity` (checked in debug builds; in
    /// release, rules whose target the entity does not have are ignored).
    pub fn new(entity: Entity, defaults: &RuleSet, overrides: Option<&RuleSet>) -> Mapping {
        debug_assert_eq!(
            defaults.entity, entity,
            "default rules compiled for another entity"
        );
        debug_assert!(
            overrides.is_none_or(|o| o.entity == entity),
            "overrides for another entity"
        );
        let mut fields: Vec<(&'static str, Effective)> = Vec::new();
        let mut spreads = Vec::new();
        let mut custom: Vec<Effective> = Vec::new();
        let sets = [
            (Some(defaults), RuleOrigin::Default),
            (overrides, RuleOrigin::Override),
        ];
        for (set, origin) in sets {
            let Some(set) = set else { continue };
            for rule in &set.rules {
                let effective = Effective {
                    rule: rule.clone(),
                    origin,
                    ids: Box::new([]),
                    sole_root: None,
                    verbatim: false,
                };
                match &rule.target {
                    Target::Field(spec) => match fields.iter_mut().find(|(n, _)| *n == spec.name) {
                        Some(slot) => slot.1 = effective,
                        None => fields.push((spec.name, effective)),
                    },
                    Target::Custom(name) => {
                        let same = |e: &Effective| matches!(&e.rule.target, Target::Custom(n) if n == name);
                        match custom.iter_mut().find(|e| same(e)) {
                            Some(existing) => *existing = effective,
                            None => custom.push(effective),
                        }
                    }
                    Target::Spread => spreads.push(effective),
                }
            }
        }
        let mut slots: Vec<Slot> = entity
            .fields()
            .iter()
            .filter(|f| !matches!(f.name, "remote_data" | "mapping_warnings"))
            .map(|f| {
                let plan = match f.name {
                    "custom_fields" => Plan::CustomFields,
                    "id" => Plan::Id,
                    "deleted" => Plan::Deleted,
                    name => fields
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map_or(Plan::Null, |(_, e)| Plan::Rule(e.clone())),
                };
                Slot { key: f.name, plan }
            })
            .collect();

        // Root-key ids for every pointer.
        let mut roots = RootIndex::default();
        let mut rooted = true;
        let mut assign = |e: &mut Effective| {
            e.ids = e
                .rule
                .source
                .pointers()
                .into_iter()
                .map(|p| roots.id_of(p))
                .collect();
            rooted &= e.ids.iter().all(Option::is_some);
        };
        for slot in &mut slots {
            if let Plan::Rule(e) = &mut slot.plan {
                assign(e);
            }
        }
        spreads.iter_mut().for_each(&mut assign);
        custom.iter_mut().for_each(&mut assign);

        // How `apply_str` keeps each top-level value (see `RootMode`): the first pointer of
        // a rule is always read, the others only as fallbacks.
        let one_spread = spreads.len() == 1 && custom.is_empty();
        let mut reads = vec![0u32; roots.len()];
        let mut modes = vec![RootMode::Lazy; roots.len()];
        let mut all: Vec<&mut Effective> = slots
            .iter_mut()
            .filter_map(|s| match &mut s.plan {
                Plan::Rule(e) => Some(e),
                _ => None,
            })
            .chain(spreads.iter_mut())
            .chain(custom.iter_mut())
            .collect();
        for e in &all {
            for (i, id) in e.ids.iter().enumerate() {
                if let Some(id) = id {
                    reads[*id as usize] += 1;
                    if i == 0 {
                        modes[*id as usize] = RootMode::Shared;
                    }
                }
            }
        }
        for e in &mut all {
            if let (Source::Pointer(p), [Some(id)]) = (&e.rule.source, &*e.ids)
                && p.tokens().len() == 1
                && reads[*id as usize] == 1
            {
                // Verbatim when the text is already the output: a value unchanged into a
                // text or JSON field, or the one spread's object (`write_str` copies it).
                e.verbatim = match &e.rule.target {
                    Target::Field(_) => {
                        e.rule.transforms.is_empty()
                            && matches!(e.rule.kind, FieldKind::Text | FieldKind::Json)
                    }
                    Target::Spread => one_spread,
                    Target::Custom(_) => false,
                };
                modes[*id as usize] = if e.verbatim { RootMode::Verbatim } else { RootMode::Sole };
                e.sole_root = Some(*id);
            }
        }

        // The output template, and the slots in its iteration order (the model order with
        // serde_json's `preserve_order`; correct with any map order).
        // Room for the fields the host adds to every record (`id`, `deleted`, `remote_data`,
        // `mapping_warnings`): each record's map is a clone of this one, with its capacity, and
        // a full map would be rehashed into a bigger one on the host's first insert.
        let mut template = Map::with_capacity(slots.len() + HOST_FIELDS);
        for slot in &slots {
            let empty = match slot.plan {
                Plan::CustomFields => Value::Object(Map::new()),
                _ => Value::Null,
            };
            template.insert(slot.key.to_owned(), empty);
        }
        let order: Vec<&str> = template.keys().map(String::as_str).collect();
        slots.sort_by_key(|s| order.iter().position(|k| *k == s.key));
        let updated_at_slot = slots.iter().position(|s| s.key == "updated_at");

        Mapping {
            entity,
            slots,
            spreads,
            custom,
            template,
            roots,
            modes: modes.into(),
            rooted,
            updated_at_slot,
        }
    }

    pub fn entity(&self) -> Entity {
        self.entity
    }

    /// The unified fields this mapping fills ("supported fields" in `/v1/connection`), in model
    /// order: fields with a rule, except rules whose source is `{"const": null}` (the way to
    /// mark a default-mapped field unsupported), plus `custom_fields` when any custom-field
    /// rule exists. `id`, `deleted` and `remote_data` are the host's and not listed.
    pub fn targets(&self) -> Vec<String> {
        let has_custom = !self.spreads.is_empty() || !self.custom.is_empty();
        self.slots_in_model_order()
            .filter(|slot| match &slot.plan {
                Plan::Null | Plan::Id | Plan::Deleted => false,
                Plan::Rule(e) => !matches!(e.rule.source, Source::Const(Value::Null)),
                Plan::CustomFields => has_custom,
            })
            .map(|slot| slot.key.to_owned())
            .collect()
    }

    /// Every effective rule for the field-mapping view: `(target, rule as written, origin)`,
    /// unified fields in model order, then `custom_fields.*` spreads, then
    /// `custom_fields.<name>` rules.
    pub fn rules_for_view(&self) -> Vec<(String, Value, RuleOrigin)> {
        self.effective_rules()
            .map(|e| (e.rule.label.clone(), e.rule.json.clone(), e.origin))
            .collect()
    }

    /// Unified-field rules in model order, then spreads, then custom-field rules.
    pub(crate) fn effective_rules(&self) -> impl Iterator<Item = &Effective> {
        self.slots_in_model_order()
            .filter_map(|s| match &s.plan {
                Plan::Rule(e) => Some(e),
                _ => None,
            })
            .chain(self.spreads.iter())
            .chain(self.custom.iter())
    }

    fn slots_in_model_order(&self) -> impl Iterator<Item = &Slot> {
        self.entity
            .fields()
            .iter()
            .filter_map(|f| self.slots.iter().find(|s| s.key == f.name))
    }

    /// Pointers that are absent from every sample record (a warning, not an error: the field
    /// may just be empty in these samples). No samples, no warnings.
    pub fn sample_warnings(&self, samples: &[Value]) -> Vec<RuleWarning> {
        if samples.is_empty() {
            return Vec::new();
        }
        let mut warnings = Vec::new();
        for effective in self.effective_rules() {
            let rule = &effective.rule;
            for pointer in rule.source.pointers() {
                if !samples.iter().any(|s| pointer.is_present(s)) {
                    warnings.push(RuleWarning {
                        index: rule.index,
                        origin: effective.origin,
                        target: rule.label.clone(),
                        pointer: pointer.as_str().to_owned(),
                        code: "pointer_not_found",
                        message: format!(
                            "{} was not found in any of the {} sample record{}",
                            pointer.as_str(),
                            samples.len(),
                            if samples.len() == 1 { "" } else { "s" }
                        ),
                    });
                }
            }
        }
        warnings
    }
}

#[cfg(test)]
mod tests;
