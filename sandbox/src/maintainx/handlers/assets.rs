//! `GET /assets`, `GET /assets/{id}`, and the asset object embedded by `expand=asset`.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path, State};
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::{custom_match, extra, index_of, list_response, parse_id};
use crate::maintainx::Mx;
use crate::maintainx::auth::Caller;
use crate::maintainx::data::assets::{self, Asset, Assets};
use crate::maintainx::data::{Dataset, iso};
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Filter;
use crate::maintainx::params::{ListSpec, list_query};
use crate::maintainx::query::RawQuery;

const SPEC: ListSpec = ListSpec {
    sorts: &["id", "createdAt", "updatedAt"],
    dated: true,
    expand: &[
        "barcode",
        "team_ids",
        "asset_types",
        "extra_fields",
        "vendor_ids",
        "depreciation",
        "status",
        "manufacturer",
        "model",
    ],
};

const CUSTOM_FIELDS: &[&str] = &["Criticality", "Install Year", "Cost Center"];

/// The fields every asset rendering has (the spec's `required` set for lists and embeds).
pub fn core(a: &Asset) -> Map<String, Value> {
    let v = json!({
        "id": a.id,
        "name": a.name,
        "description": a.description,
        "parentId": a.parent_id,
        "criticalityId": null,
        "locationId": a.location_id,
        "serialNumber": a.serial_number,
        "createdAt": iso(a.created_at),
        "updatedAt": iso(a.updated_at),
        "creatorId": a.creator_id,
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// The asset embedded in a work order or work request (`expand=asset`), or null.
pub fn embedded(ds: &Dataset, id: Option<u64>, with_extra: bool) -> Value {
    let Some(i) = id.and_then(|id| index_of(&Assets(ds), id)) else {
        return Value::Null;
    };
    let a = assets::generate(ds, i);
    let mut m = core(&a);
    if with_extra {
        m.insert("assetExtraFields".into(), extra(&a.extra_fields));
    }
    Value::Object(m)
}

fn status(a: &Asset) -> Value {
    json!({
        "id": 800_000 + a.index,
        "status": a.status,
        "downtimeType": a.downtime_type,
        "startedAt": iso(a.updated_at),
        "endedAt": null,
        "description": a.downtime_type.map(|_| "Down for repair"),
        "createdAt": iso(a.updated_at),
        "updatedAt": iso(a.updated_at),
        "deletedAt": null,
    })
}

fn depreciation(a: &Asset) -> Value {
    let annual = (a.purchase_price / 10.0).round();
    json!({
        "id": 810_000 + a.index,
        "purchasePrice": a.purchase_price,
        "purchaseDate": iso(a.purchase_date),
        "salvageValue": (a.purchase_price / 10.0).round(),
        "annualDepreciation": annual,
        "accumulatedDepreciation": annual * 3.0,
        "currentBookValue": a.purchase_price - annual * 3.0,
        "depreciationStartDate": iso(a.purchase_date),
    })
}

pub async fn list(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, ex) = list_query(&raw, &SPEC)?;
    let location = match raw.first("locationId") {
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            MxError::bad_query(format!("locationId must be an integer, got {v:?}"))
        })?),
        None => None,
    };
    let makers: Vec<String> = raw
        .all("manufacturer")
        .iter()
        .map(|s| s.to_string())
        .collect();
    let models: Vec<String> = raw.all("model").iter().map(|s| s.to_string()).collect();
    let custom = raw.custom_fields(CUSTOM_FIELDS);
    let needs =
        location.is_some() || !makers.is_empty() || !models.is_empty() || !custom.is_empty();
    let filter = Filter {
        test: Box::new(|a: &Asset| {
            location.is_none_or(|l| a.location_id == Some(l))
                && (makers.is_empty() || makers.contains(&a.manufacturer))
                && (models.is_empty() || models.contains(&a.model))
                && custom_match(&a.extra_fields, &custom)
        }),
        check_base: needs,
    };
    let render = |a: &Asset| {
        let mut m = core(a);
        m.insert("organizationId".into(), json!(caller.org_id));
        let mut put = |e: &str, k: &str, v: Value| {
            if ex.has(e) {
                m.insert(k.into(), v);
            }
        };
        put("barcode", "barcode", json!(a.barcode));
        put("team_ids", "teamIds", json!([]));
        put("asset_types", "assetTypes", json!([a.asset_type]));
        put("extra_fields", "extraFields", extra(&a.extra_fields));
        put("vendor_ids", "vendorIds", json!(a.vendor_ids));
        put("depreciation", "depreciation", depreciation(a));
        put("status", "status", status(a));
        put("manufacturer", "manufacturer", json!(a.manufacturer));
        put("model", "model", json!(a.model));
        Value::Object(m)
    };
    Ok(list_response(
        "assets",
        &Assets(&mx.ds),
        &BTreeMap::new(),
        &q,
        &filter,
        &raw,
        render,
    ))
}

pub async fn get(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, MxError> {
    let ds = &mx.ds;
    let i = index_of(&Assets(ds), parse_id(&id)?).ok_or_else(MxError::not_found)?;
    let a = assets::generate(ds, i);
    let children: Vec<u64> =
        if !assets::is_child(i) && i + 1 < ds.n.assets && assets::is_child(i + 1) {
            vec![assets::id(i + 1)]
        } else {
            vec![]
        };
    let mut m = core(&a);
    let r = ds.rnd("asset.uuid", i);
    let more = json!({
        "globalUuid": format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", r >> 32, (r >> 16) & 0xffff, r & 0xfff, (r >> 20) & 0xfff, ds.rnd("asset.uuid2", i) & 0xffff_ffff_ffff),
        "currentOwnerId": caller.org_id,
        "barcode": a.barcode,
        "teamIds": [],
        "assetTypes": [a.asset_type],
        "childrenIds": children,
        "thumbnail": null,
        "attachments": [],
        "extraFields": extra(&a.extra_fields),
        "vendorIds": a.vendor_ids,
        "deletedAt": null,
        "depreciation": depreciation(&a),
        "manufacturer": a.manufacturer,
        "model": a.model,
        "status": status(&a),
    });
    if let Value::Object(more) = more {
        m.extend(more);
    }
    Ok(Json(json!({ "asset": m })))
}
