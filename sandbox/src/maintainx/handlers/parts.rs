//! `GET /parts`, `GET /parts/{id}`, and the part lines embedded by a work order's
//! `expand=parts`.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path, State};
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::{custom_match, extra, index_of, list_response, parse_id};
use crate::maintainx::Mx;
use crate::maintainx::auth::Caller;
use crate::maintainx::data::parts::{self, Part, Parts};
use crate::maintainx::data::{Dataset, iso};
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Filter;
use crate::maintainx::params::{ListSpec, list_query};
use crate::maintainx::query::RawQuery;

const SPEC: ListSpec = ListSpec {
    sorts: &["id", "createdAt", "updatedAt"],
    dated: true,
    expand: &["extra_fields", "vendors"],
};

const CUSTOM_FIELDS: &[&str] = &["Bin", "Criticality"];

fn vendors(p: &Part) -> Value {
    Value::Array(
        p.vendors
            .iter()
            .map(|(id, pn)| json!({"vendorId": id, "partNumber": pn}))
            .collect(),
    )
}

/// Stock figures shared by list and get.
fn base(p: &Part) -> Map<String, Value> {
    let committed = json!({"kitted": 0, "reserved": p.reserved, "staged": 0});
    match json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "barcode": p.barcode,
        "locationId": p.location_id,
        "locations": p.location_id.map(|l| vec![json!({
            "locationId": l,
            "availableQuantity": p.available,
            "minimumQuantity": p.minimum,
            "maximumQuantity": p.maximum,
            "area": p.area,
            "reservedQuantity": p.reserved,
            "committedQuantities": committed,
            "assignedQuantity": 0,
        })]).unwrap_or_default(),
        "area": p.area,
        "unitCost": p.unit_cost,
        "availableQuantity": p.available,
        "inStockQuantity": p.available + p.reserved,
        "minimumQuantity": p.minimum,
        "maximumQuantity": p.maximum,
        "orderedQuantity": p.ordered,
        "reservedQuantity": p.reserved,
        "committedQuantities": committed,
        "assignedQuantity": 0,
        "partTypes": p.part_types,
        "createdAt": iso(p.created_at),
        "updatedAt": iso(p.updated_at),
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A work order's part line (`expand=parts`); `None` if the part does not exist.
pub fn work_order_line(
    ds: &Dataset,
    part_id: u64,
    quantity: i64,
    with_extra: bool,
) -> Option<Value> {
    let p = parts::generate(ds, index_of(&Parts(ds), part_id)?);
    let mut line = json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "area": p.area,
        "unitCost": p.unit_cost,
        "availableQuantity": p.available,
        "minimumQuantity": p.minimum,
        "barcode": p.barcode,
        "quantityUsed": quantity,
        "copyOnRecurring": "Default",
        "locationId": p.location_id,
    });
    if with_extra {
        line["extraFields"] = extra(&p.extra_fields);
    }
    Some(line)
}

pub async fn list(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, ex) = list_query(&raw, &SPEC)?;
    let numbers: Vec<String> = raw
        .all("partNumber")
        .iter()
        .map(|s| s.to_string())
        .collect();
    let custom = raw.custom_fields(CUSTOM_FIELDS);
    let filter = Filter {
        test: Box::new(|p: &Part| {
            (numbers.is_empty() || p.vendors.iter().any(|(_, pn)| numbers.contains(pn)))
                && custom_match(&p.extra_fields, &custom)
        }),
        check_base: !numbers.is_empty() || !custom.is_empty(),
    };
    let render = |p: &Part| {
        let mut m = base(p);
        m.insert("organizationId".into(), json!(caller.org_id));
        if ex.has("extra_fields") {
            m.insert("extraFields".into(), extra(&p.extra_fields));
        }
        if ex.has("vendors") {
            m.insert("vendors".into(), vendors(p));
        }
        Value::Object(m)
    };
    Ok(list_response(
        "parts",
        &Parts(&mx.ds),
        &BTreeMap::new(),
        &q,
        &filter,
        &raw,
        render,
    ))
}

pub async fn get(State(mx): State<Mx>, Path(id): Path<String>) -> Result<Json<Value>, MxError> {
    let ds = &mx.ds;
    let i = index_of(&Parts(ds), parse_id(&id)?).ok_or_else(MxError::not_found)?;
    let p = parts::generate(ds, i);
    let mut m = base(&p);
    m.insert("assetIds".into(), json!(p.asset_ids));
    m.insert("teamIds".into(), json!([]));
    m.insert("extraFields".into(), extra(&p.extra_fields));
    m.insert("vendors".into(), vendors(&p));
    m.insert(
        "vendorIds".into(),
        json!(p.vendors.iter().map(|(v, _)| v).collect::<Vec<_>>()),
    );
    m.insert("thumbnail".into(), Value::Null);
    m.insert("attachments".into(), json!([]));
    m.insert("deletedAt".into(), Value::Null);
    Ok(Json(json!({ "part": m })))
}
