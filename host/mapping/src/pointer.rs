//! RFC 6901 JSON Pointers, parsed once, with one extension: a `*` token maps over an array.
//!
//! - `"/a/b"`: tokens `a`, `b`; `~0` is `~` and `~1` is `/`; any other `~` escape is an error.
//! - A token of digits (no leading zero, or `0` itself) also indexes arrays; `-` never matches.
//! - `*` on an array applies the rest of the pointer to every element and yields a list of the
//!   non-null results (nested `*` flatten); on an object it is the ordinary key `"*"`.
//! - A pointer must start with `/` (the whole-document pointer `""` is not a source).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// An object key, and the array index it spells when it is a canonical decimal number.
    Key { key: String, index: Option<usize> },
    /// `*`: every element of an array (or the key `"*"` of an object).
    Wildcard,
}

impl Token {
    fn step<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        match (self, value) {
            (Token::Key { key, .. }, Value::Object(map)) => map.get(key.as_str()),
            (Token::Key { index: Some(i), .. }, Value::Array(items)) => items.get(*i),
            (Token::Wildcard, Value::Object(map)) => map.get("*"),
            _ => None,
        }
    }

    /// The object key this token names (`*` for the wildcard).
    pub(crate) fn key(&self) -> &str {
        match self {
            Token::Key { key, .. } => key,
            Token::Wildcard => "*",
        }
    }
}

/// A parsed JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pointer {
    text: String,
    tokens: Vec<Token>,
    /// Index of the first `*` token, if any.
    wildcard: Option<usize>,
}

impl Pointer {
    /// Parses `text`; the error says what is wrong and how to fix it.
    pub(crate) fn parse(text: &str) -> Result<Pointer, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("JSON Pointer {text:?} must start with \"/\""));
        };
        let mut tokens = Vec::new();
        for raw in rest.split('/') {
            if raw == "*" {
                tokens.push(Token::Wildcard);
                continue;
            }
            let key = unescape(raw).map_err(|bad| {
                format!(
                    "JSON Pointer {text:?} has an invalid escape {bad:?} (use ~0 for ~ and ~1 for /)"
                )
            })?;
            let index = parse_index(&key);
            tokens.push(Token::Key { key, index });
        }
        let wildcard = tokens.iter().position(|t| *t == Token::Wildcard);
        Ok(Pointer {
            text: text.to_owned(),
            tokens,
            wildcard,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub(crate) fn has_wildcard(&self) -> bool {
        self.wildcard.is_some()
    }

    /// The key of the first token, when a record's top-level keys can be looked up once for
    /// every pointer (see `root.rs`); `None` for a leading `*`.
    pub(crate) fn first_key(&self) -> Option<&str> {
        match self.tokens.first() {
            Some(Token::Key { key, .. }) => Some(key),
            _ => None,
        }
    }

    /// Resolves a pointer without `*` (with `*`, it treats `*` as a key; use [`Pointer::resolve`]).
    #[inline]
    pub(crate) fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.get_at(Some(root), 0)
    }

    /// Like [`Pointer::get`], from the value reached after the first `from` tokens.
    #[inline]
    pub(crate) fn get_at<'a>(&self, start: Option<&'a Value>, from: usize) -> Option<&'a Value> {
        let mut current = start?;
        for token in &self.tokens[from..] {
            current = token.step(current)?;
        }
        Some(current)
    }

    /// Resolves the pointer. Without `*`: the value, borrowed. With `*`: `None` when the path
    /// up to the first `*` does not reach an array, else a list of the non-null results.
    #[inline]
    pub(crate) fn resolve<'a>(&self, root: &'a Value) -> Resolved<'a> {
        self.resolve_at(Some(root), 0)
    }

    /// Like [`Pointer::resolve`], from the value reached after the first `from` tokens (which
    /// must not include the first `*`).
    pub(crate) fn resolve_at<'a>(&self, start: Option<&'a Value>, from: usize) -> Resolved<'a> {
        let Some(first) = self.wildcard else {
            return match self.get_at(start, from) {
                Some(v) => Resolved::One(v),
                None => Resolved::Missing,
            };
        };
        debug_assert!(from <= first);
        let Some(mut current) = start else {
            return Resolved::Missing;
        };
        for token in &self.tokens[from..first] {
            match token.step(current) {
                Some(next) => current = next,
                None => return Resolved::Missing,
            }
        }
        match current {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    collect(item, &self.tokens[first + 1..], &mut out);
                }
                Resolved::List(out)
            }
            // `*` on an object is the key "*"; the result is then a one-element list.
            other => {
                let mut out = Vec::new();
                collect(other, &self.tokens[first..], &mut out);
                if out.is_empty() {
                    Resolved::Missing
                } else {
                    Resolved::List(out)
                }
            }
        }
    }

    /// Whether the pointer names something in `root` (a `null` value counts as present). For
    /// `*`: present when the array is reached and is empty or some element has the rest.
    pub(crate) fn is_present(&self, root: &Value) -> bool {
        present(root, &self.tokens)
    }
}

/// What a pointer resolved to.
pub(crate) enum Resolved<'a> {
    Missing,
    One(&'a Value),
    List(Vec<Value>),
}

fn collect(value: &Value, tokens: &[Token], out: &mut Vec<Value>) {
    let mut current = value;
    for (i, token) in tokens.iter().enumerate() {
        if let (Token::Wildcard, Value::Array(items)) = (token, current) {
            for item in items {
                collect(item, &tokens[i + 1..], out);
            }
            return;
        }
        match token.step(current) {
            Some(next) => current = next,
            None => return,
        }
    }
    if !current.is_null() {
        out.push(current.clone());
    }
}

fn present(value: &Value, tokens: &[Token]) -> bool {
    let mut current = value;
    for (i, token) in tokens.iter().enumerate() {
        if let (Token::Wildcard, Value::Array(items)) = (token, current) {
            return items.is_empty() || items.iter().any(|item| present(item, &tokens[i + 1..]));
        }
        match token.step(current) {
            Some(next) => current = next,
            None => return false,
        }
    }
    true
}

fn unescape(raw: &str) -> Result<String, String> {
    if !raw.contains('~') {
        return Ok(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            Some(other) => return Err(format!("~{other}")),
            None => return Err("~".to_owned()),
        }
    }
    Ok(out)
}

fn parse_index(key: &str) -> Option<usize> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    key.parse().ok()
}

/// Escapes an object key as one pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Pointer {
        Pointer::parse(s).unwrap()
    }

    fn list(r: Resolved<'_>) -> Option<Vec<Value>> {
        match r {
            Resolved::List(v) => Some(v),
            Resolved::One(v) => panic!("expected a list, got {v}"),
            Resolved::Missing => None,
        }
    }

    #[test]
    fn rfc6901_examples() {
        // The examples of RFC 6901 section 5.
        let doc = json!({
            "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4,
            "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8
        });
        assert_eq!(p("/foo").get(&doc), Some(&json!(["bar", "baz"])));
        assert_eq!(p("/foo/0").get(&doc), Some(&json!("bar")));
        assert_eq!(p("/").get(&doc), Some(&json!(0)));
        assert_eq!(p("/a~1b").get(&doc), Some(&json!(1)));
        assert_eq!(p("/c%d").get(&doc), Some(&json!(2)));
        assert_eq!(p("/e^f").get(&doc), Some(&json!(3)));
        assert_eq!(p("/g|h").get(&doc), Some(&json!(4)));
        assert_eq!(p("/i\\j").get(&doc), Some(&json!(5)));
        assert_eq!(p("/k\"l").get(&doc), Some(&json!(6)));
        assert_eq!(p("/ ").get(&doc), Some(&json!(7)));
        assert_eq!(p("/m~0n").get(&doc), Some(&json!(8)));
    }

    #[test]
    fn escapes_apply_in_order() {
        // "~01" is "~1" (not "/").
        let doc = json!({"~1": "tilde-one", "/": "slash"});
        assert_eq!(p("/~01").get(&doc), Some(&json!("tilde-one")));
        assert_eq!(p("/~1").get(&doc), Some(&json!("slash")));
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(
            p(&format!("/{}", escape("a/b~c"))).tokens()[0].key(),
            "a/b~c"
        );
    }

    #[test]
    fn syntax_errors() {
        assert!(
            Pointer::parse("foo")
                .unwrap_err()
                .contains("must start with \"/\"")
        );
        assert!(Pointer::parse("").is_err());
        assert!(Pointer::parse("/a~2").unwrap_err().contains("\"~2\""));
        assert!(
            Pointer::parse("/a~")
                .unwrap_err()
                .contains("invalid escape \"~\"")
        );
    }

    #[test]
    fn indexes() {
        let doc = json!({"a": [10, 20, 30], "o": {"01": "key", "1": "one"}});
        assert_eq!(p("/a/2").get(&doc), Some(&json!(30)));
        assert_eq!(p("/a/3").get(&doc), None);
        assert_eq!(p("/a/01").get(&doc), None, "leading zero is not an index");
        assert_eq!(p("/a/-").get(&doc), None);
        assert_eq!(p("/o/01").get(&doc), Some(&json!("key")));
        assert_eq!(p("/o/1").get(&doc), Some(&json!("one")));
        assert_eq!(p("/a/0/x").get(&doc), None);
        assert_eq!(p("/missing/x").get(&doc), None);
    }

    #[test]
    fn wildcard_maps_over_arrays() {
        let doc = json!({
            "assignees": [{"id": 1}, {"id": "u2"}, {"name": "no id"}, {"id": null}],
            "empty": [],
            "nested": [{"tags": ["a", "b"]}, {"tags": ["c"]}, {"tags": null}],
            "obj": {"*": "star"},
            "scalar": 5
        });
        assert_eq!(
            list(p("/assignees/*/id").resolve(&doc)),
            Some(vec![json!(1), json!("u2")])
        );
        assert_eq!(list(p("/empty/*/id").resolve(&doc)), Some(vec![]));
        assert_eq!(list(p("/missing/*/id").resolve(&doc)), None);
        assert_eq!(list(p("/scalar/*").resolve(&doc)), None);
        assert_eq!(
            list(p("/nested/*/tags/*").resolve(&doc)),
            Some(vec![json!("a"), json!("b"), json!("c")])
        );
        assert_eq!(
            list(p("/nested/*/tags").resolve(&doc)),
            Some(vec![json!(["a", "b"]), json!(["c"])])
        );
        assert_eq!(list(p("/obj/*").resolve(&doc)), Some(vec![json!("star")]));
        assert!(p("/a/*").has_wildcard());
        assert!(!p("/a/~2a".replace("~2", "").as_str()).has_wildcard());
    }

    #[test]
    fn presence() {
        let doc = json!({"a": null, "l": [{"x": 1}, {}], "e": [], "n": [{"y": 1}]});
        assert!(p("/a").is_present(&doc));
        assert!(!p("/b").is_present(&doc));
        assert!(!p("/a/b").is_present(&doc));
        assert!(p("/l/*/x").is_present(&doc));
        assert!(
            p("/e/*/x").is_present(&doc),
            "cannot tell from an empty array"
        );
        assert!(!p("/n/*/x").is_present(&doc));
    }
}
