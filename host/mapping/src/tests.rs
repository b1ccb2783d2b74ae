//! Engine-level tests: whole rule sets, overrides, output shape, warnings, reverse mapping.

use serde_json::{Value, json};

use super::*;

/// The default work-order rules of the MaintainX connector (as the report shows them).
pub(crate) fn maintainx_work_order_rules() -> Value {
    json!([
        {"target": "number", "source": "/sequentialId", "transform": "string"},
        {"target": "title", "source": "/title"},
        {"target": "description", "source": "/description"},
        {"target": "status", "source": "/status", "transform": {"enum": {
            "OPEN": "open", "IN_PROGRESS": "in_progress", "ON_HOLD": "on_hold",
            "DONE": "completed", "CANCELED": "cancelled", "SKIPPED": "cancelled"}}},
        {"target": "remote_status", "source": "/status"},
        {"target": "priority", "source": "/priority", "transform": {"enum": {
            "NONE": "none", "LOW": "low", "MEDIUM": "medium", "HIGH": "high"}}},
        {"target": "remote_priority", "source": "/priority"},
        {"target": "type", "source": "/type", "transform": "lowercase"},
        {"target": "asset_id", "source": "/assetId"},
        {"target": "location_id", "source": "/locationId"},
        {"target": "assignee_ids", "source": "/assigneeIds/*", "transform": "string"},
        {"target": "requester_id", "source": "/requesterId"},
        {"target": "due_at", "source": "/dueDate", "transform": {"timestamp": "iso8601"}},
        {"target": "started_at", "source": "/startDate", "transform": {"timestamp": "iso8601"}},
        {"target": "completed_at", "source": "/completedAt", "transform": {"timestamp": "iso8601"}},
        {"target": "created_at", "source": "/createdAt", "transform": {"timestamp": "iso8601"}},
        {"target": "updated_at", "source": "/updatedAt", "transform": {"timestamp": "iso8601"}},
        {"target": "deleted_at", "source": "/deletedAt", "transform": {"timestamp": "iso8601"}},
        {"target": {"custom_fields_from": "/extraFields"}}
    ])
}

pub(crate) fn maintainx_record() -> Value {
    json!({
        "id": 4211, "sequentialId": 87, "organizationId": 5,
        "title": "Replace conveyor belt", "description": null,
        "status": "IN_PROGRESS", "priority": "HIGH", "type": "REACTIVE",
        "assetId": 42, "locationId": 611, "requesterId": null,
        "assigneeIds": [17, 18],
        "assignees": [{"type": "USER", "id": 17}, {"type": "TEAM", "id": 3}],
        "dueDate": "2026-02-01T17:00:00.000Z", "startDate": null, "completedAt": null,
        "createdAt": "2026-01-31T08:00:00.000Z", "updatedAt": "2026-01-31T09:30:15.250Z",
        "deletedAt": null,
        "extraFields": {"Estimated Budget": "$250", "Shift": "Night"}
    })
}

fn mapping(entity: Entity, rules: Value) -> Mapping {
    let set = compile(entity, &rules).unwrap_or_else(|e| panic!("{e:?}"));
    Mapping::new(entity, &set, None)
}

fn keys(m: &Mapped) -> Vec<&str> {
    m.fields.keys().map(String::as_str).collect()
}

#[test]
fn maintainx_work_order() {
    let m = mapping(Entity::WorkOrder, maintainx_work_order_rules());
    let out = m.apply(&maintainx_record());
    assert_eq!(out.warnings, vec![]);
    assert_eq!(
        Value::Object(out.fields.clone()),
        json!({
            "id": null, "created_at": "2026-01-31T08:00:00Z", "updated_at": "2026-01-31T09:30:15.250Z",
            "number": "87", "title": "Replace conveyor belt", "description": null,
            "status": "in_progress", "remote_status": "IN_PROGRESS",
            "priority": "high", "remote_priority": "HIGH", "type": "reactive",
            "asset_id": "42", "location_id": "611", "assignee_ids": ["17", "18"],
            "requester_id": null, "due_at": "2026-02-01T17:00:00Z", "started_at": null,
            "completed_at": null, "deleted": null, "deleted_at": null,
            "custom_fields": {"Estimated Budget": "$250", "Shift": "Night"}
        })
    );
    // Model order, every field except remote_data and mapping_warnings.
    let expected: Vec<&str> = Entity::WorkOrder
        .fields()
        .iter()
        .map(|f| f.name)
        .filter(|n| !matches!(*n, "remote_data" | "mapping_warnings"))
        .collect();
    assert_eq!(keys(&out), expected);
    // The unified record deserialises into the model's typed struct once the host fills id and
    // deleted.
    let mut fields = out.fields;
    fields.insert("id".into(), json!("4211"));
    fields.insert("deleted".into(), json!(false));
    let wo: millwright_model::WorkOrder = serde_json::from_value(Value::Object(fields)).unwrap();
    assert_eq!(
        wo.status,
        Some(millwright_model::WorkOrderStatus::InProgress)
    );
}

#[test]
fn empty_rule_set_gives_every_field_null() {
    for entity in Entity::ALL {
        let m = Mapping::new(entity, &RuleSet::empty(entity), None);
        let out = m.apply(&json!({"anything": 1}));
        assert!(out.warnings.is_empty());
        assert_eq!(out.fields.len(), entity.fields().len() - 2, "{entity}");
        for (k, v) in &out.fields {
            if k == "custom_fields" {
                assert_eq!(v, &json!({}));
            } else {
                assert_eq!(v, &Value::Null, "{entity}.{k}");
            }
        }
        assert!(m.targets().is_empty());
        assert!(m.rules_for_view().is_empty());
    }
}

#[test]
fn overrides_replace_add_and_accumulate() {
    let defaults = compile(
        Entity::WorkOrder,
        &json!([
            {"target": "title", "source": "/title"},
            {"target": "type", "source": "/type"},
            {"target": {"custom_field": "Shift"}, "source": "/shift"},
            {"target": {"custom_field": "Area"}, "source": "/area"},
            {"target": {"custom_fields_from": "/extraFields"}}
        ]),
    )
    .unwrap();
    let overrides = compile(Entity::WorkOrder, &json!([
        {"target": "title", "source": "/name", "transform": "trim"},
        {"target": "description", "source": "/notes"},
        {"target": "type", "source": {"const": null}},
        {"target": {"custom_field": "Shift"}, "source": "/shift_code", "transform": {"enum": {"N": "Night"}}},
        {"target": {"custom_fields_from": "/more"}}
    ])).unwrap();
    let m = Mapping::new(Entity::WorkOrder, &defaults, Some(&overrides));
    let record = json!({
        "title": "old", "name": " new ", "notes": "n", "type": "PM", "shift": "Day",
        "shift_code": "N", "area": "A1",
        "extraFields": {"Shift": "from spread", "Budget": "1", "Area": "spread"},
        "more": {"Budget": "2", "Color": "red"}
    });
    let out = m.apply(&record);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.fields["title"], json!("new"));
    assert_eq!(out.fields["description"], json!("n"));
    assert_eq!(out.fields["type"], Value::Null);
    // Spreads accumulate (later wins per key); explicit custom_field rules win over spreads.
    assert_eq!(
        out.fields["custom_fields"],
        json!({"Shift": "Night", "Budget": "2", "Area": "A1", "Color": "red"})
    );
    let view: Vec<(String, RuleOrigin)> = m
        .rules_for_view()
        .into_iter()
        .map(|(t, _, o)| (t, o))
        .collect();
    assert_eq!(
        view,
        [
            ("title".to_owned(), RuleOrigin::Override),
            ("description".to_owned(), RuleOrigin::Override),
            ("type".to_owned(), RuleOrigin::Override),
            ("custom_fields.*".to_owned(), RuleOrigin::Default),
            ("custom_fields.*".to_owned(), RuleOrigin::Override),
            ("custom_fields.Shift".to_owned(), RuleOrigin::Override),
            ("custom_fields.Area".to_owned(), RuleOrigin::Default),
        ]
    );
    assert_eq!(
        m.rules_for_view()[0].1,
        json!({"target": "title", "source": "/name", "transform": "trim"})
    );
    // `{"const": null}` marks a field unsupported.
    assert_eq!(m.targets(), ["title", "description", "custom_fields"]);
}

#[test]
fn conversion_failures_are_null_with_warnings() {
    let m = mapping(
        Entity::WorkOrder,
        json!([
            {"target": "title", "source": "/title"},
            {"target": "due_at", "source": "/due", "transform": {"timestamp_format": "%d.%m.%Y %H:%M"}},
            {"target": "status", "source": "/status", "transform": {"enum": {"OPEN": "open"}}},
            {"target": "priority", "source": "/priority"},
            {"target": "number", "source": "{/site}/{/tags}"},
            {"target": "assignee_ids", "source": "/people/*/id"},
            {"target": {"custom_field": "Cost"}, "source": "/cost", "transform": "number"},
            {"target": {"custom_fields_from": "/extra"}}
        ]),
    );
    let out = m.apply(&json!({
        "title": true, "due": "31.02.2026 08:00", "status": "WEIRD", "priority": "HIGH",
        "site": "S", "tags": ["a"], "people": [{"id": 1}, {"id": {"x": 1}}, {"id": null}, {"id": "u3"}],
        "cost": "12 EUR", "extra": ["not", "an", "object"]
    }));
    let w: Vec<(&str, &str)> = out
        .warnings
        .iter()
        .map(|w| (w.field.as_str(), w.reason.as_str()))
        .collect();
    // In model order: number, title, status, priority, assignee_ids, due_at, custom fields.
    assert_eq!(
        w,
        [
            ("number", "template part /tags is a list, not a scalar"),
            ("title", "expected text, got a boolean"),
            ("status", "\"WEIRD\" is not in the enum map"),
            (
                "priority",
                "\"HIGH\" is not one of none, low, medium, high, urgent"
            ),
            ("assignee_ids", "element 1: expected text, got an object"),
            (
                "due_at",
                "cannot read \"31.02.2026 08:00\" with {\"timestamp_format\": \"%d.%m.%Y %H:%M\"}"
            ),
            (
                "custom_fields.*",
                "custom_fields_from expects an object, got a list"
            ),
            (
                "custom_fields.Cost",
                "cannot convert \"12 EUR\" to a number"
            ),
        ]
    );
    for field in ["title", "due_at", "status", "priority", "number"] {
        assert_eq!(out.fields[field], Value::Null, "{field}");
    }
    assert_eq!(out.fields["assignee_ids"], json!(["1", "u3"]));
    assert_eq!(out.fields["custom_fields"], json!({"Cost": null}));
}

#[test]
fn wildcards_templates_and_lists() {
    let m = mapping(
        Entity::WorkOrder,
        json!([
            {"target": "assignee_ids", "source": ["/assigneeIds/*", "/assigneeId"]},
            {"target": "number", "source": "{/siteid}/{/wonum}"},
            {"target": "location_id", "source": ["/location/id", "/locationId"]},
            {"target": {"custom_field": "Team names"}, "source": "/teams/*/name"}
        ]),
    );
    let out = m.apply(
        &json!({"assigneeIds": [1, null, "2"], "siteid": "BEDFORD", "wonum": 1001,
                               "location": null, "locationId": 7,
                               "teams": [{"name": "A"}, {"name": "B"}]}),
    );
    assert_eq!(out.fields["assignee_ids"], json!(["1", "2"]));
    assert_eq!(out.fields["number"], json!("BEDFORD/1001"));
    assert_eq!(out.fields["location_id"], json!("7"));
    assert_eq!(
        out.fields["custom_fields"],
        json!({"Team names": ["A", "B"]})
    );
    // A single value fills a list field as a one-element list; a missing array is null.
    let out = m.apply(&json!({"assigneeId": 5, "siteid": "X"}));
    assert_eq!(out.fields["assignee_ids"], json!(["5"]));
    assert_eq!(out.fields["number"], Value::Null);
    assert_eq!(out.fields["custom_fields"], json!({"Team names": null}));
    let out = m.apply(&json!({"assigneeIds": []}));
    assert_eq!(out.fields["assignee_ids"], json!([]));
    assert!(out.warnings.is_empty());
}

#[test]
fn other_entities() {
    let m = mapping(
        Entity::Part,
        json!([
            {"target": "name", "source": "/name", "transform": "trim"},
            {"target": "unit_cost", "source": "/unitCost", "transform": "number"},
            {"target": "quantity_on_hand", "source": "/availableQuantity"},
            {"target": "minimum_quantity", "source": "/minimumQuantity", "transform": {"default": 0}},
            {"target": "vendor_ids", "source": "/vendors/*/id"}
        ]),
    );
    let out = m.apply(
        &json!({"name": " Bearing ", "unitCost": "12.50", "availableQuantity": 3,
                               "vendors": [{"id": 9}]}),
    );
    assert!(out.warnings.is_empty());
    assert_eq!(out.fields["name"], json!("Bearing"));
    assert_eq!(out.fields["unit_cost"], json!(12.5));
    assert_eq!(out.fields["quantity_on_hand"], json!(3));
    assert_eq!(out.fields["minimum_quantity"], json!(0));
    assert_eq!(out.fields["vendor_ids"], json!(["9"]));

    let m = mapping(
        Entity::User,
        json!([
            {"target": "is_active", "source": "/IsActive", "transform": {"enum": {"X": true, "": false}}},
            {"target": "email", "source": "/mail", "transform": ["trim", "lowercase"]}
        ]),
    );
    let out = m.apply(&json!({"IsActive": "", "mail": " Ann@Example.com "}));
    assert_eq!(out.fields["is_active"], json!(false));
    assert_eq!(out.fields["email"], json!("ann@example.com"));

    let m = mapping(
        Entity::PurchaseOrder,
        json!([
            {"target": "ordered_at", "source": "/OrderDate", "transform": {"timestamp": "odata_date", "zero_is_null": true}},
            {"target": "line_items", "source": "/lines"}
        ]),
    );
    let out = m.apply(
        &json!({"OrderDate": "/Date(1492041600000)/", "lines": [{"part_id": "1", "quantity": 2}]}),
    );
    assert_eq!(out.fields["ordered_at"], json!("2017-04-13T00:00:00Z"));
    assert_eq!(
        out.fields["line_items"],
        json!([{"part_id": "1", "quantity": 2}])
    );
}

#[test]
fn sample_warnings_for_absent_pointers() {
    let defaults = compile(
        Entity::WorkOrder,
        &json!([
            {"target": "title", "source": "/title"},
            {"target": "number", "source": "{/siteid}/{/wonum}"},
            {"target": "asset_id", "source": ["/assetId", "/asset/id"]},
            {"target": "assignee_ids", "source": "/assignees/*/id"},
            {"target": {"custom_fields_from": "/extraFields"}}
        ]),
    )
    .unwrap();
    let overrides = compile(
        Entity::WorkOrder,
        &json!([
            {"target": {"custom_field": "Budget"}, "source": "/budgett"}
        ]),
    )
    .unwrap();
    let m = Mapping::new(Entity::WorkOrder, &defaults, Some(&overrides));
    let samples = [
        json!({"title": "a", "siteid": "S", "assetId": null, "assignees": [{"id": 1}]}),
        json!({"title": "b", "siteid": "S", "assignees": []}),
    ];
    let owned = m.sample_warnings(&samples);
    let got: Vec<(usize, RuleOrigin, &str, &str)> = owned
        .iter()
        .map(|w| (w.index, w.origin, w.target.as_str(), w.pointer.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, RuleOrigin::Default, "number", "/wonum"),
            (2, RuleOrigin::Default, "asset_id", "/asset/id"),
            (4, RuleOrigin::Default, "custom_fields.*", "/extraFields"),
            (0, RuleOrigin::Override, "custom_fields.Budget", "/budgett"),
        ]
    );
    assert_eq!(owned[0].code, "pointer_not_found");
    assert_eq!(
        owned[0].message,
        "/wonum was not found in any of the 2 sample records"
    );
    assert!(m.sample_warnings(&[]).is_empty());
}

#[test]
fn reverse_round_trip() {
    let m = mapping(
        Entity::WorkOrder,
        json!([
            {"target": {"custom_field": "Budget"}, "source": "/fields/budget"},
            {"target": {"custom_field": "Crit"}, "source": "/crit", "transform": {"enum": {"1": "high", "2": "low", "01": "high"}}},
            {"target": {"custom_field": "Inspected"}, "source": "/insp", "transform": {"timestamp": "epoch_s", "zero_is_null": true}},
            {"target": {"custom_field": "Shipped"}, "source": "/d/ship", "transform": {"timestamp": "odata_date"}},
            {"target": {"custom_field": "Audit"}, "source": "/d/audit", "transform": {"timestamp_format": "%d.%m.%Y %H:%M"}},
            {"target": {"custom_field": "Seen"}, "source": "/seen", "transform": {"timestamp": "epoch_ms"}},
            {"target": {"custom_field": "At"}, "source": "/at", "transform": {"timestamp": "iso8601"}},
            {"target": {"custom_field": "Day"}, "source": "/day", "transform": ["trim", "date"]},
            {"target": {"custom_field": "a/b"}, "source": "/x~1y/z~0"},
            {"target": {"custom_fields_from": "/extraFields"}}
        ]),
    );
    let unified = json!({
        "Budget": 250, "Crit": "high", "Inspected": "2026-01-31T08:00:00Z",
        "Shipped": "2017-04-13T00:00:00Z", "Audit": "2026-01-31T08:00:00Z",
        "Seen": "2026-01-31T08:00:00.123Z", "At": "2026-01-31T09:00:00+01:00",
        "Day": "2026-01-31", "a/b": "slash", "Estimated Budget": "$300", "Cleared": null
    });
    let patch = m
        .reverse_custom_fields(unified.as_object().unwrap())
        .unwrap();
    assert_eq!(
        Value::Object(patch.clone()),
        json!({
            "fields": {"budget": 250}, "crit": "1", "insp": 1769846400,
            "d": {"ship": "/Date(1492041600000)/", "audit": "31.01.2026 08:00"},
            "seen": 1769846400123i64, "at": "2026-01-31T08:00:00Z", "day": "2026-01-31",
            "x/y": {"z~": "slash"},
            "extraFields": {"Estimated Budget": "$300", "Cleared": null}
        })
    );
    // Reading the patch back gives the unified values (timestamps canonical).
    let back = m.apply(&Value::Object(patch));
    let mut expected = unified.as_object().unwrap().clone();
    expected.insert("At".into(), json!("2026-01-31T08:00:00Z"));
    let got = back.fields["custom_fields"].as_object().unwrap();
    for (k, v) in &expected {
        assert_eq!(got.get(k), Some(v), "{k}");
    }
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    // Null clears.
    let patch = m
        .reverse_custom_fields(
            json!({"Crit": null, "Inspected": null})
                .as_object()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(Value::Object(patch), json!({"crit": null, "insp": null}));
}

#[test]
fn reverse_errors() {
    let m = mapping(
        Entity::WorkOrder,
        json!([
            {"target": {"custom_field": "S"}, "source": "/s", "transform": "string"},
            {"target": {"custom_field": "T"}, "source": "{/a}-{/b}"},
            {"target": {"custom_field": "W"}, "source": "/l/*/x"},
            {"target": {"custom_field": "C"}, "source": {"const": 1}},
            {"target": {"custom_field": "F"}, "source": ["/f", "/g"]},
            {"target": {"custom_field": "E"}, "source": "/e", "transform": {"enum": {"A": "a"}}},
            {"target": {"custom_field": "D"}, "source": "/d", "transform": {"timestamp": "iso8601"}},
            {"target": {"custom_field": "P"}, "source": "/p/q"},
            {"target": {"custom_field": "Q"}, "source": "/p"}
        ]),
    );
    let body = json!({"S": "x", "T": "x", "W": "x", "C": 1, "F": "x", "E": "zzz", "D": "tomorrow",
                      "P": 1, "Q": 2, "Unknown": 3});
    let e = m
        .reverse_custom_fields(body.as_object().unwrap())
        .unwrap_err();
    let got: Vec<(usize, &str, &str)> = e
        .iter()
        .map(|e| (e.index, e.target.as_deref().unwrap(), e.code))
        .collect();
    assert_eq!(
        got,
        [
            (0, "custom_fields.S", "not_reversible"),
            (1, "custom_fields.T", "not_reversible"),
            (2, "custom_fields.W", "not_reversible"),
            (3, "custom_fields.C", "not_reversible"),
            (4, "custom_fields.F", "not_reversible"),
            (5, "custom_fields.E", "invalid_value"),
            (6, "custom_fields.D", "invalid_value"),
            (8, "custom_fields.Q", "conflicting_paths"),
            (9, "custom_fields.Unknown", "unknown_custom_field"),
        ]
    );
    assert_eq!(
        e[0].message,
        "custom_fields.S cannot be written: its rule uses the \"string\" transform, which is not reversible"
    );
    assert_eq!(e[5].message, "\"zzz\" has no source value in the enum map");
    assert!(
        e[8].message
            .contains("\"Unknown\" has no mapping rule for work_order")
    );
    // A spread from a list of pointers is ambiguous.
    let m = mapping(
        Entity::Asset,
        json!([{"target": {"custom_fields_from": ["/a", "/b"]}}]),
    );
    let e = m
        .reverse_custom_fields(json!({"X": 1}).as_object().unwrap())
        .unwrap_err();
    assert_eq!(e[0].code, "not_reversible");
}

#[test]
fn mapping_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Mapping>();
    assert_send_sync::<RuleSet>();
    assert_send_sync::<RuleError>();
}
