//! The generated part of a list in list order, without building records: index windows from
//! range filters and cursors by binary search over the monotonic field values.

use super::{BaseSet, Key, ListQuery, Range, SortField};

/// First `i` in `[lo, hi)` where `pred` turns false (`pred` must be true then false).
fn partition(mut lo: u64, mut hi: u64, pred: impl Fn(u64) -> bool) -> u64 {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

pub(super) struct Base<'b, B: BaseSet> {
    pub(super) set: &'b B,
    pub(super) field: SortField,
}

impl<B: BaseSet> Base<'_, B> {
    pub(super) fn value(&self, i: u64) -> (bool, i64) {
        match self.field {
            SortField::Id => (true, (self.set.first_id() + i) as i64),
            f => self.set.key(f, i),
        }
    }
    fn pair(&self, i: u64) -> (i64, u64) {
        (self.value(i).1, self.set.first_id() + i)
    }
    fn present(&self, i: u64) -> bool {
        self.value(i).0
    }
}

/// Index window `[a, b)` admitted by the ranges, by binary search on the monotonic values.
fn window<B: BaseSet>(set: &B, ranges: &[Range]) -> (u64, u64) {
    let (mut a, mut b) = (0, set.len());
    for r in ranges {
        let base = Base {
            set,
            field: r.field,
        };
        if let Some(g) = r.gte {
            a = a.max(partition(0, set.len(), |i| base.value(i).1 < g));
        }
        if let Some(l) = r.lte {
            b = b.min(partition(0, set.len(), |i| base.value(i).1 <= l));
        }
    }
    (a, b.max(a))
}

/// Indices of generated records after `after`, in list order.
pub(super) fn base_indices<'b, B: BaseSet>(
    set: &'b B,
    q: &ListQuery,
) -> Box<dyn Iterator<Item = u64> + 'b> {
    let (a, b) = window(set, &q.ranges);
    let field = q.sort.field;
    let nullable = field != SortField::Id && set.nullable(field);
    let first = set.first_id();
    let base = Base { set, field };
    let gt = |c: Key| partition(a, b, |i| base.pair(i) <= (c.value, c.id));
    let ge = |c: Key| partition(a, b, |i| base.pair(i) < (c.value, c.id));
    let after_id = |id: u64| (id + 1).saturating_sub(first).clamp(a, b);
    let upto_id = |id: u64| id.saturating_sub(first).clamp(a, b);
    let present = move |i: &u64| Base { set, field }.present(*i);
    let absent = move |i: &u64| !Base { set, field }.present(*i);
    if !q.sort.desc {
        let (g0, g1) = match q.after {
            None => (a, a),
            Some(c) if !c.null => (gt(c), a),
            Some(c) => (b, after_id(c.id)),
        };
        let values = (g0..b).filter(present);
        let nulls = (if nullable { g1..b } else { b..b }).filter(absent);
        Box::new(values.chain(nulls))
    } else {
        let (g1_end, g0_end) = match q.after {
            None => (b, b),
            Some(c) if c.null => (upto_id(c.id), b),
            Some(c) => (a, ge(c)),
        };
        let nulls = (if nullable { a..g1_end } else { a..a })
            .rev()
            .filter(absent);
        let values = (a..g0_end).rev().filter(present);
        Box::new(nulls.chain(values))
    }
}
