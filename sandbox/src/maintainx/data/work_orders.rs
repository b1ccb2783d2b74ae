//! Work orders: the big entity (up to a million). The cheap per-field functions (`status`,
//! `has_due_date`, ...) are used both by the generator and by list keys, so a list can find
//! its window without building records.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{DAY_MS, Dataset, assets, catalog, first_id, locations, parts, users, vendors};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct WorkOrder {
    pub id: u64,
    pub sequential_id: u64,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
    pub priority: String,
    pub wo_type: Option<String>,
    pub asset_id: Option<u64>,
    pub location_id: Option<u64>,
    pub assignee_ids: Vec<u64>,
    pub team_ids: Vec<u64>,
    pub creator_id: Option<u64>,
    pub requester_id: Option<u64>,
    pub completer_id: Option<u64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
    pub due_date: Option<i64>,
    pub due_date_is_full_day: Option<bool>,
    pub start_date: Option<i64>,
    pub last_message_sent_at: Option<i64>,
    pub estimated_time: Option<i64>,
    pub categories: Vec<String>,
    pub extra_fields: BTreeMap<String, String>,
    pub vendor_ids: Vec<u64>,
    /// `(part id, quantity used)`.
    pub parts: Vec<(u64, i64)>,
    pub part_status: String,
    pub recurrence: Option<Value>,
}

impl Record for WorkOrder {
    fn id(&self) -> u64 {
        self.id
    }
    fn sort_value(&self, f: SortField) -> Option<i64> {
        match f {
            SortField::Id => Some(self.id as i64),
            SortField::CreatedAt => Some(self.created_at),
            SortField::UpdatedAt => Some(self.updated_at),
            SortField::DueDate => self.due_date,
            SortField::StartDate => self.start_date,
            SortField::CompletedAt => self.completed_at,
        }
    }
}

const DUE_AFTER: i64 = 7 * DAY_MS;

/// The customised plant's own work-order status codes and what they mean (see
/// [`Dataset::plant_fields`]).
pub const PLANT_STATUSES: &[(&str, &str)] =
    &[("ZR01", "released"), ("ZW02", "waiting for parts"), ("ZC03", "technically complete"), ("ZX09", "cancelled")];

pub fn wo_type(ds: &Dataset, i: u64) -> Option<&'static str> {
    let t = [
        (Some("PREVENTIVE"), 40),
        (Some("REACTIVE"), 45),
        (Some("OTHER"), 10),
        (None, 5),
    ];
    ds.weighted("wo.type", i, &t)
}

/// Status: the most recent few percent are mostly still open, older ones mostly done.
pub fn status(ds: &Dataset, i: u64) -> &'static str {
    let recent = i * 100 / ds.n.work_orders >= 97;
    let s = if recent {
        ds.weighted(
            "wo.status",
            i,
            &[
                ("OPEN", 50),
                ("IN_PROGRESS", 25),
                ("ON_HOLD", 10),
                ("DONE", 15),
            ],
        )
    } else {
        let w = [
            ("DONE", 62),
            ("OPEN", 10),
            ("IN_PROGRESS", 6),
            ("ON_HOLD", 5),
            ("CANCELED", 9),
            ("SKIPPED", 8),
        ];
        ds.weighted("wo.status", i, &w)
    };
    if s == "SKIPPED" && wo_type(ds, i) != Some("PREVENTIVE") {
        "CANCELED"
    } else {
        s
    }
}

pub fn has_due_date(ds: &Dataset, i: u64) -> bool {
    ds.chance("wo.has_due", i, 80)
}

pub fn has_start_date(ds: &Dataset, i: u64) -> bool {
    has_due_date(ds, i) && ds.chance("wo.has_start", i, 50)
}

fn created(ds: &Dataset, i: u64) -> i64 {
    ds.work_order_tl.created(ds, "wo.c", i)
}

fn updated(ds: &Dataset, i: u64) -> i64 {
    ds.work_order_tl.updated(ds, "wo.u", i)
}

fn due(ds: &Dataset, i: u64) -> i64 {
    ds.work_order_tl.at(ds, "wo.d", i, DUE_AFTER)
}

/// The generated set of work orders, for the list engine.
pub struct WorkOrders<'a>(pub &'a Dataset);

impl BaseSet for WorkOrders<'_> {
    type R = WorkOrder;
    fn len(&self) -> u64 {
        self.0.n.work_orders
    }
    fn first_id(&self) -> u64 {
        first_id::WORK_ORDER
    }
    fn key(&self, f: SortField, i: u64) -> (bool, i64) {
        let ds = self.0;
        match f {
            SortField::Id => (true, (first_id::WORK_ORDER + i) as i64),
            SortField::CreatedAt => (true, created(ds, i)),
            SortField::UpdatedAt => (true, updated(ds, i)),
            SortField::DueDate => (has_due_date(ds, i), due(ds, i)),
            SortField::StartDate => (has_start_date(ds, i), due(ds, i) - DAY_MS),
            SortField::CompletedAt => (status(ds, i) == "DONE", updated(ds, i)),
        }
    }
    fn nullable(&self, f: SortField) -> bool {
        matches!(
            f,
            SortField::DueDate | SortField::StartDate | SortField::CompletedAt
        )
    }
    fn generate(&self, i: u64) -> WorkOrder {
        generate(self.0, i)
    }
}

/// Work order `i` (0-based) of the data set.
pub fn generate(ds: &Dataset, i: u64) -> WorkOrder {
    let status = status(ds, i);
    let wo_type = wo_type(ds, i);
    let asset = ds
        .chance("wo.has_asset", i, 88)
        .then(|| ds.pick("wo.asset", i, ds.n.assets));
    let (title, job, location) = match asset {
        Some(a) => {
            let eq = assets::equipment(ds, a);
            let job = eq.jobs[ds.pick("wo.job", i, eq.jobs.len() as u64) as usize];
            (
                format!("{job} - {}", assets::name(ds, a)),
                job,
                Some(assets::location_index(ds, a)),
            )
        }
        None => {
            let job =
                catalog::SITE_JOBS[ds.pick("wo.job", i, catalog::SITE_JOBS.len() as u64) as usize];
            let loc = locations::random_area(ds, "wo.loc", i);
            (
                format!("{job} - {}", locations::name(ds, loc)),
                job,
                Some(loc),
            )
        }
    };
    let description = ds.chance("wo.has_desc", i, 80).then(|| {
        format!("{job}. Apply lockout/tagout before starting and record readings in the procedure.")
    });
    let mut assignee_ids = Vec::new();
    for field in ["wo.assignee0", "wo.assignee1"]
        .iter()
        .take(ds.pick("wo.n_assignees", i, 3) as usize)
    {
        let u = users::id(users::assignable(ds, ds.pick(field, i, ds.n.users)));
        if !assignee_ids.contains(&u) {
            assignee_ids.push(u);
        }
    }
    let creator = users::id(users::assignable(ds, ds.pick("wo.creator", i, ds.n.users)));
    let done = status == "DONE";
    let (created_at, updated_at) = (created(ds, i), updated(ds, i));
    let due_date = has_due_date(ds, i).then(|| due(ds, i));
    let part_list: Vec<(u64, i64)> = if ds.chance("wo.has_parts", i, 30) {
        vec![(
            parts::id(ds.pick("wo.part", i, ds.n.parts)),
            1 + ds.pick("wo.part_qty", i, 4) as i64,
        )]
    } else {
        Vec::new()
    };
    let part_status = match (part_list.is_empty(), done) {
        (true, _) => "NO_PARTS",
        (false, true) => "ISSUED",
        (false, false) => "ASSIGNED",
    };
    let mut extra = BTreeMap::new();
    let cc =
        catalog::COST_CENTERS[ds.pick("wo.cc", i, catalog::COST_CENTERS.len() as u64) as usize];
    extra.insert("Cost Center".to_string(), cc.to_string());
    let downtime = if wo_type == Some("REACTIVE") {
        ds.pick("wo.downtime", i, 80) as f64 / 10.0
    } else {
        0.0
    };
    extra.insert("Downtime (h)".to_string(), format!("{downtime:.1}"));
    let shift = catalog::SHIFTS[ds.pick("wo.shift", i, 3) as usize];
    extra.insert("Shift".to_string(), shift.to_string());
    if ds.plant_fields {
        let (code, _) = PLANT_STATUSES[ds.pick("wo.plant_status", i, PLANT_STATUSES.len() as u64) as usize];
        extra.insert("Plant Status".to_string(), code.to_string());
        extra.insert("Inspected At".to_string(), (updated_at / 1000).to_string());
    }
    WorkOrder {
        id: first_id::WORK_ORDER + i,
        sequential_id: i + 1,
        title,
        description,
        status: status.to_string(),
        priority: ds
            .weighted(
                "wo.prio",
                i,
                &[("NONE", 10), ("LOW", 30), ("MEDIUM", 40), ("HIGH", 20)],
            )
            .to_string(),
        wo_type: wo_type.map(str::to_string),
        asset_id: asset.map(assets::id),
        location_id: location.map(locations::id),
        completer_id: done.then(|| assignee_ids.first().copied().unwrap_or(creator)),
        assignee_ids,
        team_ids: Vec::new(),
        creator_id: Some(creator),
        requester_id: ds
            .chance("wo.requested", i, 15)
            .then(|| users::id(ds.pick("wo.requester", i, ds.n.users))),
        created_at,
        updated_at,
        completed_at: done.then_some(updated_at),
        due_date,
        due_date_is_full_day: due_date.map(|_| ds.chance("wo.full_day", i, 60)),
        start_date: has_start_date(ds, i).then(|| due(ds, i) - DAY_MS),
        last_message_sent_at: ds
            .chance("wo.msg", i, 40)
            .then(|| created_at + (updated_at - created_at) / 2),
        estimated_time: Some([1800, 3600, 7200, 14400][ds.pick("wo.est", i, 4) as usize]),
        categories: vec![
            catalog::CATEGORIES[ds.pick("wo.cat", i, catalog::CATEGORIES.len() as u64) as usize]
                .to_string(),
        ],
        extra_fields: extra,
        vendor_ids: if ds.chance("wo.has_vendor", i, 20) {
            vec![vendors::id(ds.pick("wo.vendor", i, ds.n.vendors))]
        } else {
            Vec::new()
        },
        parts: part_list,
        part_status: part_status.to_string(),
        recurrence: (wo_type == Some("PREVENTIVE")).then(
            || json!({"type": "MONTHLY", "interval": 1, "day": 1 + ds.pick("wo.rec_day", i, 28)}),
        ),
    }
}

/// Category ids: MaintainX filters accept a category's label or its global id.
pub fn category_id(label: &str) -> Option<u64> {
    catalog::CATEGORIES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(label))
        .map(|p| 9_001 + p as u64)
}
