//! Vendors (suppliers). MaintainX documents no timestamps on vendors, so none are generated.

use std::collections::BTreeMap;

use super::{Dataset, catalog, first_id};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct Vendor {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub emails: Vec<String>,
    pub phone_numbers: Vec<String>,
    pub extra_fields: BTreeMap<String, String>,
}

impl Record for Vendor {
    fn id(&self) -> u64 {
        self.id
    }
    fn sort_value(&self, f: SortField) -> Option<i64> {
        (f == SortField::Id).then_some(self.id as i64)
    }
}

pub fn id(index: u64) -> u64 {
    first_id::VENDOR + index
}

fn entry(index: u64) -> &'static (&'static str, &'static str, &'static str) {
    &catalog::VENDORS[(index % catalog::VENDORS.len() as u64) as usize]
}

pub fn part_prefix(index: u64) -> &'static str {
    entry(index).1
}

pub struct Vendors<'a>(pub &'a Dataset);

impl BaseSet for Vendors<'_> {
    type R = Vendor;
    fn len(&self) -> u64 {
        self.0.n.vendors
    }
    fn first_id(&self) -> u64 {
        first_id::VENDOR
    }
    fn key(&self, _f: SortField, i: u64) -> (bool, i64) {
        (true, id(i) as i64)
    }
    fn generate(&self, i: u64) -> Vendor {
        generate(self.0, i)
    }
}

pub fn generate(ds: &Dataset, i: u64) -> Vendor {
    let (name, prefix, domain) = *entry(i);
    let branch = i / catalog::VENDORS.len() as u64;
    let mut extra = BTreeMap::new();
    let terms = catalog::PAYMENT_TERMS
        [ds.pick("vendor.terms", i, catalog::PAYMENT_TERMS.len() as u64) as usize];
    extra.insert("Payment Terms".to_string(), terms.to_string());
    extra.insert("Vendor Code".to_string(), format!("V-{prefix}{:04}", i + 1));
    Vendor {
        id: id(i),
        name: if branch == 0 {
            name.to_string()
        } else {
            format!("{name} (Branch {})", branch + 1)
        },
        description: Some(format!(
            "MRO supplier, account {prefix}-{:05}",
            ds.pick("vendor.acct", i, 100_000)
        )),
        emails: vec![format!(
            "orders{}@{domain}",
            if branch == 0 {
                String::new()
            } else {
                branch.to_string()
            }
        )],
        phone_numbers: vec![format!("+1-555-01{:02}", ds.pick("vendor.phone", i, 100))],
        extra_fields: extra,
    }
}
