//! Unified ids: the system's id as text; composite keys joined with `:` after percent-encoding
//! each part, so any part (even one holding `:` or `/`) round-trips and the result is URL-safe.
//!
//! ```
//! use millwright_sdk::ids;
//! assert_eq!(ids::compose(&["BEDFORD", "1001"]), "BEDFORD:1001");
//! assert_eq!(ids::compose(&["A:B", "x/y"]), "A%3AB:x%2Fy");
//! assert_eq!(ids::parse("A%3AB:x%2Fy", 2).unwrap(), vec!["A:B", "x/y"]);
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::ConnectorError;

/// The separator between the parts of a composite id.
pub const SEPARATOR: char = ':';

/// Everything but RFC 3986 unreserved characters is encoded, so ids are safe in URL paths.
const PART: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one part.
pub fn encode_part(part: &str) -> String {
    utf8_percent_encode(part, PART).to_string()
}

/// Joins parts into a unified id (a single part gives just that part, encoded).
pub fn compose<S: AsRef<str>>(parts: &[S]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.extend(utf8_percent_encode(p.as_ref(), PART));
    }
    out
}

/// Splits a unified id into exactly `n_parts` decoded parts.
///
/// A malformed id (wrong number of parts, bad percent-encoding, not UTF-8) is
/// [`ConnectorError::NotFound`]: no record has that id. (Connectors validating a reference in
/// a write body should report `invalid-request` naming the field instead.)
pub fn parse(id: &str, n_parts: usize) -> Result<Vec<String>, ConnectorError> {
    let malformed = |why: &str| ConnectorError::NotFound(format!("malformed id {id:?}: {why}"));
    let raw: Vec<&str> = id.split(SEPARATOR).collect();
    if raw.len() != n_parts {
        return Err(malformed(&format!(
            "expected {n_parts} part(s) separated by ':', found {}",
            raw.len()
        )));
    }
    raw.into_iter()
        .map(|p| {
            if p.contains(|c: char| !c.is_ascii_graphic()) || has_bad_escape(p) {
                return Err(malformed("invalid characters"));
            }
            percent_decode_str(p)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| malformed("not UTF-8"))
        })
        .collect()
}

/// Parses a single-part id.
pub fn parse_one(id: &str) -> Result<String, ConnectorError> {
    Ok(parse(id, 1)?.remove(0))
}

/// Parses a single-part id that the system keeps as an integer (`"1234"`); anything else is
/// [`ConnectorError::NotFound`].
pub fn parse_int(id: &str) -> Result<i64, ConnectorError> {
    let s = parse_one(id)?;
    s.parse::<i64>()
        .map_err(|_| ConnectorError::NotFound(format!("malformed id {id:?}: expected an integer")))
}

fn has_bad_escape(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() {
                return true;
            }
            if !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return true;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_and_parse() {
        assert_eq!(compose(&["BEDFORD", "1001"]), "BEDFORD:1001");
        assert_eq!(compose(&["1001"]), "1001");
        assert_eq!(
            compose(&["a b", "ü", "x:y/z?#%"]),
            "a%20b:%C3%BC:x%3Ay%2Fz%3F%23%25"
        );
        assert_eq!(parse("BEDFORD:1001", 2).unwrap(), vec!["BEDFORD", "1001"]);
        assert_eq!(parse_one("1001").unwrap(), "1001");
        assert_eq!(parse_int("1001").unwrap(), 1001);
    }

    #[test]
    fn round_trip_awkward_parts() {
        let parts = ["", ":", "/", "%", "%41", "a:b:c", "ünï cödé", "~-._", "😀"];
        for a in parts {
            for b in parts {
                let id = compose(&[a, b]);
                assert!(
                    id.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-._~%:".contains(c)),
                    "{id}"
                );
                assert_eq!(parse(&id, 2).unwrap(), vec![a.to_string(), b.to_string()]);
            }
        }
    }

    #[test]
    fn malformed_ids_are_not_found() {
        for (id, n) in [
            ("a:b", 1),
            ("a", 2),
            ("a:b:c", 2),
            ("%zz", 1),
            ("%4", 1),
            ("%", 1),
            ("a b", 1),
            ("%FF", 1),
        ] {
            assert_eq!(parse(id, n).unwrap_err().kind(), "not_found", "{id}");
        }
        assert_eq!(parse_int("12a").unwrap_err().kind(), "not_found");
    }
}
