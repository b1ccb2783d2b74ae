//! The parameters every MaintainX list shares, validated the way the spec declares them:
//! `cursor`, `limit` (1–200, default 100), `sort` (per endpoint), `updatedAt`/`createdAt`
//! `[gte|lte]` (where declared) and `expand` (per endpoint). Invalid values are 400 with the
//! `{"error"}` body.

use super::cursor;
use super::data::parse_time;
use super::errors::MxError;
use super::listing::{ListQuery, Range, Sort, SortField};
use super::query::RawQuery;

/// What a list endpoint accepts, per the spec.
pub struct ListSpec {
    /// Allowed `sort` attributes (without the `-`); empty when the endpoint has no `sort`.
    pub sorts: &'static [&'static str],
    /// Whether `updatedAt[gte|lte]` / `createdAt[gte|lte]` are parameters of this endpoint.
    pub dated: bool,
    /// The spec's `expand` enum.
    pub expand: &'static [&'static str],
}

/// The `expand` values of a request.
#[derive(Default, Clone)]
pub struct Expand(Vec<String>);

impl Expand {
    pub fn has(&self, v: &str) -> bool {
        self.0.iter().any(|e| e == v)
    }

    pub fn parse(raw: &RawQuery, allowed: &[&str]) -> Result<Expand, MxError> {
        if allowed.is_empty() {
            return Ok(Expand::default());
        }
        Ok(Expand(raw.enums("expand", allowed)?.unwrap_or_default()))
    }
}

fn sort_field(name: &str) -> SortField {
    match name {
        "createdAt" => SortField::CreatedAt,
        "updatedAt" => SortField::UpdatedAt,
        "dueDate" => SortField::DueDate,
        // MaintainX sorts "startedAt" on the work order's start date.
        "startedAt" => SortField::StartDate,
        "completedAt" => SortField::CompletedAt,
        _ => SortField::Id,
    }
}

fn limit(raw: &RawQuery) -> Result<usize, MxError> {
    match raw.first("limit") {
        None => Ok(100),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (1..=200).contains(&n) => Ok(n as usize),
            _ => Err(MxError::bad_query(format!(
                "limit must be an integer between 1 and 200, got {v:?}"
            ))),
        },
    }
}

fn time(raw: &RawQuery, name: &str) -> Result<Option<i64>, MxError> {
    let Some(v) = raw.first(name) else {
        return Ok(None);
    };
    // A `+` offset that was not percent-encoded arrives as a space.
    parse_time(v)
        .or_else(|| parse_time(&v.replace(' ', "+")))
        .map(Some)
        .ok_or_else(|| {
            MxError::bad_query(format!("{name} must be an ISO 8601 date-time, got {v:?}"))
        })
}

/// Parses the shared list parameters (without the entity-specific filters).
pub fn list_query(raw: &RawQuery, spec: &ListSpec) -> Result<(ListQuery, Expand), MxError> {
    let sort = match raw.first("sort").filter(|_| !spec.sorts.is_empty()) {
        None => Sort {
            field: SortField::Id,
            desc: false,
        },
        Some(s) => {
            let (name, desc) = s.strip_prefix('-').map_or((s, false), |n| (n, true));
            if !spec.sorts.contains(&name) {
                let allowed: Vec<String> = spec
                    .sorts
                    .iter()
                    .flat_map(|s| [s.to_string(), format!("-{s}")])
                    .collect();
                return Err(MxError::bad_query(format!(
                    "sort must be one of {}, got {s:?}",
                    allowed.join(", ")
                )));
            }
            Sort {
                field: sort_field(name),
                desc,
            }
        }
    };
    let mut ranges = Vec::new();
    if spec.dated {
        for (field, name) in [
            (SortField::UpdatedAt, "updatedAt"),
            (SortField::CreatedAt, "createdAt"),
        ] {
            let gte = time(raw, &format!("{name}[gte]"))?;
            let lte = time(raw, &format!("{name}[lte]"))?;
            if gte.is_some() || lte.is_some() {
                ranges.push(Range { field, gte, lte });
            }
        }
    }
    let after = raw
        .first("cursor")
        .filter(|c| !c.is_empty())
        .map(|c| cursor::decode(c, sort))
        .transpose()?;
    let expand = Expand::parse(raw, spec.expand)?;
    Ok((
        ListQuery {
            sort,
            ranges,
            after,
            limit: limit(raw)?,
        },
        expand,
    ))
}
