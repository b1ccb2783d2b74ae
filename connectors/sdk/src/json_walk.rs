//! Walking a JSON document's outer structure by hand while serde_json parses every value in it,
//! so that a list page is read in **one pass**: each record is deserialized into whatever small
//! struct the connector needs *and* its exact text is known, to pass through without a copy.
//!
//! Splitting with `RawValue` first and parsing each record afterwards reads every byte twice
//! (three times with the page's own split); in Wasm that parsing is most of a connector's CPU.
//!
//! ```
//! use millwright_sdk::json_walk::JsonWalk;
//! # fn main() -> Result<(), serde_json::Error> {
//! let mut walk = JsonWalk::new(r#"[{"id": 1}, {"id": 2}]"#);
//! walk.open(b'[')?;
//! let mut ids = vec![];
//! while walk.next_element()? {
//!     #[derive(serde::Deserialize)]
//!     struct Id { id: u32 }
//!     let (record, text): (Id, &str) = walk.value()?;
//!     ids.push((record.id, text.len()));
//! }
//! walk.end()?;
//! assert_eq!(ids, [(1, 9), (2, 9)]);
//! # Ok(()) }
//! ```
//!
//! Every value goes through serde_json; the walker itself only reads whitespace, `[ ] { } , :`.
//! Malformed structure (a missing comma, a trailing comma, text after the end) is an error.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::Error as _;

/// A position in one JSON text; see the module docs.
pub struct JsonWalk<'a> {
    text: &'a str,
    pos: usize,
    /// Whether the container being walked has yielded an element (so the next needs a comma).
    started: bool,
}

impl<'a> JsonWalk<'a> {
    pub fn new(text: &'a str) -> Self {
        JsonWalk { text, pos: 0, started: false }
    }

    /// The next non-whitespace byte, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        let rest = &self.text.as_bytes()[self.pos..];
        self.pos += rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Consumes `[` or `{` (whichever `open` is) and starts walking that container.
    pub fn open(&mut self, open: u8) -> Result<(), serde_json::Error> {
        self.expect(open)?;
        self.started = false;
        Ok(())
    }

    /// In an array: whether another element follows (then [`value`](Self::value) reads it);
    /// `false` once the closing `]` is consumed.
    pub fn next_element(&mut self) -> Result<bool, serde_json::Error> {
        self.next_member(b']')
    }

    /// In an object: the next key, or `None` once the closing `}` is consumed. Read the value
    /// with [`value`](Self::value) (after the `:`, which this consumes).
    pub fn next_key(&mut self) -> Result<Option<Cow<'a, str>>, serde_json::Error> {
        if !self.next_member(b'}')? {
            return Ok(None);
        }
        let key = self.key()?;
        self.expect(b':')?;
        Ok(Some(key))
    }

    /// Deserializes the value here, returning it and its exact text.
    pub fn value<T: Deserialize<'a>>(&mut self) -> Result<(T, &'a str), serde_json::Error> {
        self.peek();
        let start = self.pos;
        let mut values = serde_json::Deserializer::from_str(&self.text[start..]).into_iter::<T>();
        let value = values.next().ok_or_else(|| serde_json::Error::custom("EOF while parsing a value"))??;
        self.pos = start + values.byte_offset();
        Ok((value, &self.text[start..self.pos]))
    }

    /// Skips the value here (still checked by serde_json), returning its text.
    pub fn skip(&mut self) -> Result<&'a str, serde_json::Error> {
        self.value::<serde::de::IgnoredAny>().map(|(_, text)| text)
    }

    /// Only whitespace may follow.
    pub fn end(&mut self) -> Result<(), serde_json::Error> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(serde_json::Error::custom("trailing characters after the JSON value")),
        }
    }

    /// An object key: a slice of the text unless it has escapes (serde's own `Cow` always
    /// copies); serde_json checks it either way.
    fn key(&mut self) -> Result<Cow<'a, str>, serde_json::Error> {
        if self.peek() != Some(b'"') {
            return Err(serde_json::Error::custom("expected an object key"));
        }
        let text = self.skip()?;
        if text.contains('\\') {
            return serde_json::from_str::<String>(text).map(Cow::Owned);
        }
        Ok(Cow::Borrowed(&text[1..text.len() - 1]))
    }

    fn next_member(&mut self, close: u8) -> Result<bool, serde_json::Error> {
        if self.peek() == Some(close) {
            self.pos += 1;
            // A container in a container: the outer one has had this element.
            self.started = true;
            return Ok(false);
        }
        if self.started {
            self.expect(b',')?;
            if self.peek() == Some(close) {
                return Err(serde_json::Error::custom("trailing comma"));
            }
        }
        self.started = true;
        Ok(true)
    }

    fn expect(&mut self, byte: u8) -> Result<(), serde_json::Error> {
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(serde_json::Error::custom(format!("expected `{}`, found `{}`", byte as char, b as char))),
            None => Err(serde_json::Error::custom(format!("expected `{}`, found the end", byte as char))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_and_values(text: &str) -> Result<Vec<(String, String)>, serde_json::Error> {
        let mut w = JsonWalk::new(text);
        w.open(b'{')?;
        let mut out = vec![];
        while let Some(k) = w.next_key()? {
            out.push((k.into_owned(), w.skip()?.to_string()));
        }
        w.end()?;
        Ok(out)
    }

    #[test]
    fn walks_objects_with_exact_value_text() {
        let got = keys_and_values(r#" { "a" : [1, {"b": "}"}] , "c\"d": 12.5e3,"e":null } "#).unwrap();
        assert_eq!(got, [("a".into(), r#"[1, {"b": "}"}]"#.into()), ("c\"d".into(), "12.5e3".into()), ("e".into(), "null".into())]);
        assert!(keys_and_values("{}").unwrap().is_empty());
    }

    #[test]
    fn rejects_malformed_structure() {
        for bad in [r#"{"a":1 "b":2}"#, r#"{"a":1,}"#, r#"{"a" 1}"#, r#"{"a":1} x"#, r#"{"a":}"#, r#"{"a":1"#, "{", r#"{"a":tru}"#, r#"{,"a":1}"#] {
            assert!(keys_and_values(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn walks_arrays_of_mixed_values() {
        let mut w = JsonWalk::new("[ 1 ,\"x\",[2,3], {} ]");
        w.open(b'[').unwrap();
        let mut texts = vec![];
        while w.next_element().unwrap() {
            texts.push(w.skip().unwrap());
        }
        w.end().unwrap();
        assert_eq!(texts, ["1", "\"x\"", "[2,3]", "{}"]);
        for bad in ["[1,]", "[1 2]", "[,1]", "[1"] {
            let mut w = JsonWalk::new(bad);
            w.open(b'[').unwrap();
            let r: Result<(), serde_json::Error> = (|| {
                while w.next_element()? {
                    w.skip()?;
                }
                w.end()
            })();
            assert!(r.is_err(), "{bad}");
        }
    }
}
