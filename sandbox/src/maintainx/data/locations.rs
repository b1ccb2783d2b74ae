//! Locations: a few sites (plants) and their areas. Area `a`'s site is `a % sites`, so a
//! site's children are computed, not searched.

use std::collections::BTreeMap;

use super::{Dataset, catalog, first_id};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub id: u64,
    pub index: u64,
    pub name: String,
    pub description: Option<String>,
    pub address: Option<String>,
    pub parent_id: Option<u64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub barcode: String,
    pub extra_fields: BTreeMap<String, String>,
}

impl Record for Location {
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
    first_id::LOCATION + index
}

pub fn sites(ds: &Dataset) -> u64 {
    (ds.n.locations / 10).max(1)
}

fn site_of(ds: &Dataset, index: u64) -> u64 {
    if index < sites(ds) {
        index
    } else {
        index % sites(ds)
    }
}

/// A uniformly picked area (a location that is not a site).
pub fn random_area(ds: &Dataset, field: &str, i: u64) -> u64 {
    let s = sites(ds);
    s + ds.pick(field, i, ds.n.locations - s)
}

fn site_name(s: u64) -> String {
    let name = catalog::SITES[(s % catalog::SITES.len() as u64) as usize].0;
    match s / catalog::SITES.len() as u64 {
        0 => name.to_string(),
        k => format!("{name} {}", k + 1),
    }
}

pub fn name(ds: &Dataset, index: u64) -> String {
    if index < sites(ds) {
        return site_name(index);
    }
    let s = site_of(ds, index);
    let code = catalog::SITES[(s % catalog::SITES.len() as u64) as usize].1;
    let area = catalog::AREAS[((index / sites(ds)) % catalog::AREAS.len() as u64) as usize];
    format!("{code} - {area} {}", index / sites(ds))
}

/// Area ids under a site (empty for areas).
pub fn children(ds: &Dataset, index: u64) -> Vec<u64> {
    let s = sites(ds);
    if index >= s {
        return Vec::new();
    }
    (s..ds.n.locations)
        .filter(|a| a % s == index)
        .map(id)
        .collect()
}

pub struct Locations<'a>(pub &'a Dataset);

impl BaseSet for Locations<'_> {
    type R = Location;
    fn len(&self) -> u64 {
        self.0.n.locations
    }
    fn first_id(&self) -> u64 {
        first_id::LOCATION
    }
    fn key(&self, f: SortField, i: u64) -> (bool, i64) {
        let ds = self.0;
        match f {
            SortField::CreatedAt => (true, ds.location_tl.created(ds, "loc.c", i)),
            SortField::UpdatedAt => (true, ds.location_tl.updated(ds, "loc.u", i)),
            _ => (true, id(i) as i64),
        }
    }
    fn generate(&self, i: u64) -> Location {
        generate(self.0, i)
    }
}

pub fn generate(ds: &Dataset, i: u64) -> Location {
    let is_site = i < sites(ds);
    let s = site_of(ds, i);
    let site = &catalog::SITES[(s % catalog::SITES.len() as u64) as usize];
    let code = site.1;
    let mut extra = BTreeMap::new();
    extra.insert("Plant Code".to_string(), code.to_string());
    Location {
        id: id(i),
        index: i,
        name: name(ds, i),
        description: Some(if is_site {
            format!("{} manufacturing site", site_name(s))
        } else {
            format!("Production area at {}", site_name(s))
        }),
        address: is_site.then(|| catalog::site_address(site)),
        parent_id: (!is_site).then(|| id(s)),
        created_at: ds.location_tl.created(ds, "loc.c", i),
        updated_at: ds.location_tl.updated(ds, "loc.u", i),
        barcode: format!("LOC{:06}", i + 1),
        extra_fields: extra,
    }
}
