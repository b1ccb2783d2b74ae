//! `GET /locations`, `GET /locations/{id}`, and the location embedded by `expand=location`.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::{custom_match, extra, index_of, list_response, parse_id};
use crate::maintainx::Mx;
use crate::maintainx::auth::Caller;
use crate::maintainx::data::locations::{self, Location, Locations};
use crate::maintainx::data::{Dataset, iso};
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Filter;
use crate::maintainx::params::{ListSpec, list_query};
use crate::maintainx::query::RawQuery;

/// The spec's locations list has no `sort` and no date filters.
const SPEC: ListSpec = ListSpec {
    sorts: &[],
    dated: false,
    expand: &["extra_fields", "team_ids", "vendor_ids", "barcode"],
};

const CUSTOM_FIELDS: &[&str] = &["Plant Code"];

fn base(l: &Location) -> serde_json::Map<String, Value> {
    match json!({
        "id": l.id,
        "name": l.name,
        "description": l.description,
        "address": l.address,
        "parentId": l.parent_id,
        "createdAt": iso(l.created_at),
        "updatedAt": iso(l.updated_at),
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// The location embedded in a work order or work request (`expand=location`), or null.
pub fn embedded(ds: &Dataset, id: Option<u64>, with_extra: bool) -> Value {
    let Some(i) = id.and_then(|id| index_of(&Locations(ds), id)) else {
        return Value::Null;
    };
    let l = locations::generate(ds, i);
    let mut m = base(&l);
    if with_extra {
        m.insert("locationExtraFields".into(), extra(&l.extra_fields));
    }
    Value::Object(m)
}

pub async fn list(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, ex) = list_query(&raw, &SPEC)?;
    let prefix = raw.first("name").map(str::to_lowercase);
    let custom = raw.custom_fields(CUSTOM_FIELDS);
    let filter = Filter {
        test: Box::new(|l: &Location| {
            prefix
                .as_ref()
                .is_none_or(|p| l.name.to_lowercase().starts_with(p.as_str()))
                && custom_match(&l.extra_fields, &custom)
        }),
        check_base: prefix.is_some() || !custom.is_empty(),
    };
    let render = |l: &Location| {
        let mut m = base(l);
        m.insert("organizationId".into(), json!(caller.org_id));
        if ex.has("extra_fields") {
            m.insert("extraFields".into(), extra(&l.extra_fields));
        }
        if ex.has("team_ids") {
            m.insert("teamIds".into(), json!([]));
        }
        if ex.has("vendor_ids") {
            m.insert("vendorIds".into(), json!([]));
        }
        if ex.has("barcode") {
            m.insert("barcode".into(), json!(l.barcode));
        }
        Value::Object(m)
    };
    Ok(list_response(
        "locations",
        &Locations(&mx.ds),
        &BTreeMap::new(),
        &q,
        &filter,
        &raw,
        render,
    ))
}

pub async fn get(State(mx): State<Mx>, Path(id): Path<String>) -> Result<Json<Value>, MxError> {
    let ds = &mx.ds;
    let i = index_of(&Locations(ds), parse_id(&id)?).ok_or_else(MxError::not_found)?;
    let l = locations::generate(ds, i);
    let mut m = base(&l);
    m.insert("barcode".into(), json!(l.barcode));
    m.insert("childrenIds".into(), json!(locations::children(ds, i)));
    m.insert("thumbnail".into(), Value::Null);
    m.insert("attachments".into(), json!([]));
    m.insert("extraFields".into(), extra(&l.extra_fields));
    m.insert("teamIds".into(), json!([]));
    m.insert("vendorIds".into(), json!([]));
    m.insert("deletedAt".into(), Value::Null);
    Ok(Json(json!({ "location": m })))
}
