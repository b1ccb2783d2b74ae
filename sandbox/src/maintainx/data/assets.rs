//! Assets: equipment in plant areas. Every fourth asset plus one is a drive motor or gearbox
//! mounted on the asset before it (its child), so hierarchies exist and children are found by
//! arithmetic, not by scanning.

use std::collections::BTreeMap;

use super::{DAY_MS, Dataset, catalog, catalog::Equipment, first_id, locations, users, vendors};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct Asset {
    pub id: u64,
    pub index: u64,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<u64>,
    pub location_id: Option<u64>,
    pub serial_number: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub creator_id: Option<u64>,
    pub barcode: String,
    pub asset_type: String,
    pub manufacturer: String,
    pub model: String,
    pub extra_fields: BTreeMap<String, String>,
    pub vendor_ids: Vec<u64>,
    /// ONLINE / OFFLINE, with the downtime type when offline.
    pub status: &'static str,
    pub downtime_type: Option<&'static str>,
    pub purchase_price: f64,
    pub purchase_date: i64,
}

impl Record for Asset {
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
    first_id::ASSET + index
}

/// A child (motor/gearbox) of the asset right before it?
pub fn is_child(index: u64) -> bool {
    index % 4 == 1
}

pub fn equipment(ds: &Dataset, index: u64) -> &'static Equipment {
    let e = catalog::EQUIPMENT;
    if is_child(index) {
        // Motors and gearboxes drive the machine they hang under.
        &e[if ds.chance("asset.drive", index, 70) {
            3
        } else {
            4
        }]
    } else {
        &e[ds.pick("asset.type", index, e.len() as u64) as usize]
    }
}

pub fn name(ds: &Dataset, index: u64) -> String {
    let eq = equipment(ds, index);
    format!("{} {}-{}", eq.name, eq.tag, 1000 + index)
}

pub fn location_index(ds: &Dataset, index: u64) -> u64 {
    if is_child(index) {
        location_index(ds, index - 1)
    } else {
        locations::random_area(ds, "asset.loc", index)
    }
}

pub struct Assets<'a>(pub &'a Dataset);

impl BaseSet for Assets<'_> {
    type R = Asset;
    fn len(&self) -> u64 {
        self.0.n.assets
    }
    fn first_id(&self) -> u64 {
        first_id::ASSET
    }
    fn key(&self, f: SortField, i: u64) -> (bool, i64) {
        let ds = self.0;
        match f {
            SortField::CreatedAt => (true, ds.asset_tl.created(ds, "asset.c", i)),
            SortField::UpdatedAt => (true, ds.asset_tl.updated(ds, "asset.u", i)),
            _ => (true, id(i) as i64),
        }
    }
    fn generate(&self, i: u64) -> Asset {
        generate(self.0, i)
    }
}

pub fn generate(ds: &Dataset, i: u64) -> Asset {
    let eq = equipment(ds, i);
    let (maker, models) = eq.makers[ds.pick("asset.maker", i, eq.makers.len() as u64) as usize];
    let model = models[ds.pick("asset.model", i, models.len() as u64) as usize];
    let created_at = ds.asset_tl.created(ds, "asset.c", i);
    let location = location_index(ds, i);
    let mut extra = BTreeMap::new();
    extra.insert(
        "Criticality".to_string(),
        ["A", "B", "C"][ds.pick("asset.crit", i, 3) as usize].to_string(),
    );
    extra.insert(
        "Install Year".to_string(),
        (2005 + ds.pick("asset.year", i, 19)).to_string(),
    );
    let cc =
        catalog::COST_CENTERS[ds.pick("asset.cc", i, catalog::COST_CENTERS.len() as u64) as usize];
    extra.insert("Cost Center".to_string(), cc.to_string());
    let status = ds.weighted("asset.status", i, &[("ONLINE", 88), ("OFFLINE", 12)]);
    Asset {
        id: id(i),
        index: i,
        name: name(ds, i),
        description: ds.chance("asset.has_desc", i, 85).then(|| {
            format!(
                "{maker} {model} {} in {}",
                eq.name.to_lowercase(),
                locations::name(ds, location)
            )
        }),
        parent_id: is_child(i).then(|| id(i - 1)),
        location_id: Some(locations::id(location)),
        serial_number: ds.chance("asset.has_sn", i, 90).then(|| {
            format!(
                "{}{:08X}",
                &maker[..2].to_uppercase(),
                ds.rnd("asset.sn", i) as u32
            )
        }),
        created_at,
        updated_at: ds.asset_tl.updated(ds, "asset.u", i),
        creator_id: Some(users::id(0)),
        barcode: format!("AST{:07}", i + 1),
        asset_type: eq.asset_type.to_string(),
        manufacturer: maker.to_string(),
        model: model.to_string(),
        extra_fields: extra,
        vendor_ids: vec![vendors::id(ds.pick("asset.vendor", i, ds.n.vendors))],
        status,
        downtime_type: (status == "OFFLINE")
            .then(|| ds.weighted("asset.down", i, &[("PLANNED", 40), ("UNPLANNED", 60)])),
        purchase_price: (5_000 + ds.pick("asset.price", i, 250_000)) as f64,
        purchase_date: created_at - 30 * DAY_MS,
    }
}
