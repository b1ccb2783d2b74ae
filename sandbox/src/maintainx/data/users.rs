//! Users: technicians, a few admins and requesters. User 0 is the admin the API keys act as.
//! Requesters cannot be assigned to work orders (`onlyAssignable`).

use std::collections::BTreeMap;

use super::{DAY_MS, Dataset, END_MS, catalog, first_id};
use crate::maintainx::listing::{BaseSet, Record, SortField};

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: Option<String>,
    pub role: &'static str,
    pub hourly_rate: Option<i64>,
    pub last_visited_at: Option<i64>,
    pub extra_fields: BTreeMap<String, String>,
}

impl Record for User {
    fn id(&self) -> u64 {
        self.id
    }
    fn sort_value(&self, f: SortField) -> Option<i64> {
        (f == SortField::Id).then_some(self.id as i64)
    }
}

pub fn id(index: u64) -> u64 {
    first_id::USER + index
}

pub fn role(index: u64) -> &'static str {
    if index == 0 || index % 9 == 4 {
        "ADMIN"
    } else if index % 7 == 6 {
        "REQUESTER"
    } else {
        "MEMBER"
    }
}

pub fn is_assignable(index: u64) -> bool {
    role(index) != "REQUESTER"
}

/// The nearest assignable user at or before `index` (requesters are never assigned).
pub fn assignable(_ds: &Dataset, index: u64) -> u64 {
    if is_assignable(index) {
        index
    } else {
        index - 1
    }
}

pub struct Users<'a>(pub &'a Dataset);

impl BaseSet for Users<'_> {
    type R = User;
    fn len(&self) -> u64 {
        self.0.n.users
    }
    fn first_id(&self) -> u64 {
        first_id::USER
    }
    fn key(&self, _f: SortField, i: u64) -> (bool, i64) {
        (true, id(i) as i64)
    }
    fn generate(&self, i: u64) -> User {
        generate(self.0, i)
    }
}

pub fn generate(ds: &Dataset, i: u64) -> User {
    let first =
        catalog::FIRST_NAMES[ds.pick("user.first", i, catalog::FIRST_NAMES.len() as u64) as usize];
    let last =
        catalog::LAST_NAMES[ds.pick("user.last", i, catalog::LAST_NAMES.len() as u64) as usize];
    let mut extra = BTreeMap::new();
    extra.insert("Employee ID".to_string(), format!("E-{:05}", 10_000 + i));
    let trade = [
        "Millwright",
        "Electrician",
        "Mechanic",
        "Instrument Tech",
        "Operator",
    ][ds.pick("user.trade", i, 5) as usize];
    extra.insert("Trade".to_string(), trade.to_string());
    User {
        id: id(i),
        first_name: first.to_string(),
        last_name: last.to_string(),
        email: format!(
            "{}.{}{}@northwind-mfg.example",
            first.to_lowercase(),
            last.to_lowercase(),
            i + 1
        ),
        phone_number: ds
            .chance("user.has_phone", i, 70)
            .then(|| format!("+1-555-02{:02}", ds.pick("user.phone", i, 100))),
        role: role(i),
        hourly_rate: (role(i) != "REQUESTER")
            .then(|| 3_200 + ds.pick("user.rate", i, 3_000) as i64),
        last_visited_at: Some(END_MS - ds.pick("user.visit", i, 30 * DAY_MS as u64) as i64),
        extra_fields: extra,
    }
}
