//! Purchase orders: one vendor, one to three lines of that vendor's parts, shipped to a site.

use std::collections::BTreeMap;

use super::{DAY_MS, Dataset, catalog, first_id, locations, parts, users, vendors};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct PoLine {
    pub id: u64,
    pub part_id: u64,
    pub name: String,
    pub part_number: String,
    pub unit_cost: i64,
    pub quantity_ordered: i64,
    pub quantity_received: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PurchaseOrder {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub note: Option<String>,
    pub status: &'static str,
    pub due_date: Option<i64>,
    pub creator_id: u64,
    pub vendor_id: u64,
    pub approver_id: Option<u64>,
    pub approval_date: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub items: Vec<PoLine>,
    pub shipping_cents: i64,
    /// Site location index whose address the order ships to.
    pub site: u64,
    pub extra_fields: BTreeMap<String, String>,
}

impl Record for PurchaseOrder {
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

pub fn id(index: u64) -> u64 {
    first_id::PURCHASE_ORDER + index
}

pub struct PurchaseOrders<'a>(pub &'a Dataset);

impl BaseSet for PurchaseOrders<'_> {
    type R = PurchaseOrder;
    fn len(&self) -> u64 {
        self.0.n.purchase_orders
    }
    fn first_id(&self) -> u64 {
        first_id::PURCHASE_ORDER
    }
    fn key(&self, f: SortField, i: u64) -> (bool, i64) {
        let ds = self.0;
        match f {
            SortField::CreatedAt => (true, ds.purchase_order_tl.created(ds, "po.c", i)),
            SortField::UpdatedAt => (true, ds.purchase_order_tl.updated(ds, "po.u", i)),
            _ => (true, id(i) as i64),
        }
    }
    fn generate(&self, i: u64) -> PurchaseOrder {
        generate(self.0, i)
    }
}

pub fn generate(ds: &Dataset, i: u64) -> PurchaseOrder {
    let v = ds.pick("po.vendor", i, ds.n.vendors);
    let w = [
        ("APPROVED", 20),
        ("COMPLETED", 45),
        ("PARTIALLY_FULFILLED", 8),
        ("PENDING", 10),
        ("REQUESTED", 7),
        ("DECLINED", 4),
        ("CANCELED", 6),
    ];
    let status = ds.weighted("po.status", i, &w);
    let created_at = ds.purchase_order_tl.created(ds, "po.c", i);
    let approved = matches!(status, "APPROVED" | "COMPLETED" | "PARTIALLY_FULFILLED");
    let items: Vec<PoLine> = (0..1 + ds.pick("po.lines", i, 3))
        .map(|k| {
            let p = ds.pick(&format!("po.part{k}"), i, ds.n.parts);
            let (name, _, stem, (lo, hi)) = *parts::kind(ds, p);
            let qty = 1 + ds.pick(&format!("po.qty{k}"), i, 20) as i64;
            let received = match status {
                "COMPLETED" => qty,
                "PARTIALLY_FULFILLED" if k == 0 => qty / 2,
                _ => 0,
            };
            PoLine {
                id: 7_000_000 + i * 4 + k,
                part_id: parts::id(p),
                name: name.to_string(),
                part_number: format!("{}-{stem}", vendors::part_prefix(v)),
                unit_cost: lo + ds.pick(&format!("po.cost{k}"), i, (hi - lo) as u64) as i64,
                quantity_ordered: qty,
                quantity_received: received,
            }
        })
        .collect();
    let mut extra = BTreeMap::new();
    let cc =
        catalog::COST_CENTERS[ds.pick("po.cc", i, catalog::COST_CENTERS.len() as u64) as usize];
    extra.insert("Cost Center".to_string(), cc.to_string());
    let vendor_name = vendors::generate(ds, v).name;
    PurchaseOrder {
        id: id(i),
        number: i + 1,
        title: format!("{} - {}", items[0].name, vendor_name),
        note: ds
            .chance("po.note", i, 50)
            .then(|| "Deliver to receiving dock, attention maintenance stores.".to_string()),
        status,
        due_date: Some(created_at + (7 + ds.pick("po.due", i, 21) as i64) * DAY_MS),
        creator_id: users::id(users::assignable(ds, ds.pick("po.creator", i, ds.n.users))),
        vendor_id: vendors::id(v),
        approver_id: approved.then(|| users::id(0)),
        approval_date: approved.then(|| created_at + DAY_MS / 2),
        created_at,
        updated_at: ds.purchase_order_tl.updated(ds, "po.u", i),
        items,
        shipping_cents: [0, 2_500, 4_900, 9_500][ds.pick("po.ship", i, 4) as usize],
        site: ds.pick("po.site", i, locations::sites(ds)),
        extra_fields: extra,
    }
}
