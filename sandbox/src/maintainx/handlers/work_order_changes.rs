//! The writable fields of a work order: validation of POST/PATCH bodies into [`Changes`] and
//! their application to a record. Shared by create and update so both accept and reject
//! exactly the same things.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::index_of;
use super::work_orders::PRIORITIES;
use crate::maintainx::data::Dataset;
use crate::maintainx::data::assets::Assets;
use crate::maintainx::data::locations::Locations;
use crate::maintainx::data::parts::Parts;
use crate::maintainx::data::users::{self, Users};
use crate::maintainx::data::vendors::Vendors;
use crate::maintainx::data::work_orders::WorkOrder;
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::BaseSet;
use crate::maintainx::validate::Body;

const TYPES: &[&str] = &["OTHER", "REACTIVE", "PREVENTIVE"];

/// A user given by id or by email address.
fn user_ref(ds: &Dataset, v: &Value) -> Option<u64> {
    if let Some(id) = v.as_u64() {
        return index_of(&Users(ds), id).map(|_| id);
    }
    let email = v.as_str()?;
    let n: u64 = email
        .split('@')
        .next()?
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    let u = users::generate(ds, n.checked_sub(1)?);
    u.email.eq_ignore_ascii_case(email).then_some(u.id)
}

/// Every writable field of a work order, validated; `None` fields were absent.
#[derive(Default)]
pub struct Changes {
    title: Option<String>,
    description: Option<Option<String>>,
    priority: Option<String>,
    wo_type: Option<String>,
    asset_id: Option<Option<u64>>,
    location_id: Option<Option<u64>>,
    assignees: Option<(Vec<u64>, Vec<u64>)>,
    requester_id: Option<Option<u64>>,
    categories: Option<Vec<String>>,
    due_date: Option<Option<i64>>,
    start_date: Option<Option<i64>>,
    estimated_time: Option<Option<i64>>,
    extra_fields: Option<BTreeMap<String, String>>,
    vendor_ids: Option<Vec<u64>>,
    parts: Option<Vec<(u64, i64)>>,
}

fn exists<B: BaseSet>(
    b: &mut Body,
    set: &B,
    k: &str,
    id: Option<Option<u64>>,
    what: &str,
) -> Option<Option<u64>> {
    if let Some(Some(v)) = id
        && index_of(set, v).is_none()
    {
        b.fail(format!("{what} not found"), k, Some(&json!(v)));
    }
    id
}

pub fn changes(ds: &Dataset, obj: &Map<String, Value>, creating: bool) -> Result<Changes, MxError> {
    let mut b = Body::new(obj);
    if creating {
        b.require("title");
    }
    let mut c = Changes {
        title: b.text("title"),
        ..Changes::default()
    };
    c.description = b.string("description", true);
    c.priority = b.enumerated("priority", PRIORITIES);
    c.wo_type = b.enumerated("type", TYPES);
    let asset = b.id("assetId", true);
    c.asset_id = exists(&mut b, &Assets(ds), "assetId", asset, "Asset");
    let location = b.id("locationId", true);
    c.location_id = exists(&mut b, &Locations(ds), "locationId", location, "Location");
    if let Some(list) = b.array("assignees") {
        let (mut people, mut teams) = (Vec::new(), Vec::new());
        for (n, a) in list.iter().enumerate() {
            let path = format!("assignees[{n}]");
            match (a.get("type").and_then(Value::as_str), a.get("id")) {
                (Some("USER"), Some(id)) => match user_ref(ds, id) {
                    Some(u) if people.contains(&u) => {}
                    Some(u) => people.push(u),
                    None => b.fail(
                        "ID is invalid or user is not part of the organization",
                        &format!("{path}.id"),
                        Some(id),
                    ),
                },
                (Some("TEAM"), Some(id)) => match id.as_u64() {
                    Some(t) if teams.contains(&t) => {}
                    Some(t) => teams.push(t),
                    None => b.fail("should be integer", &format!("{path}.id"), Some(id)),
                },
                (Some(_), Some(_)) => {
                    b.fail("Invalid type", &format!("{path}.type"), a.get("type"))
                }
                _ => b.fail("should have required properties 'type', 'id'", &path, None),
            }
        }
        c.assignees = Some((people, teams));
    }
    if let Some(v) = b.raw("requesterId") {
        c.requester_id = Some(match v {
            Value::Null => None,
            v => {
                let u = user_ref(ds, v);
                if u.is_none() {
                    b.fail(
                        "ID is invalid or user is not part of the organization",
                        "requesterId",
                        Some(v),
                    );
                }
                u
            }
        });
    }
    c.categories = b.strings("categories");
    c.due_date = b.datetime("dueDate", true);
    c.start_date = b.datetime("startDate", true);
    c.estimated_time = b.integer("estimatedTime", true);
    c.extra_fields = b.string_map("extraFields");
    if let Some(ids) = b.ids("vendorIds") {
        for (n, v) in ids.iter().enumerate() {
            if index_of(&Vendors(ds), *v).is_none() {
                b.fail(
                    "Vendor not found",
                    &format!("vendorIds[{n}]"),
                    Some(&json!(v)),
                );
            }
        }
        c.vendor_ids = Some(ids);
    }
    if let Some(list) = b.array("partsUsed") {
        let mut parts = Vec::new();
        for (n, p) in list.iter().enumerate() {
            match (
                p.get("partId").and_then(Value::as_u64),
                p.get("quantityUsed").and_then(Value::as_i64),
            ) {
                (Some(id), Some(q)) if index_of(&Parts(ds), id).is_some() => parts.push((id, q)),
                (Some(id), Some(_)) => b.fail(
                    "Part not found",
                    &format!("partsUsed[{n}].partId"),
                    Some(&json!(id)),
                ),
                _ => b.fail(
                    "should have required properties 'partId', 'quantityUsed'",
                    &format!("partsUsed[{n}]"),
                    None,
                ),
            }
        }
        c.parts = Some(parts);
    }
    b.finish()?;
    Ok(c)
}

/// Sets a nullable field when the body had it (a JSON null clears it).
fn set<T>(dst: &mut Option<T>, v: Option<Option<T>>) {
    if let Some(v) = v {
        *dst = v;
    }
}

pub fn apply(wo: &mut WorkOrder, c: Changes) {
    if let Some(t) = c.title {
        wo.title = t;
    }
    set(&mut wo.description, c.description);
    if let Some(p) = c.priority {
        wo.priority = p;
    }
    if let Some(t) = c.wo_type {
        wo.wo_type = Some(t);
    }
    set(&mut wo.asset_id, c.asset_id);
    set(&mut wo.location_id, c.location_id);
    if let Some((people, teams)) = c.assignees {
        wo.assignee_ids = people;
        wo.team_ids = teams;
    }
    set(&mut wo.requester_id, c.requester_id);
    if let Some(cats) = c.categories {
        wo.categories = cats;
    }
    set(&mut wo.due_date, c.due_date);
    set(&mut wo.start_date, c.start_date);
    set(&mut wo.estimated_time, c.estimated_time);
    if let Some(x) = c.extra_fields {
        wo.extra_fields.extend(x);
    }
    if let Some(v) = c.vendor_ids {
        wo.vendor_ids = v;
    }
    if let Some(p) = c.parts {
        wo.part_status = if p.is_empty() { "NO_PARTS" } else { "ASSIGNED" }.to_string();
        wo.parts = p;
    }
    wo.due_date_is_full_day = wo
        .due_date
        .map(|_| wo.due_date_is_full_day.unwrap_or(false));
}
