//! Work requests: what operators report; approved ones point at the work order they became.

use std::collections::BTreeMap;

use super::{Dataset, assets, catalog, first_id, locations};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct WorkRequest {
    pub id: u64,
    pub title: String,
    pub description: Option<String>,
    pub priority: String,
    pub request_status: String,
    pub asset_id: Option<u64>,
    pub location_id: Option<u64>,
    pub work_order_id: Option<u64>,
    pub contact_email: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub extra_fields: BTreeMap<String, String>,
}

impl Record for WorkRequest {
    fn id(&self) -> u64 {
        self.id
    }
    fn sort_value(&self, f: SortField) -> Option<i64> {
        match f {
            SortField::Id => Some(self.id as i64),
            SortField::CreatedAt => Some(self.created_at),
            SortField::UpdatedAt => Some(self.updated_at),
            _ => None,
        }
    }
}

const SYMPTOMS: &[&str] = &[
    "Leak under",
    "Unusual noise from",
    "Overheating on",
    "Guard missing on",
    "Won't start:",
    "Excessive vibration on",
];

pub struct WorkRequests<'a>(pub &'a Dataset);

impl BaseSet for WorkRequests<'_> {
    type R = WorkRequest;
    fn len(&self) -> u64 {
        self.0.n.work_requests
    }
    fn first_id(&self) -> u64 {
        first_id::WORK_REQUEST
    }
    fn key(&self, f: SortField, i: u64) -> (bool, i64) {
        let ds = self.0;
        match f {
            SortField::CreatedAt => (true, ds.work_request_tl.created(ds, "wr.c", i)),
            SortField::UpdatedAt => (true, ds.work_request_tl.updated(ds, "wr.u", i)),
            _ => (true, (first_id::WORK_REQUEST + i) as i64),
        }
    }
    fn generate(&self, i: u64) -> WorkRequest {
        generate(self.0, i)
    }
}

pub fn generate(ds: &Dataset, i: u64) -> WorkRequest {
    let a = ds.pick("wr.asset", i, ds.n.assets);
    let symptom = SYMPTOMS[ds.pick("wr.symptom", i, SYMPTOMS.len() as u64) as usize];
    let status = ds.weighted(
        "wr.status",
        i,
        &[
            ("PENDING", 20),
            ("APPROVED", 40),
            ("DONE", 30),
            ("REJECTED", 10),
        ],
    );
    let mut extra = BTreeMap::new();
    extra.insert(
        "Shift".to_string(),
        catalog::SHIFTS[ds.pick("wr.shift", i, 3) as usize].to_string(),
    );
    WorkRequest {
        id: first_id::WORK_REQUEST + i,
        title: format!("{symptom} {}", assets::name(ds, a)),
        description: ds
            .chance("wr.has_desc", i, 70)
            .then(|| "Noticed during rounds; please check before next shift.".to_string()),
        priority: ds
            .weighted(
                "wr.prio",
                i,
                &[("NONE", 15), ("LOW", 30), ("MEDIUM", 35), ("HIGH", 20)],
            )
            .to_string(),
        request_status: status.to_string(),
        asset_id: Some(assets::id(a)),
        location_id: Some(locations::id(assets::location_index(ds, a))),
        work_order_id: matches!(status, "APPROVED" | "DONE")
            .then(|| first_id::WORK_ORDER + ds.pick("wr.wo", i, ds.n.work_orders)),
        contact_email: ds
            .chance("wr.contact", i, 30)
            .then(|| format!("operator{}@northwind-mfg.example", ds.pick("wr.op", i, 500))),
        created_at: ds.work_request_tl.created(ds, "wr.c", i),
        updated_at: ds.work_request_tl.updated(ds, "wr.u", i),
        extra_fields: extra,
    }
}
