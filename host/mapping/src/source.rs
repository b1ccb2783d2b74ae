//! Rule sources: a pointer, a list of pointers (first non-null wins), a constant, or a template.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::pointer::{Pointer, Resolved};
use crate::root::Ctx;

pub(crate) static NULL: Value = Value::Null;

#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// `"/a/b"`.
    Pointer(Pointer),
    /// `["/a", "/b"]`: the first non-null.
    FirstOf(Vec<Pointer>),
    /// `{"const": v}`.
    Const(Value),
    /// `"{/siteid}/{/wonum}"`.
    Template(Template),
}

#[derive(Debug, Clone)]
pub(crate) struct Template {
    parts: Vec<Part>,
    literal_len: usize,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Pointer(Pointer),
}

impl Source {
    /// Parses a source. Errors are `(code, message)`.
    pub(crate) fn parse(value: &Value) -> Result<Source, (&'static str, String)> {
        match value {
            Value::String(s) if s.starts_with('/') => Pointer::parse(s)
                .map(Source::Pointer)
                .map_err(|m| ("invalid_pointer", m)),
            Value::String(s) if s.contains("{/") => Template::parse(s).map(Source::Template),
            Value::String(s) => Err((
                "invalid_source",
                format!(
                    "source {s:?} is neither a JSON Pointer (starting with \"/\") nor a template \
                     with {{/pointer}} parts; for a fixed value use {{\"const\": {s:?}}}"
                ),
            )),
            Value::Array(items) => {
                if items.is_empty() {
                    return Err((
                        "invalid_source",
                        "a source list needs at least one pointer".into(),
                    ));
                }
                let mut pointers = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) if s.starts_with('/') => {
                            pointers.push(Pointer::parse(s).map_err(|m| ("invalid_pointer", m))?)
                        }
                        other => {
                            return Err((
                                "invalid_source",
                                format!(
                                    "entry {i} of the source list must be a JSON Pointer string \
                                     starting with \"/\", got {other}"
                                ),
                            ));
                        }
                    }
                }
                Ok(Source::FirstOf(pointers))
            }
            Value::Object(map) if map.len() == 1 && map.contains_key("const") => {
                Ok(Source::Const(map["const"].clone()))
            }
            other => Err((
                "invalid_source",
                format!(
                    "source must be a JSON Pointer (\"/path\"), a list of pointers, a template \
                     (\"{{/a}}-{{/b}}\") or {{\"const\": value}}, got {other}"
                ),
            )),
        }
    }

    /// Every pointer the source reads (for sample checks).
    pub(crate) fn pointers(&self) -> Vec<&Pointer> {
        match self {
            Source::Pointer(p) => vec![p],
            Source::FirstOf(ps) => ps.iter().collect(),
            Source::Const(_) => vec![],
            Source::Template(t) => t
                .parts
                .iter()
                .filter_map(|p| match p {
                    Part::Pointer(p) => Some(p),
                    Part::Literal(_) => None,
                })
                .collect(),
        }
    }

    /// Whether the source can produce a list (a `*` pointer or a constant list).
    pub(crate) fn produces_list(&self) -> bool {
        match self {
            Source::Pointer(p) => p.has_wildcard(),
            Source::FirstOf(ps) => ps.iter().any(Pointer::has_wildcard),
            Source::Const(v) => v.is_array(),
            Source::Template(_) => false,
        }
    }

    /// Evaluates the source against a record: borrowed where possible; `Err` only for a template
    /// part that is not a scalar. Missing values are `null`. `ids` are the root-key ids of
    /// [`Source::pointers`], in order (see `root.rs`); missing ids resolve from the root.
    #[inline]
    pub(crate) fn eval<'a>(
        &'a self,
        ctx: &Ctx<'a, '_>,
        ids: &[Option<u16>],
    ) -> Result<Cow<'a, Value>, String> {
        let id = |i: usize| ids.get(i).copied().flatten();
        match self {
            Source::Pointer(p) => Ok(resolved(ctx.resolve(p, id(0)))),
            Source::FirstOf(ps) => {
                for (i, p) in ps.iter().enumerate() {
                    let v = resolved(ctx.resolve(p, id(i)));
                    if !v.is_null() {
                        return Ok(v);
                    }
                }
                Ok(Cow::Borrowed(&NULL))
            }
            Source::Const(v) => Ok(Cow::Borrowed(v)),
            Source::Template(t) => t.render(ctx, ids),
        }
    }
}

#[inline]
fn resolved(r: Resolved<'_>) -> Cow<'_, Value> {
    match r {
        Resolved::Missing => Cow::Borrowed(&NULL),
        Resolved::One(v) => Cow::Borrowed(v),
        Resolved::List(items) => Cow::Owned(Value::Array(items)),
    }
}

impl Template {
    fn parse(text: &str) -> Result<Template, (&'static str, String)> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{/") {
            literal.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else {
                return Err((
                    "invalid_template",
                    format!("template {text:?} has a \"{{/\" without a closing \"}}\""),
                ));
            };
            let pointer = Pointer::parse(&after[..end])
                .map_err(|m| ("invalid_pointer", format!("in template {text:?}: {m}")))?;
            if pointer.has_wildcard() {
                return Err((
                    "invalid_template",
                    format!(
                        "template {text:?}: pointer {:?} uses \"*\", which a template cannot \
                         join into text",
                        pointer.as_str()
                    ),
                ));
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Pointer(pointer));
            rest = &after[end + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        let literal_len = parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) => s.len(),
                Part::Pointer(_) => 8,
            })
            .sum();
        Ok(Template { parts, literal_len })
    }

    /// Joins the parts; `null` when any referenced value is missing or null.
    fn render<'a>(&self, ctx: &Ctx<'_, '_>, ids: &[Option<u16>]) -> Result<Cow<'a, Value>, String> {
        let mut out = String::with_capacity(self.literal_len);
        let mut pointer_index = 0;
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Pointer(p) => {
                    let id = ids.get(pointer_index).copied().flatten();
                    pointer_index += 1;
                    match ctx.get(p, id) {
                        None | Some(Value::Null) => return Ok(Cow::Borrowed(&NULL)),
                        Some(Value::String(s)) => out.push_str(s),
                        Some(Value::Number(n)) => {
                            let _ = write!(out, "{n}");
                        }
                        Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
                        Some(other) => {
                            return Err(format!(
                                "template part {} is {}, not a scalar",
                                p.as_str(),
                                if other.is_array() {
                                    "a list"
                                } else {
                                    "an object"
                                }
                            ));
                        }
                    }
                }
            }
        }
        Ok(Cow::Owned(Value::String(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(source: Value, doc: &Value) -> Result<Value, String> {
        let source = Source::parse(&source).unwrap();
        // Both ways: from the root, and through a root index.
        let plain = source.eval(&Ctx::plain(doc), &[]).map(Cow::into_owned);
        let mut index = crate::root::RootIndex::default();
        let ids: Vec<Option<u16>> = source.pointers().iter().map(|p| index.id_of(p)).collect();
        let mut buffer = vec![None; index.len()];
        let ctx = Ctx::new(doc, &index, &mut buffer);
        let indexed = source.eval(&ctx, &ids).map(Cow::into_owned);
        assert_eq!(plain, indexed);
        plain
    }

    fn parse_err(source: Value) -> (&'static str, String) {
        Source::parse(&source).unwrap_err()
    }

    #[test]
    fn kinds() {
        let doc =
            json!({"a": 1, "b": null, "c": "x", "site": "BEDFORD", "wo": 1001, "l": [{"id": 1}]});
        assert_eq!(eval(json!("/a"), &doc), Ok(json!(1)));
        assert_eq!(eval(json!("/zz"), &doc), Ok(Value::Null));
        assert_eq!(eval(json!(["/b", "/zz", "/c", "/a"]), &doc), Ok(json!("x")));
        assert_eq!(eval(json!(["/b", "/zz"]), &doc), Ok(Value::Null));
        assert_eq!(
            eval(json!({"const": {"k": [1]}}), &doc),
            Ok(json!({"k": [1]}))
        );
        assert_eq!(
            eval(json!("{/site}/{/wo}"), &doc),
            Ok(json!("BEDFORD/1001"))
        );
        assert_eq!(eval(json!("WO-{/wo}"), &doc), Ok(json!("WO-1001")));
        assert_eq!(
            eval(json!("{/wo} {literal} }"), &doc),
            Ok(json!("1001 {literal} }"))
        );
        assert_eq!(
            eval(json!("{/site}:{/b}"), &doc),
            Ok(Value::Null),
            "null part"
        );
        assert_eq!(
            eval(json!("{/site}:{/zz}"), &doc),
            Ok(Value::Null),
            "missing part"
        );
        assert!(
            eval(json!("{/site}:{/l}"), &doc)
                .unwrap_err()
                .contains("/l is a list")
        );
        assert_eq!(eval(json!(["/zz", "/l/*/id"]), &doc), Ok(json!([1])));
    }

    #[test]
    fn first_of_skips_empty_wildcard_only_when_missing() {
        let doc = json!({"l": []});
        // An existing empty array gives an empty list, which is not null.
        assert_eq!(eval(json!(["/l/*/id", "/x"]), &doc), Ok(json!([])));
    }

    #[test]
    fn errors() {
        assert_eq!(parse_err(json!("status")).0, "invalid_source");
        assert!(
            parse_err(json!("status"))
                .1
                .contains("{\"const\": \"status\"}")
        );
        assert_eq!(parse_err(json!("/a~3")).0, "invalid_pointer");
        assert_eq!(parse_err(json!("{/a")).0, "invalid_template");
        assert_eq!(parse_err(json!("x{/a~9}")).0, "invalid_pointer");
        assert_eq!(parse_err(json!("{/a/*/b}")).0, "invalid_template");
        assert_eq!(parse_err(json!([])).0, "invalid_source");
        assert!(parse_err(json!(["/a", "b"])).1.contains("entry 1"));
        assert_eq!(parse_err(json!({"const": 1, "x": 2})).0, "invalid_source");
        assert_eq!(parse_err(json!(5)).0, "invalid_source");
        assert_eq!(parse_err(json!(null)).0, "invalid_source");
    }

    #[test]
    fn pointer_lists_and_list_flag() {
        let s = Source::parse(&json!("{/a}-{/b/c}")).unwrap();
        let ps: Vec<&str> = s.pointers().iter().map(|p| p.as_str()).collect();
        assert_eq!(ps, ["/a", "/b/c"]);
        assert!(!s.produces_list());
        assert!(
            Source::parse(&json!(["/a", "/b/*"]))
                .unwrap()
                .produces_list()
        );
        assert!(
            Source::parse(&json!({"const": []}))
                .unwrap()
                .produces_list()
        );
        assert!(
            Source::parse(&json!({"const": "x"}))
                .unwrap()
                .pointers()
                .is_empty()
        );
    }
}
