//! Organizations a key can see (`GET /organizations`).
//!
//! A single-organization key belongs to [`DEFAULT_ORG_ID`], the id every record it reads is
//! stamped with. A multi-organization key sees one organization per configured id: the id
//! itself when it is an integer (the spec's `id` is one), otherwise a stable integer derived
//! from it, which `x-organization-id` then accepts too. Names and locales come from a fixed
//! table by position (the first is the single-organization one), so they never change.

use super::{DEFAULT_ORG_ID, fnv};

#[derive(Clone, Debug)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub time_zone: &'static str,
    pub currency: &'static str,
    pub date_format_locale: &'static str,
}

/// Name, time zone, currency, date-format locale.
const PROFILES: &[(&str, &str, &str, &str)] = &[
    (
        "Bedford Plant Operations",
        "America/New_York",
        "USD",
        "en-US",
    ),
    ("Hamilton Works", "America/Toronto", "CAD", "en-CA"),
    (
        "Monterrey Manufacturing",
        "America/Monterrey",
        "MXN",
        "es-MX",
    ),
    ("Dayton Assembly", "America/New_York", "USD", "en-US"),
    (
        "Rotterdam Terminal Services",
        "Europe/Amsterdam",
        "EUR",
        "nl-NL",
    ),
    ("Greenville Fabrication", "America/New_York", "USD", "en-US"),
    ("Brno Components", "Europe/Prague", "CZK", "cs-CZ"),
];

/// The integer id of a configured organization id: parsed, or derived (positive, stable).
pub fn org_id(configured: &str) -> i64 {
    configured
        .trim()
        .parse()
        .unwrap_or_else(|_| 1_000_000 + (fnv(configured) % 9_000_000) as i64)
}

/// Organization `k` of a key's list (by configured position), with id `id`.
fn profile(k: usize, id: i64) -> Organization {
    let (name, time_zone, currency, date_format_locale) = PROFILES[k % PROFILES.len()];
    let round = k / PROFILES.len();
    Organization {
        id,
        name: if round == 0 {
            name.to_string()
        } else {
            format!("{name} {}", round + 1)
        },
        time_zone,
        currency,
        date_format_locale,
    }
}

/// The one organization of a single-organization key.
pub fn single() -> Vec<Organization> {
    vec![profile(0, DEFAULT_ORG_ID)]
}

/// The organizations of a multi-organization key, by id, each id once.
pub fn multi(configured: &[String]) -> Vec<Organization> {
    let mut orgs: Vec<Organization> = Vec::new();
    for c in configured {
        let id = org_id(c);
        if !orgs.iter().any(|o| o.id == id) {
            orgs.push(profile(orgs.len(), id));
        }
    }
    orgs.sort_by_key(|o| o.id);
    orgs
}
