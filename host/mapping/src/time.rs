//! Timestamp and date parsing and the canonical output forms: RFC 3339 UTC with `Z`
//! (`2026-01-31T08:00:00Z`, fractional seconds only when non-zero: 3, 6 or 9 digits) and
//! `YYYY-MM-DD`.

use std::fmt::Write as _;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Timelike, Utc,
};
use serde_json::Value;

/// Formats a UTC timestamp in the unified form, without the formatting machinery on the
/// common path (4-digit years).
pub(crate) fn format_utc(dt: &DateTime<Utc>) -> String {
    let naive = dt.naive_utc();
    let year = naive.year();
    let nanos = naive.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        // Out-of-range years and leap seconds: chrono's own formatting.
        return dt.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    let mut out = String::with_capacity(30);
    push_date(&mut out, naive.date());
    out.push('T');
    push2(&mut out, naive.hour());
    out.push(':');
    push2(&mut out, naive.minute());
    out.push(':');
    push2(&mut out, naive.second());
    if nanos != 0 {
        out.push('.');
        let (value, digits) = if nanos.is_multiple_of(1_000_000) {
            (nanos / 1_000_000, 3)
        } else if nanos.is_multiple_of(1_000) {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        let _ = write!(out, "{value:0digits$}");
    }
    out.push('Z');
    out
}

/// Formats a date as `YYYY-MM-DD`.
pub(crate) fn format_date(date: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    if (0..=9999).contains(&date.year()) {
        push_date(&mut out, date);
    } else {
        let _ = write!(out, "{}", date.format("%Y-%m-%d"));
    }
    out
}

fn push_date(out: &mut String, date: NaiveDate) {
    let year = date.year() as u32;
    push2(out, year / 100);
    push2(out, year % 100);
    out.push('-');
    push2(out, date.month());
    out.push('-');
    push2(out, date.day());
}

#[inline]
fn push2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// ISO 8601 as systems send it: RFC 3339 (any offset, `T`/`t`/space separator), an offset
/// without colon (`+0000`), a local time without offset (taken as UTC), or a date alone
/// (midnight UTC).
pub(crate) fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, format) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    parse_naive(s).map(|n| n.and_utc())
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, format) {
            return Some(n);
        }
    }
    None
}

/// Whether `s` is exactly the unified timestamp form.
pub(crate) fn is_canonical_timestamp(s: &str) -> bool {
    parse_iso(s).is_some_and(|dt| format_utc(&dt) == s)
}

/// Whether `s` is a real `YYYY-MM-DD` date.
pub(crate) fn is_canonical_date(s: &str) -> bool {
    s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// OData v2 JSON dates: `/Date(1492041600000)/`, `/Date(1492041600000+0000)/`,
/// `/Date(-62135596800000)/`. The number is milliseconds since the epoch in UTC; an offset
/// suffix (minutes, for `Edm.DateTimeOffset`) is informational and ignored.
pub(crate) fn parse_odata(s: &str) -> Option<DateTime<Utc>> {
    let inner = s.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let digits_end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map_or(inner.len(), |(i, _)| i);
    let (millis, offset) = inner.split_at(digits_end);
    if !offset.is_empty() && !offset[1..].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp_millis(millis.parse().ok()?)
}

/// Formats an OData v2 date.
pub(crate) fn format_odata(dt: &DateTime<Utc>) -> String {
    format!("/Date({})/", dt.timestamp_millis())
}

/// Seconds (`scale` 1) or milliseconds (`scale` 1000) since the epoch, from a JSON number or
/// a numeric string.
pub(crate) fn parse_epoch(value: &Value, scale: i64) -> Option<DateTime<Utc>> {
    let number = match value {
        Value::Number(n) => n.clone(),
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(i) => i.into(),
                Err(_) => serde_json::Number::from_f64(s.parse::<f64>().ok()?)?,
            }
        }
        _ => return None,
    };
    if let Some(i) = number.as_i64() {
        return if scale == 1 {
            DateTime::from_timestamp(i, 0)
        } else {
            DateTime::from_timestamp_millis(i)
        };
    }
    // A fractional number: whole units plus the fraction rounded to microseconds (an f64
    // epoch carries no more precision than that).
    let f = number.as_f64()?;
    if !f.is_finite() || f.abs() > 9.0e15 {
        return None;
    }
    let whole = f.floor();
    let micros = ((f - whole) * (1_000_000 / scale) as f64).round() as i64;
    let base = if scale == 1 {
        DateTime::from_timestamp(whole as i64, 0)?
    } else {
        DateTime::from_timestamp_millis(whole as i64)?
    };
    base.checked_add_signed(chrono::TimeDelta::microseconds(micros))
}

/// "Zero" for `zero_is_null`: the number 0, or a string with at least one digit whose digits
/// are all `0` (`"0"`, `"00000000"`, `"0000-00-00 00:00"`, `"/Date(0)/"`).
pub(crate) fn is_zero(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => {
            let mut digits = s.bytes().filter(u8::is_ascii_digit).peekable();
            digits.peek().is_some() && digits.all(|b| b == b'0')
        }
        _ => false,
    }
}

/// The date a value names, as written (no time-zone shift for timestamps with an offset):
/// `YYYY-MM-DD`, `YYYYMMDD` (SAP), an ISO 8601 / RFC 3339 timestamp, or an OData date (UTC).
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() == 10 && s.as_bytes()[4] == b'-' {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    if s.starts_with("/Date(") {
        return parse_odata(s).map(|dt| dt.date_naive());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_local().date());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, format) {
            return Some(dt.naive_local().date());
        }
    }
    parse_naive(s).map(|n| n.date())
}

/// A chrono `strftime` format, checked and pre-parsed once.
#[derive(Debug, Clone)]
pub(crate) struct CustomFormat {
    text: String,
    items: Vec<Item<'static>>,
}

impl CustomFormat {
    /// Checks the format: valid specifiers, and it must read back a full date.
    pub(crate) fn compile(text: &str) -> Result<CustomFormat, String> {
        let items = StrftimeItems::new(text)
            .parse_to_owned()
            .map_err(|_| format!("timestamp_format {text:?} has an invalid % specifier"))?;
        let format = CustomFormat {
            text: text.to_owned(),
            items,
        };
        let sample = Utc
            .with_ymd_and_hms(2026, 1, 31, 8, 9, 10)
            .single()
            .expect("valid");
        let rendered = format
            .format(&sample)
            .ok_or_else(|| format!("timestamp_format {text:?} cannot be formatted"))?;
        match format.parse(&rendered) {
            Some(back) if back.date_naive() == sample.date_naive() => Ok(format),
            _ => Err(format!(
                "timestamp_format {text:?} does not read a full date (it needs a year, a month \
                 and a day, e.g. %Y-%m-%d or %d.%m.%Y)"
            )),
        }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Parses with the format: with an offset (`%z`) it is honoured; without, the time is UTC;
    /// without time fields, midnight.
    pub(crate) fn parse(&self, s: &str) -> Option<DateTime<Utc>> {
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, s, self.items.iter()).ok()?;
        if parsed.offset().is_some() {
            return parsed.to_datetime().ok().map(|dt| dt.with_timezone(&Utc));
        }
        if let Ok(naive) = parsed.to_naive_datetime_with_offset(0) {
            return Some(naive.and_utc());
        }
        if parsed.hour_div_12().is_none() && parsed.hour_mod_12().is_none() {
            return parsed
                .to_naive_date()
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc());
        }
        None
    }

    /// Formats in UTC with the format (for reverse mapping).
    pub(crate) fn format(&self, dt: &DateTime<Utc>) -> Option<String> {
        let mut out = String::new();
        write!(out, "{}", dt.format_with_items(self.items.iter())).ok()?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iso(s: &str) -> Option<String> {
        parse_iso(s).map(|d| format_utc(&d))
    }

    #[test]
    fn canonical_format_matches_chrono_auto_si() {
        for s in [
            "2026-01-31T08:00:00Z",
            "2026-01-31T08:00:00.100Z",
            "2026-01-31T08:00:00.123456Z",
            "2026-01-31T08:00:00.123456789Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let dt = parse_iso(s).unwrap();
            assert_eq!(
                format_utc(&dt),
                dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            );
            assert_eq!(format_utc(&dt), s);
            assert!(is_canonical_timestamp(s));
        }
        assert!(!is_canonical_timestamp("2026-01-31T08:00:00.000Z"));
        assert!(!is_canonical_timestamp("2026-01-31T08:00:00+00:00"));
    }

    #[test]
    fn iso_variants() {
        assert_eq!(
            iso("2022-01-01T00:00:00.000Z").as_deref(),
            Some("2022-01-01T00:00:00Z")
        );
        assert_eq!(
            iso("2026-01-31T09:00:00+01:00").as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            iso("2026-01-31T09:00:00+0100").as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            iso("2026-01-31 08:00:00Z").as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            iso("2026-01-31T08:00:00").as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            iso("2026-01-31 08:00:00.5").as_deref(),
            Some("2026-01-31T08:00:00.500Z")
        );
        assert_eq!(
            iso("2026-01-31T08:00").as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(iso("2026-01-31").as_deref(), Some("2026-01-31T00:00:00Z"));
        assert_eq!(iso("2026-02-30"), None);
        assert_eq!(iso("31.01.2026"), None);
        assert_eq!(iso("yesterday"), None);
    }

    #[test]
    fn odata() {
        let f = |s: &str| parse_odata(s).map(|d| format_utc(&d));
        assert_eq!(
            f("/Date(1492041600000)/").as_deref(),
            Some("2017-04-13T00:00:00Z")
        );
        assert_eq!(
            f("/Date(1492041600000+0000)/").as_deref(),
            Some("2017-04-13T00:00:00Z")
        );
        assert_eq!(
            f("/Date(1492041600000-0300)/").as_deref(),
            Some("2017-04-13T00:00:00Z")
        );
        assert_eq!(
            f("/Date(-86400000)/").as_deref(),
            Some("1969-12-31T00:00:00Z")
        );
        assert_eq!(
            f("/Date(1492041600123)/").as_deref(),
            Some("2017-04-13T00:00:00.123Z")
        );
        assert_eq!(f("/Date(abc)/"), None);
        assert_eq!(f("/Date(1+x)/"), None);
        assert_eq!(f("Date(1)"), None);
        let dt = parse_odata("/Date(1492041600000)/").unwrap();
        assert_eq!(format_odata(&dt), "/Date(1492041600000)/");
    }

    #[test]
    fn epochs() {
        let f = |v: Value, scale| parse_epoch(&v, scale).map(|d| format_utc(&d));
        assert_eq!(
            f(json!(1769846400), 1).as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            f(json!("1769846400"), 1).as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            f(json!(1769846400.25), 1).as_deref(),
            Some("2026-01-31T08:00:00.250Z")
        );
        assert_eq!(
            f(json!(1769846400.1), 1).as_deref(),
            Some("2026-01-31T08:00:00.100Z")
        );
        assert_eq!(
            f(json!(-0.5), 1).as_deref(),
            Some("1969-12-31T23:59:59.500Z")
        );
        assert_eq!(
            f(json!(1769846400000.5), 1000).as_deref(),
            Some("2026-01-31T08:00:00.000500Z")
        );
        assert_eq!(
            f(json!(1769846400000i64), 1000).as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(
            f(json!(" 1769846400001 "), 1000).as_deref(),
            Some("2026-01-31T08:00:00.001Z")
        );
        assert_eq!(f(json!(0), 1).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(f(json!("soon"), 1), None);
        assert_eq!(f(json!(true), 1), None);
        assert_eq!(f(json!(1e300), 1), None);
    }

    #[test]
    fn zero() {
        for v in [
            json!(0),
            json!(0.0),
            json!("0"),
            json!("00000000"),
            json!("0000-00-00 00:00"),
            json!("/Date(0)/"),
        ] {
            assert!(is_zero(&v), "{v}");
        }
        for v in [
            json!(1),
            json!(""),
            json!("abc"),
            json!("2026-01-01"),
            json!(null),
        ] {
            assert!(!is_zero(&v), "{v}");
        }
    }

    #[test]
    fn dates() {
        let f = |s: &str| parse_date(s).map(format_date);
        assert_eq!(f("2026-01-31").as_deref(), Some("2026-01-31"));
        assert_eq!(f("20260131").as_deref(), Some("2026-01-31"));
        assert_eq!(
            f("2026-01-31T23:30:00-05:00").as_deref(),
            Some("2026-01-31"),
            "as written"
        );
        assert_eq!(f("2026-01-31T08:00:00.000Z").as_deref(), Some("2026-01-31"));
        assert_eq!(f("2026-01-31 08:00:00").as_deref(), Some("2026-01-31"));
        assert_eq!(f("/Date(1492041600000)/").as_deref(), Some("2017-04-13"));
        assert_eq!(f("2026-13-01"), None);
        assert_eq!(f("31/01/2026"), None);
        assert!(is_canonical_date("2026-01-31"));
        assert!(!is_canonical_date("2026-1-31"));
    }

    #[test]
    fn custom_formats() {
        let f = CustomFormat::compile("%d.%m.%Y %H:%M").unwrap();
        assert_eq!(f.text(), "%d.%m.%Y %H:%M");
        assert_eq!(
            f.parse("31.01.2026 08:00")
                .map(|d| format_utc(&d))
                .as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        assert_eq!(f.parse("31.01.2026"), None);
        assert_eq!(
            f.format(&parse_iso("2026-01-31T08:00:00Z").unwrap())
                .as_deref(),
            Some("31.01.2026 08:00")
        );
        let d = CustomFormat::compile("%Y%m%d").unwrap();
        assert_eq!(
            d.parse("20260131").map(|d| format_utc(&d)).as_deref(),
            Some("2026-01-31T00:00:00Z")
        );
        let z = CustomFormat::compile("%Y-%m-%d %H:%M:%S %z").unwrap();
        assert_eq!(
            z.parse("2026-01-31 09:00:00 +0100")
                .map(|d| format_utc(&d))
                .as_deref(),
            Some("2026-01-31T08:00:00Z")
        );
        let us = CustomFormat::compile("%m/%d/%Y %I:%M %p").unwrap();
        assert_eq!(
            us.parse("01/31/2026 08:00 PM")
                .map(|d| format_utc(&d))
                .as_deref(),
            Some("2026-01-31T20:00:00Z")
        );
        assert!(
            CustomFormat::compile("%Q")
                .unwrap_err()
                .contains("invalid % specifier")
        );
        assert!(
            CustomFormat::compile("%H:%M")
                .unwrap_err()
                .contains("full date")
        );
        assert!(
            CustomFormat::compile("%m/%d")
                .unwrap_err()
                .contains("full date")
        );
    }
}
