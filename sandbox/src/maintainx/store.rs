//! The write overlay: records created or changed through the API, over the generated data.
//!
//! A patched generated record is copied here whole and edited; from then on this copy is the
//! record (lists skip the generated one). Created records get ids after the generated range.
//! Writes are stamped with the wall clock, strictly increasing, so they sort after every
//! generated record (whose timelines end in the past) and after each other.

use std::collections::BTreeMap;
use std::sync::{Mutex, RwLock};

use super::data::first_id;
use super::data::work_orders::WorkOrder;
use super::data::work_requests::WorkRequest;

pub struct Store {
    clock: Mutex<i64>,
    pub work_orders: RwLock<BTreeMap<u64, WorkOrder>>,
    pub work_requests: RwLock<BTreeMap<u64, WorkRequest>>,
    created: Mutex<Created>,
}

#[derive(Default)]
struct Created {
    work_orders: u64,
    work_requests: u64,
}

/// Ids and sequential number for a created record.
pub struct NewIds {
    pub id: u64,
    pub sequence: u64,
}

impl Store {
    pub fn new() -> Store {
        Store {
            clock: Mutex::new(0),
            work_orders: RwLock::new(BTreeMap::new()),
            work_requests: RwLock::new(BTreeMap::new()),
            created: Mutex::new(Created::default()),
        }
    }

    /// Now in epoch ms, strictly after the previous write's stamp.
    pub fn now(&self) -> i64 {
        let mut last = self.clock.lock().unwrap();
        let now = chrono::Utc::now().timestamp_millis().max(*last + 1);
        *last = now;
        now
    }

    /// Id (after the generated range) and sequential id for a new work order.
    pub fn new_work_order(&self, generated: u64) -> NewIds {
        let mut c = self.created.lock().unwrap();
        c.work_orders += 1;
        NewIds {
            id: first_id::WORK_ORDER + generated + c.work_orders - 1,
            sequence: generated + c.work_orders,
        }
    }

    pub fn new_work_request(&self, generated: u64) -> NewIds {
        let mut c = self.created.lock().unwrap();
        c.work_requests += 1;
        NewIds {
            id: first_id::WORK_REQUEST + generated + c.work_requests - 1,
            sequence: generated + c.work_requests,
        }
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}
