//! One pass over a record's top-level keys for all the rules of a mapping.
//!
//! Most pointers start with a top-level key (`/title`, `/status`, `/extraFields`). Looking
//! each one up in the record's map costs a SipHash and a probe per pointer (serde_json's map
//! uses std's `RandomState`), on cold memory. Instead, [`Mapping::new`](crate::Mapping::new)
//! gives every distinct first key an id ([`RootIndex`]), and [`Ctx::new`] walks the record's
//! entries once, sequentially (as a serde-derived deserializer does), finding each key's id
//! through a table bucketed by key length, and stops as soon as every id is found. Pointers
//! then continue from their first value.

use std::cell::{Cell, OnceCell};
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::Value;
use serde_json::value::RawValue;

use crate::pointer::{Pointer, Resolved};

/// Ids of the distinct first keys of a mapping's pointers.
#[derive(Debug, Clone, Default)]
pub(crate) struct RootIndex {
    /// `by_len[n]`: the keys of `n` bytes (longer keys in the last bucket), each with its
    /// first 8 bytes as a word (compared before the rest) and its id.
    by_len: Vec<Vec<(u64, Box<str>, u16)>>,
    count: usize,
}

const MAX_BUCKET: usize = 64;
/// Ids up to this many use a stack buffer per record.
pub(crate) const STACK_IDS: usize = 48;

impl RootIndex {
    /// The id of `key`, adding it when new. `None` when a mapping has more than `u16::MAX`
    /// distinct first keys (those pointers then resolve the ordinary way).
    pub(crate) fn intern(&mut self, key: &str) -> Option<u16> {
        if let Some(id) = self.find(key) {
            return Some(id);
        }
        let id = u16::try_from(self.count).ok()?;
        let bucket = key.len().min(MAX_BUCKET);
        if self.by_len.len() <= bucket {
            self.by_len.resize_with(bucket + 1, Vec::new);
        }
        self.by_len[bucket].push((prefix(key), key.into(), id));
        self.count += 1;
        Some(id)
    }

    /// The id for `pointer`'s first key.
    pub(crate) fn id_of(&mut self, pointer: &Pointer) -> Option<u16> {
        pointer.first_key().and_then(|k| self.intern(k))
    }

    #[inline]
    pub(crate) fn find(&self, key: &str) -> Option<u16> {
        let bucket = self.by_len.get(key.len().min(MAX_BUCKET))?;
        let word = prefix(key);
        bucket
            .iter()
            .find(|(w, k, _)| {
                *w == word
                    && (key.len() <= 8
                        || k.len() == key.len() && k.as_bytes()[8..] == key.as_bytes()[8..])
            })
            .map(|(_, _, id)| *id)
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }
}

#[inline]
fn prefix(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(word)
}

/// A record being mapped, with its top-level values found by id.
pub(crate) struct Ctx<'a, 'b> {
    root: &'a Value,
    /// Empty when the record is not an object (or for a context without an index).
    firsts: &'b [Option<&'a Value>],
    /// From JSON text ([`Mapping::apply_str`](crate::Mapping::apply_str)): the top-level values
    /// the rules read, parsed on first use (a fallback source such as `/asset/id` behind a
    /// non-null `/assetId` is never parsed).
    lazy: Option<&'a LazyRoots<'a>>,
}

/// How [`Mapping::apply_str`](crate::Mapping::apply_str) keeps a top-level value the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootMode {
    /// Read only as a fallback (`/asset/id` behind `/assetId`): kept as text, parsed on the
    /// first read, so a fallback that is never needed (a whole expanded object) is never built.
    Lazy,
    /// Parsed while the record is split (one pass over its text); rules borrow it.
    Shared,
    /// The whole source of exactly one rule and read by no other pointer: parsed while the
    /// record is split and moved into that rule's output instead of cloned.
    Sole,
    /// `Sole`, for a rule whose output is the value unchanged (no transform; a text or JSON
    /// field, or the only spread): kept as text, which `write_str` copies when the value has
    /// the field's kind; parsed when its rule reads it otherwise.
    Verbatim,
}

/// One top-level value of a record given as JSON text, kept as its [`RootMode`] says.
#[derive(Default)]
pub(crate) struct TextRoot<'a> {
    /// `Lazy`: the text (already validated by the parser that split it).
    pub(crate) raw: Option<&'a RawValue>,
    /// `Shared`, and `Lazy` once read.
    pub(crate) parsed: OnceCell<Value>,
    /// `Sole`, until its rule takes it.
    pub(crate) owned: Cell<Option<Value>>,
}

impl TextRoot<'_> {
    pub(crate) const EMPTY: Self = TextRoot {
        raw: None,
        parsed: OnceCell::new(),
        owned: Cell::new(None),
    };
}

/// The top-level values of a record given as JSON text, by id.
pub(crate) struct LazyRoots<'a> {
    pub(crate) roots: &'a [TextRoot<'a>],
}

impl<'a> LazyRoots<'a> {
    #[inline]
    fn get(&self, id: u16) -> Option<&'a Value> {
        let root = &self.roots[id as usize];
        if let Some(v) = root.parsed.get() {
            return Some(v);
        }
        let raw = root.raw?;
        Some(
            root.parsed
                .get_or_init(|| serde_json::from_str(raw.get()).unwrap_or(Value::Null)),
        )
    }
}

impl<'a, 'b> Ctx<'a, 'b> {
    /// A context that resolves every pointer from the root.
    pub(crate) fn plain(root: &'a Value) -> Self {
        Ctx { root, firsts: &[], lazy: None }
    }

    /// A context over top-level values found elsewhere (parsed straight from text); pointers
    /// without an id resolve from `root`.
    pub(crate) fn from_text(root: &'a Value, lazy: &'a LazyRoots<'a>) -> Self {
        Ctx { root, firsts: &[], lazy: Some(lazy) }
    }

    #[inline]
    fn first(&self, id: u16) -> Option<&'a Value> {
        match self.lazy {
            Some(lazy) => lazy.get(id),
            None => self.firsts[id as usize],
        }
    }

    /// For a context over JSON text: the [`RootMode::Sole`] value of `id`, moved out
    /// (`Some(None)` when absent). `None` for other contexts: resolve it the ordinary way.
    #[inline]
    pub(crate) fn take_root(&self, id: u16) -> Option<Option<Value>> {
        self.lazy.map(|lazy| {
            let root = &lazy.roots[id as usize];
            root.owned
                .take()
                .or_else(|| root.raw.map(|raw| serde_json::from_str(raw.get()).unwrap_or(Value::Null)))
        })
    }

    /// For a context over JSON text: the text of the [`RootMode::Verbatim`] value of `id`
    /// (`Some(None)` when absent). `None` for other contexts.
    #[inline]
    pub(crate) fn root_text(&self, id: u16) -> Option<Option<&'a str>> {
        self.lazy.map(|lazy| lazy.roots[id as usize].raw.map(RawValue::get))
    }

    #[inline]
    fn indexed(&self) -> bool {
        self.lazy.is_some() || !self.firsts.is_empty()
    }

    /// Walks `root`'s entries once, filling `buffer[..index.len()]`.
    #[inline]
    pub(crate) fn new(
        root: &'a Value,
        index: &RootIndex,
        buffer: &'b mut [Option<&'a Value>],
    ) -> Self {
        let Value::Object(map) = root else {
            return Ctx::plain(root);
        };
        let wanted = index.len();
        if wanted == 0 {
            return Ctx::plain(root);
        }
        let firsts = &mut buffer[..wanted];
        let mut found = 0;
        for (key, value) in map {
            if let Some(id) = index.find(key) {
                firsts[id as usize] = Some(value);
                found += 1;
                if found == wanted {
                    break;
                }
            }
        }
        Ctx { root, firsts, lazy: None }
    }

    /// Resolves a pointer whose first key has id `id` (if any).
    #[inline]
    pub(crate) fn resolve(&self, pointer: &Pointer, id: Option<u16>) -> Resolved<'a> {
        match id {
            Some(id) if self.indexed() => pointer.resolve_at(self.first(id), 1),
            _ => pointer.resolve(self.root),
        }
    }

    /// Like [`Ctx::resolve`] for a pointer without `*`.
    #[inline]
    pub(crate) fn get(&self, pointer: &Pointer, id: Option<u16>) -> Option<&'a Value> {
        match id {
            Some(id) if self.indexed() => pointer.get_at(self.first(id), 1),
            _ => pointer.get(self.root),
        }
    }
}

/// The Fx hash (rustc's): fast on short keys. Used for enum maps, which are built from
/// configuration and only read per record (no untrusted inserts, so no flooding concern).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    #[test]
    fn index_and_context() {
        let mut index = RootIndex::default();
        let a = index.intern("title").unwrap();
        let b = index.intern("status").unwrap();
        assert_eq!(index.intern("title"), Some(a));
        let long = "k".repeat(100);
        let c = index.intern(&long).unwrap();
        let d = index.intern(&"k".repeat(90)).unwrap();
        let e = index.intern("abcdefgh1").unwrap();
        let f = index.intern("abcdefgh2").unwrap();
        assert_eq!(index.find("abcdefgh2"), Some(f));
        assert_eq!(index.find("abcdefgh1"), Some(e));
        assert_eq!(index.find("abcdefgh3"), None);
        assert_eq!(index.find("abcdefg"), None);
        assert_eq!(index.len(), 6);
        assert_ne!(c, d);
        let doc = json!({"status": "OPEN", "x": 1, long.clone(): 2, "title": null});
        let mut buffer = [None; STACK_IDS];
        let ctx = Ctx::new(&doc, &index, &mut buffer);
        let p = Pointer::parse("/title").unwrap();
        assert_eq!(ctx.get(&p, Some(a)), Some(&Value::Null));
        let p = Pointer::parse("/status").unwrap();
        assert_eq!(ctx.get(&p, Some(b)), Some(&json!("OPEN")));
        let p = Pointer::parse(&format!("/{long}")).unwrap();
        assert_eq!(ctx.get(&p, Some(c)), Some(&json!(2)));
        let p = Pointer::parse(&format!("/{}", "k".repeat(90))).unwrap();
        assert_eq!(ctx.get(&p, Some(d)), None);
        // Not an object: pointers resolve from the root.
        let arr = json!([{"a": 1}]);
        let ctx = Ctx::new(&arr, &index, &mut buffer);
        assert_eq!(
            ctx.get(&Pointer::parse("/0/a").unwrap(), None),
            Some(&json!(1))
        );
    }

    #[test]
    fn fx_hash_map_works() {
        let mut m: HashMap<String, i32, FxBuild> = HashMap::default();
        for i in 0..100 {
            m.insert(format!("key{i}"), i);
        }
        for i in 0..100 {
            assert_eq!(m.get(format!("key{i}").as_str()), Some(&i));
        }
        assert_eq!(m.get("nope"), None);
    }
}
