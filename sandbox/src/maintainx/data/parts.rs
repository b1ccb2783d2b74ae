//! Spare parts: stocked in one area each, bought from one or two vendors under the vendor's
//! own part number.

use std::collections::BTreeMap;

use super::{Dataset, assets, catalog, first_id, locations, vendors};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub barcode: Option<String>,
    pub location_id: Option<u64>,
    pub area: Option<String>,
    pub unit_cost: Option<i64>,
    pub available: i64,
    pub minimum: i64,
    pub maximum: Option<i64>,
    pub ordered: i64,
    pub reserved: i64,
    pub part_types: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub extra_fields: BTreeMap<String, String>,
    /// `(vendor id, vendor part number)`.
    pub vendors: Vec<(u64, String)>,
    pub asset_ids: Vec<u64>,
}

impl Record for Part {
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
    first_id::PART + index
}

/// Catalog entry of part `i`: name, description, part-number stem, cost range.
pub fn kind(
    ds: &Dataset,
    i: u64,
) -> &'static (&'static str, &'static str, &'static str, (i64, i64)) {
    &catalog::PARTS[ds.pick("part.kind", i, catalog::PARTS.len() as u64) as usize]
}

pub struct Parts<'a>(pub &'a Dataset);

impl BaseSet for Parts<'_> {
    type R = Part;
    fn len(&self) -> u64 {
        self.0.n.parts
    }
    fn first_id(&self) -> u64 {
        first_id::PART
    }
    fn key(&self, f: SortField, i: u64) -> (bool, i64) {
        let ds = self.0;
        match f {
            SortField::CreatedAt => (true, ds.part_tl.created(ds, "part.c", i)),
            SortField::UpdatedAt => (true, ds.part_tl.updated(ds, "part.u", i)),
            _ => (true, id(i) as i64),
        }
    }
    fn generate(&self, i: u64) -> Part {
        generate(self.0, i)
    }
}

pub fn generate(ds: &Dataset, i: u64) -> Part {
    let (name, desc, stem, (lo, hi)) = *kind(ds, i);
    let minimum = 2 + ds.pick("part.min", i, 10) as i64;
    let mut vendor_list = Vec::new();
    for k in 0..1 + ds.pick("part.n_vendors", i, 2) {
        let v = ds.pick(&format!("part.vendor{k}"), i, ds.n.vendors);
        if !vendor_list.iter().any(|(id, _)| *id == vendors::id(v)) {
            vendor_list.push((
                vendors::id(v),
                format!("{}-{stem}", vendors::part_prefix(v)),
            ));
        }
    }
    let mut extra = BTreeMap::new();
    extra.insert(
        "Bin".to_string(),
        format!(
            "{}-{:02}-{:02}",
            (b'A' + ds.pick("part.row", i, 8) as u8) as char,
            ds.pick("part.shelf", i, 20),
            ds.pick("part.bin", i, 40)
        ),
    );
    extra.insert(
        "Criticality".to_string(),
        ["A", "B", "C"][ds.pick("part.crit", i, 3) as usize].to_string(),
    );
    Part {
        id: id(i),
        name: name.to_string(),
        description: Some(desc.to_string()),
        barcode: Some(format!("PRT{:07}", i + 1)),
        location_id: Some(locations::id(locations::random_area(ds, "part.loc", i))),
        area: Some(
            catalog::STOREROOM_AREAS
                [ds.pick("part.area", i, catalog::STOREROOM_AREAS.len() as u64) as usize]
                .to_string(),
        ),
        unit_cost: Some(lo + ds.pick("part.cost", i, (hi - lo) as u64) as i64),
        available: ds.pick("part.qty", i, 60) as i64,
        minimum,
        maximum: Some(minimum * 4),
        ordered: if ds.chance("part.on_order", i, 20) {
            minimum * 2
        } else {
            0
        },
        reserved: ds.pick("part.reserved", i, 3) as i64,
        part_types: vec![
            if stem.starts_with("PRX") || stem.starts_with("CT") {
                "Electrical"
            } else {
                "Mechanical"
            }
            .to_string(),
        ],
        created_at: ds.part_tl.created(ds, "part.c", i),
        updated_at: ds.part_tl.updated(ds, "part.u", i),
        extra_fields: extra,
        vendors: vendor_list,
        asset_ids: vec![assets::id(ds.pick("part.asset", i, ds.n.assets))],
    }
}
