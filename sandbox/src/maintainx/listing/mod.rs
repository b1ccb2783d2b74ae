//! The list engine: one keyset-paged, sorted, filtered view over generated records merged with
//! the write overlay.
//!
//! Generated records are never materialized in bulk. Every sortable field is strictly
//! increasing in the record index (see `data::Timeline`), so the order of the generated part
//! is the index order (nullable fields: records with a value in index order, then the nulls
//! by id, PostgreSQL's `NULLS LAST`; descending is the exact reverse). A cursor is the sort key
//! of the last record returned (value, id), found again by binary search. Overlay records
//! (created or patched through the API) carry their own values and are merged in by key; a
//! generated record that has an overlay version is skipped, so a patched record moves to its
//! new `updatedAt` position.

mod base;

use std::collections::BTreeMap;

use base::{Base, base_indices};

/// Fields a list can sort or range-filter on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortField {
    Id,
    CreatedAt,
    UpdatedAt,
    DueDate,
    StartDate,
    CompletedAt,
}

pub trait Record: Clone {
    fn id(&self) -> u64;
    /// The field's value in epoch ms (the id for `Id`); `None` when null.
    fn sort_value(&self, f: SortField) -> Option<i64>;
}

/// The generated part of an entity.
pub trait BaseSet {
    type R: Record;
    fn len(&self) -> u64;
    fn first_id(&self) -> u64;
    /// `(present, value)` of `f` for record `i`; `value` is strictly increasing in `i` even
    /// where the field is absent (a virtual value), which is what makes binary search work.
    fn key(&self, f: SortField, i: u64) -> (bool, i64);
    /// Whether `f` can be null on generated records.
    fn nullable(&self, _f: SortField) -> bool {
        false
    }
    fn generate(&self, i: u64) -> Self::R;
}

/// Position of a record in a sorted list: nulls after values, ties broken by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub null: bool,
    pub value: i64,
    pub id: u64,
}

impl Key {
    pub fn of<R: Record>(r: &R, f: SortField) -> Key {
        match r.sort_value(f) {
            Some(value) => Key {
                null: false,
                value,
                id: r.id(),
            },
            None => Key {
                null: true,
                value: 0,
                id: r.id(),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub desc: bool,
}

/// Inclusive bounds on a field (`updatedAt[gte]`, `updatedAt[lte]`, ...).
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub field: SortField,
    pub gte: Option<i64>,
    pub lte: Option<i64>,
}

impl Range {
    fn admits(&self, v: Option<i64>) -> bool {
        match v {
            None => false,
            Some(v) => self.gte.is_none_or(|g| v >= g) && self.lte.is_none_or(|l| v <= l),
        }
    }
}

pub struct ListQuery {
    pub sort: Sort,
    pub ranges: Vec<Range>,
    /// Exclusive: the key of the last record of the previous page.
    pub after: Option<Key>,
    pub limit: usize,
}

/// A record filter. `check_base` false promises that every generated record passes (e.g. a
/// filter only overlay records can fail), so generated records need not be built to test it.
pub struct Filter<'a, R> {
    pub test: Box<dyn Fn(&R) -> bool + 'a>,
    pub check_base: bool,
}

pub struct Page<R> {
    pub items: Vec<R>,
    /// Key of the last item when more records follow.
    pub next: Option<Key>,
}

/// How many generated records one request may build to test a filter. A sparse filter over a
/// million records would otherwise scan them all in one request; past the budget the page
/// ends early (possibly empty) with a cursor at the last examined record, and the client
/// continues from there. Unfiltered and range-filtered lists never hit it.
pub const SCAN_BUDGET: usize = 10_000;

/// A generated record in list order, or the point where the scan budget ran out.
enum Next<R> {
    Record(Key, Option<R>, u64),
    Stop(Key),
}

/// One page of the merged, filtered, sorted list.
pub fn list<B: BaseSet>(
    set: &B,
    overlay: &BTreeMap<u64, B::R>,
    q: &ListQuery,
    filter: &Filter<B::R>,
) -> Page<B::R> {
    let f = q.sort.field;
    let desc = q.sort.desc;
    let beyond = |k: Key| match q.after {
        None => true,
        Some(c) => (k > c) != desc && k != c,
    };
    let mut extra: Vec<(Key, &B::R)> = overlay
        .values()
        .filter(|r| q.ranges.iter().all(|rg| rg.admits(r.sort_value(rg.field))))
        .filter(|r| (filter.test)(r))
        .map(|r| (Key::of(r, f), r))
        .filter(|(k, _)| beyond(*k))
        .collect();
    extra.sort_by(|x, y| if desc { y.0.cmp(&x.0) } else { x.0.cmp(&y.0) });
    let mut extra = extra.into_iter().peekable();

    let first = set.first_id();
    let base = Base { set, field: f };
    let mut scanned = 0usize;
    let mut generated = base_indices(set, q)
        .filter(|i| !overlay.contains_key(&(first + i)))
        .filter_map(|i| {
            let (present, value) = base.value(i);
            let key = Key {
                null: !present,
                value: if present { value } else { 0 },
                id: first + i,
            };
            if !filter.check_base {
                return Some(Next::Record(key, None, i));
            }
            if scanned >= SCAN_BUDGET {
                return Some(Next::Stop(key));
            }
            scanned += 1;
            let r = set.generate(i);
            (filter.test)(&r).then_some(Next::Record(key, Some(r), i))
        })
        .peekable();
    // Before `a` in list order?
    let before = |a: Key, b: Key| (a < b) != desc;

    let mut items = Vec::with_capacity(q.limit + 1);
    let mut keys = Vec::with_capacity(q.limit + 1);
    while items.len() <= q.limit {
        let take_extra = match (extra.peek(), generated.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(Next::Record(..))) => false,
            (Some((ke, _)), Some(Next::Record(kg, _, _))) => before(*ke, *kg),
            (Some((ke, _)), Some(Next::Stop(ks))) if before(*ke, *ks) => true,
            (_, Some(Next::Stop(ks))) => {
                // Budget spent: the next page resumes at `ks`, the first record not examined.
                return Page {
                    items,
                    next: Some(just_before(*ks, desc)),
                };
            }
        };
        if take_extra {
            let (k, r) = extra.next().expect("peeked");
            keys.push(k);
            items.push(r.clone());
        } else if let Some(Next::Record(k, r, i)) = generated.next() {
            keys.push(k);
            items.push(r.unwrap_or_else(|| set.generate(i)));
        }
    }
    let next = if items.len() > q.limit {
        items.truncate(q.limit);
        Some(keys[q.limit - 1])
    } else {
        None
    };
    Page { items, next }
}

/// A cursor that resumes at `stop` itself: the key just before it in list order (keys compare
/// on `(null, value, id)` and ids are unique, so stepping the id suffices).
fn just_before(stop: Key, desc: bool) -> Key {
    if desc {
        Key {
            id: stop.id + 1,
            ..stop
        }
    } else {
        Key {
            id: stop.id.wrapping_sub(1),
            ..stop
        }
    }
}
