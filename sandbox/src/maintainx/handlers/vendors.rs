//! `GET /vendors`, `GET /vendors/{id}`. The spec's vendor list item is `id`, `name` and
//! (expanded) `extraFields`; the get adds contact details.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use serde_json::{Value, json};

use super::{custom_match, extra, index_of, list_response, parse_id};
use crate::maintainx::Mx;
use crate::maintainx::data::vendors::{self, Vendor, Vendors};
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Filter;
use crate::maintainx::params::{ListSpec, list_query};
use crate::maintainx::query::RawQuery;

const SPEC: ListSpec = ListSpec {
    sorts: &[],
    dated: false,
    expand: &["extra_fields"],
};

const CUSTOM_FIELDS: &[&str] = &["Payment Terms", "Vendor Code"];

pub async fn list(
    State(mx): State<Mx>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, ex) = list_query(&raw, &SPEC)?;
    let custom = raw.custom_fields(CUSTOM_FIELDS);
    let filter = Filter {
        test: Box::new(|v: &Vendor| custom_match(&v.extra_fields, &custom)),
        check_base: !custom.is_empty(),
    };
    let render = |v: &Vendor| {
        let mut m = json!({"id": v.id, "name": v.name});
        if ex.has("extra_fields") {
            m["extraFields"] = extra(&v.extra_fields);
        }
        m
    };
    Ok(list_response(
        "vendors",
        &Vendors(&mx.ds),
        &BTreeMap::new(),
        &q,
        &filter,
        &raw,
        render,
    ))
}

pub async fn get(State(mx): State<Mx>, Path(id): Path<String>) -> Result<Json<Value>, MxError> {
    let ds = &mx.ds;
    let i = index_of(&Vendors(ds), parse_id(&id)?).ok_or_else(MxError::not_found)?;
    let v = vendors::generate(ds, i);
    Ok(Json(json!({ "vendor": {
        "id": v.id,
        "name": v.name,
        "emails": v.emails,
        "phoneNumbers": v.phone_numbers,
        "description": v.description,
        "thumbnail": null,
        "attachments": [],
        "contactIds": [],
        "deletedAt": null,
        "extraFields": extra(&v.extra_fields),
    }})))
}
