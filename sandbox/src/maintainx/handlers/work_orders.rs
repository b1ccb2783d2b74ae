//! `GET /workorders` (filters, sorts, expands as the spec declares them) and
//! `GET /workorders/{id}`.

use axum::extract::{OriginalUri, Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};

pub use super::work_order_render::{View, render};
use super::{index_of, list_response, parse_id};
use crate::maintainx::Mx;
use crate::maintainx::auth::Caller;
use crate::maintainx::data::first_id;
use crate::maintainx::data::work_orders::{self, WorkOrder, WorkOrders, category_id};
use crate::maintainx::errors::MxError;
use crate::maintainx::listing::Filter;
use crate::maintainx::params::{Expand, ListSpec, list_query};
use crate::maintainx::query::RawQuery;

const SPEC: ListSpec = ListSpec {
    sorts: &[
        "updatedAt",
        "createdAt",
        "dueDate",
        "startedAt",
        "completedAt",
    ],
    dated: true,
    expand: &[
        "thumbnail",
        "assignees",
        "categories",
        "parts",
        "asset",
        "location",
        "procedure",
        "vendor_ids",
        "times",
        "time_items",
        "expenditures",
        "extra_fields",
        "part_extra_fields",
        "asset_extra_fields",
        "location_extra_fields",
        "estimated_time",
    ],
};

/// The get's (and the PATCH endpoints') `expand` enum.
pub const GET_EXPAND: &[&str] = &[
    "assignees",
    "asset",
    "estimated_time",
    "location",
    "parts",
    "times",
    "time_items",
    "expenditures",
    "extra_fields",
    "part_extra_fields",
    "asset_extra_fields",
    "location_extra_fields",
];

pub const STATUSES: &[&str] = &[
    "OPEN",
    "IN_PROGRESS",
    "ON_HOLD",
    "DONE",
    "CANCELED",
    "SKIPPED",
];
pub const PRIORITIES: &[&str] = &["NONE", "LOW", "MEDIUM", "HIGH"];
const PART_STATUSES: &[&str] = &[
    "NO_PARTS", "ASSIGNED", "RESERVED", "KITTED", "STAGED", "ISSUED",
];
const HIERARCHY: &[&str] = &["PARENT", "SUB_WORK_ORDER", "STANDALONE"];

/// A work order by id (overlay first, then the generated range).
pub fn find(mx: &Mx, id: u64) -> Option<WorkOrder> {
    if let Some(wo) = mx.store.work_orders.read().unwrap().get(&id) {
        return Some(wo.clone());
    }
    index_of(&WorkOrders(&mx.ds), id).map(|i| work_orders::generate(&mx.ds, i))
}

fn categories(raw: &RawQuery, name: &str) -> Option<Vec<String>> {
    let vals = raw.all(name);
    (!vals.is_empty()).then(|| {
        vals.iter()
            .map(|v| match v.parse::<u64>() {
                Ok(id) => crate::maintainx::data::catalog::CATEGORIES
                    .iter()
                    .find(|c| category_id(c) == Some(id))
                    .map_or_else(|| format!("#{id}"), |c| c.to_string()),
                Err(_) => v.to_string(),
            })
            .collect()
    })
}

pub async fn list(
    State(mx): State<Mx>,
    Extension(caller): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let (q, ex) = list_query(&raw, &SPEC)?;
    let title = raw.first("title").map(str::to_lowercase);
    let ids = |n: &str| raw.ids(n);
    let (assets_in, assets_out) = (ids("assets")?, ids("notAssets")?);
    let (locs_in, locs_out) = (ids("locations")?, ids("notLocations")?);
    let (parts_in, parts_out) = (ids("parts")?, ids("notParts")?);
    let (vendors_in, vendors_out) = (ids("vendors")?, ids("notVendors")?);
    let (assignees, teams) = (ids("assignees")?, ids("teams")?);
    let (cats_in, cats_out) = (
        categories(&raw, "categories"),
        categories(&raw, "notCategories"),
    );
    let priorities = raw.enums("priorities", PRIORITIES)?;
    let statuses = raw.enums("statuses", STATUSES)?;
    let part_statuses = raw.enums("partStatuses", PART_STATUSES)?;
    let hierarchy = raw.enums("parentSubWorkOrderTypes", HIERARCHY)?;
    let show_upcoming = raw.flag("show_upcoming")?.unwrap_or(false);
    let now = chrono::Utc::now().timestamp_millis();
    let check_base = title.is_some()
        || [
            &assets_in,
            &assets_out,
            &locs_in,
            &locs_out,
            &parts_in,
            &parts_out,
            &vendors_in,
            &vendors_out,
            &assignees,
            &teams,
        ]
        .iter()
        .any(|f| f.is_some())
        || cats_in.is_some()
        || cats_out.is_some()
        || [&priorities, &statuses, &part_statuses, &hierarchy]
            .iter()
            .any(|f| f.is_some());
    let one = |set: &Option<Vec<u64>>, v: Option<u64>| {
        set.as_ref()
            .is_none_or(|s| v.is_some_and(|v| s.contains(&v)))
    };
    let none = |set: &Option<Vec<u64>>, v: Option<u64>| {
        set.as_ref()
            .is_none_or(|s| v.is_none_or(|v| !s.contains(&v)))
    };
    let any = |set: &Option<Vec<u64>>, vs: &[u64]| {
        set.as_ref()
            .is_none_or(|s| vs.iter().any(|v| s.contains(v)))
    };
    let no = |set: &Option<Vec<u64>>, vs: &[u64]| {
        set.as_ref()
            .is_none_or(|s| !vs.iter().any(|v| s.contains(v)))
    };
    let has_cat = |set: &Option<Vec<String>>, wo: &WorkOrder| {
        set.as_ref().is_none_or(|s| {
            wo.categories
                .iter()
                .any(|c| s.iter().any(|x| x.eq_ignore_ascii_case(c)))
        })
    };
    let enum_ok =
        |set: &Option<Vec<String>>, v: &str| set.as_ref().is_none_or(|s| s.iter().any(|x| x == v));
    let filter = Filter {
        test: Box::new(|wo: &WorkOrder| {
            let part_ids: Vec<u64> = wo.parts.iter().map(|(p, _)| *p).collect();
            title.as_ref().is_none_or(|t| wo.title.to_lowercase().contains(t.as_str()))
                && one(&assets_in, wo.asset_id)
                && none(&assets_out, wo.asset_id)
                && one(&locs_in, wo.location_id)
                && none(&locs_out, wo.location_id)
                && any(&parts_in, &part_ids)
                && no(&parts_out, &part_ids)
                && any(&vendors_in, &wo.vendor_ids)
                && no(&vendors_out, &wo.vendor_ids)
                && any(&assignees, &wo.assignee_ids)
                && any(&teams, &wo.team_ids)
                && has_cat(&cats_in, wo)
                && (cats_out.is_none() || !has_cat(&cats_out, wo))
                && enum_ok(&priorities, &wo.priority)
                && enum_ok(&statuses, &wo.status)
                && enum_ok(&part_statuses, &wo.part_status)
                && enum_ok(&hierarchy, "STANDALONE")
                // Work orders whose start date is still ahead are hidden unless asked for
                // (generated start dates are all in the past).
                && (show_upcoming || wo.start_date.is_none_or(|s| s <= now))
        }),
        check_base,
    };
    let overlay = mx.store.work_orders.read().unwrap();
    let render = |wo: &WorkOrder| render(wo, &mx.ds, caller.org_id, View::List, &ex);
    Ok(list_response(
        "workOrders",
        &WorkOrders(&mx.ds),
        &overlay,
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
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, MxError> {
    let raw = RawQuery::from_uri(&uri)?;
    let ex = Expand::parse(&raw, GET_EXPAND)?;
    let id = parse_id(&id)?;
    // Sequential ids map onto global ids one to one (created records continue both ranges).
    let id = if raw.flag("useSequentialId")?.unwrap_or(false) {
        id.checked_sub(1).map_or(0, |s| first_id::WORK_ORDER + s)
    } else {
        id
    };
    let wo = find(&mx, id);
    let wo = wo.ok_or_else(MxError::not_found)?;
    Ok(Json(
        json!({ "workOrder": render(&wo, &mx.ds, caller.org_id, View::Get, &ex) }),
    ))
}
