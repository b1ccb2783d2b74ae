//! Procedural MaintainX data: record `i` of each entity is a pure function of `(seed, i)`.
//!
//! Nothing is stored: a million work orders cost nothing until a page asks for them. Two
//! properties make lists fast at any size:
//! - ids are `FIRST_ID + i`, so a get is arithmetic;
//! - every timestamp a list can filter or sort on (`createdAt`, `updatedAt`, `dueDate`, ...)
//!   is strictly increasing in `i` ([`Timeline`]: a slot per record plus jitter below half a
//!   slot), so `updatedAt[gte]` or `sort=-dueDate` become index ranges found by binary search.
//!
//! References are computed, not stored, and always consistent: a work order's asset exists,
//! its location is that asset's location, its assignees are assignable users.

pub mod assets;
pub mod catalog;
pub mod locations;
pub mod organizations;
pub mod parts;
pub mod purchase_orders;
pub mod users;
pub mod vendors;
pub mod work_orders;
pub mod work_requests;

use chrono::{DateTime, SecondsFormat, Utc};

/// First id of each entity's generated range; records created through the API get ids after
/// the generated range, so they never collide with generated ones.
pub mod first_id {
    pub const WORK_ORDER: u64 = 1_000_001;
    pub const WORK_REQUEST: u64 = 3_000_001;
    pub const ASSET: u64 = 200_001;
    pub const LOCATION: u64 = 70_001;
    pub const PART: u64 = 400_001;
    pub const VENDOR: u64 = 50_001;
    pub const USER: u64 = 900_001;
    pub const PURCHASE_ORDER: u64 = 600_001;
}

/// The organization single-organization keys belong to.
pub const DEFAULT_ORG_ID: i64 = 48_213;

/// All generated timelines end here (fixed, so data never depends on the wall clock; writes
/// made through the API are stamped with the real "now", hence always newer).
pub const END_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
pub const DAY_MS: i64 = 86_400_000;

/// How many records of each entity a data set has; everything scales from the work orders.
#[derive(Clone, Copy, Debug)]
pub struct Counts {
    pub work_orders: u64,
    pub work_requests: u64,
    pub assets: u64,
    pub locations: u64,
    pub parts: u64,
    pub vendors: u64,
    pub users: u64,
    pub purchase_orders: u64,
}

impl Counts {
    pub fn for_work_orders(n: u64) -> Counts {
        let assets = (n / 10).max(20);
        Counts {
            work_orders: n,
            work_requests: (n / 4).max(10),
            assets,
            locations: (assets / 5).max(5),
            parts: (n / 20).max(40),
            vendors: (n / 500).clamp(8, 2_000),
            users: (n / 200).clamp(12, 5_000),
            purchase_orders: (n / 20).max(10),
        }
    }
}

/// The generator's parameters; cheap to copy around, shared by all handlers.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub seed: u64,
    pub n: Counts,
    pub work_order_tl: Timeline,
    pub work_request_tl: Timeline,
    pub asset_tl: Timeline,
    pub location_tl: Timeline,
    pub part_tl: Timeline,
    pub purchase_order_tl: Timeline,
    /// A customised plant: work orders carry the extra fields of [`work_orders::PLANT_FIELDS`]
    /// (the plant's own status codes, an epoch-seconds inspection date).
    pub plant_fields: bool,
}

impl Dataset {
    pub fn new(seed: u64, work_orders: u64) -> Dataset {
        let n = Counts::for_work_orders(work_orders);
        let y = 365 * DAY_MS;
        Dataset {
            seed,
            n,
            work_order_tl: Timeline::new(n.work_orders, END_MS, 2 * y, 2 * DAY_MS),
            work_request_tl: Timeline::new(n.work_requests, END_MS, 2 * y, DAY_MS),
            asset_tl: Timeline::new(n.assets, END_MS - 400 * DAY_MS, 5 * y, 30 * DAY_MS),
            location_tl: Timeline::new(n.locations, END_MS - 700 * DAY_MS, 6 * y, 10 * DAY_MS),
            part_tl: Timeline::new(n.parts, END_MS - 30 * DAY_MS, 4 * y, 20 * DAY_MS),
            purchase_order_tl: Timeline::new(n.purchase_orders, END_MS, 2 * y, 5 * DAY_MS),
            plant_fields: false,
        }
    }

    /// A 64-bit hash of `(seed, field, i)`: the only source of variety in the data.
    pub fn rnd(&self, field: &str, i: u64) -> u64 {
        mix(self.seed ^ mix(fnv(field) ^ mix(i)))
    }

    /// Uniform pick in `0..n` for `(field, i)`.
    pub fn pick(&self, field: &str, i: u64, n: u64) -> u64 {
        self.rnd(field, i) % n.max(1)
    }

    /// True with probability `pct`/100.
    pub fn chance(&self, field: &str, i: u64, pct: u64) -> bool {
        self.rnd(field, i) % 100 < pct
    }

    /// Picks from a weighted list.
    pub fn weighted<T: Copy>(&self, field: &str, i: u64, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.rnd(field, i) % total;
        for &(v, w) in items {
            if r < w {
                return v;
            }
            r -= w;
        }
        items[items.len() - 1].0
    }
}

/// SplitMix64 finalizer: a fast, well-mixed bijection on u64.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A strictly increasing time axis: record `i` owns the slot `[start + i*step, +step)`.
/// Jitter stays below half a slot, so every value derived as `slot + offset + jitter` is
/// strictly increasing in `i`, whatever the constant offset.
#[derive(Clone, Copy, Debug)]
pub struct Timeline {
    start: i64,
    step: i64,
    /// Offset of `updatedAt` after the slot; at least half a slot so `createdAt <= updatedAt`.
    lag: i64,
}

impl Timeline {
    pub fn new(n: u64, end: i64, span: i64, lag: i64) -> Timeline {
        let step = (span / n.max(1) as i64).max(4);
        Timeline {
            start: end - step * n as i64,
            step,
            lag: lag.max(step / 2),
        }
    }

    pub fn slot(&self, i: u64) -> i64 {
        self.start + i as i64 * self.step
    }

    /// Jitter in `[0, step/2)` from a hash.
    pub fn jitter(&self, r: u64) -> i64 {
        (r % (self.step as u64 / 2).max(1)) as i64
    }

    pub fn created(&self, ds: &Dataset, tag: &str, i: u64) -> i64 {
        self.slot(i) + self.jitter(ds.rnd(tag, i))
    }

    pub fn updated(&self, ds: &Dataset, tag: &str, i: u64) -> i64 {
        self.slot(i) + self.lag + self.jitter(ds.rnd(tag, i))
    }

    /// A value `offset` after the slot (monotonic in `i` like the others).
    pub fn at(&self, ds: &Dataset, tag: &str, i: u64, offset: i64) -> i64 {
        self.slot(i) + offset + self.jitter(ds.rnd(tag, i))
    }
}

/// MaintainX's timestamp format: RFC 3339 UTC with milliseconds (`2022-01-01T00:00:00.000Z`).
pub fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an ISO 8601 date-time (any offset, any precision) or a bare date, to epoch ms.
pub fn parse_time(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Renders an optional timestamp as JSON (null when absent).
pub fn iso_opt(ms: Option<i64>) -> serde_json::Value {
    ms.map(|m| serde_json::Value::String(iso(m)))
        .unwrap_or(serde_json::Value::Null)
}
