//! Timestamps without a date-time crate (keeps guests small): RFC 3339 parsing and formatting
//! in UTC, HTTP dates, and the wall clock.
//!
//! Unified timestamps are RFC 3339 UTC with `Z`, fractional seconds only when non-zero
//! (`2026-01-31T08:00:00Z`, `2026-01-31T08:00:00.123Z`), millisecond precision.

/// Milliseconds since the Unix epoch, from `wasi:clocks/wall-clock` on wasm32 and the system
/// clock natively.
pub fn now_unix_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        let now = wasip2::clocks::wall_clock::now();
        now.seconds as i64 * 1000 + i64::from(now.nanoseconds / 1_000_000)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        part.iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

/// Parses an RFC 3339 / ISO 8601 timestamp to Unix milliseconds.
///
/// Accepts `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM|±HHMM|±HH)` (`T` or a space, any case),
/// and a bare date `YYYY-MM-DD` as midnight UTC. A timestamp without an offset is taken as UTC
/// (systems that omit it, such as OData `Edm.DateTime`, mean UTC). Fractions beyond
/// milliseconds are truncated.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let year = digits(b, 0, 4)? as i64;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let minute = digits(b, 14, 2)?;
    let mut i = 16;
    let mut second = 0;
    let mut millis = 0u32;
    if b.get(i) == Some(&b':') {
        second = digits(b, 17, 2)?;
        i = 19;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
            let frac = &b[start..i.min(start + 3)];
            millis = frac
                .iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
                * 10u32.pow(3 - frac.len() as u32);
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset_min: i64 = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)? as i64;
            let rest = &b[i + 3..];
            let om = match rest {
                [] => 0,
                [b':', ..] if rest.len() == 3 => digits(b, i + 4, 2)? as i64,
                _ if rest.len() == 2 => digits(b, i + 3, 2)? as i64,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let total = oh * 60 + om;
            if *sign == b'-' { -total } else { total }
        }
        _ => return None,
    };
    let secs =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59))
            - offset_min * 60;
    Some(secs * 1000 + i64::from(millis))
}

/// Formats Unix milliseconds as RFC 3339 UTC: `2026-01-31T08:00:00Z`, with `.mmm` only when the
/// milliseconds are non-zero.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    if millis == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{millis:03}Z")
    }
}

/// Formats Unix milliseconds as a date `YYYY-MM-DD` (UTC).
pub fn format_date_ms(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Re-formats any accepted timestamp ([`parse_rfc3339_ms`]) as RFC 3339 UTC.
pub fn normalize_rfc3339(s: &str) -> Option<String> {
    parse_rfc3339_ms(s).map(format_rfc3339_ms)
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 IMF-fixdate) to Unix ms.
pub fn parse_http_date_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (_, rest) = s.split_once(", ")?;
    let mut it = rest.split(' ');
    let day: u32 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let time = it.next()?;
    if it.next()? != "GMT" {
        return None;
    }
    parse_rfc3339_ms(&format!("{year:04}-{month:02}-{day:02}T{time}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (input, out) in [
            ("2026-01-31T08:00:00Z", "2026-01-31T08:00:00Z"),
            ("2026-01-31T09:00:00+01:00", "2026-01-31T08:00:00Z"),
            ("2026-01-31T09:00:00+0100", "2026-01-31T08:00:00Z"),
            ("2026-01-31T03:00:00-05", "2026-01-31T08:00:00Z"),
            ("2022-01-01T12:34:56.123Z", "2022-01-01T12:34:56.123Z"),
            ("2022-01-01T12:34:56.123456789Z", "2022-01-01T12:34:56.123Z"),
            ("2022-01-01t12:34:56.5z", "2022-01-01T12:34:56.500Z"),
            ("2022-01-01 12:34", "2022-01-01T12:34:00Z"),
            ("2024-02-29", "2024-02-29T00:00:00Z"),
            ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
            ("2000-03-01T00:00:00Z", "2000-03-01T00:00:00Z"),
        ] {
            assert_eq!(normalize_rfc3339(input).as_deref(), Some(out), "{input}");
        }
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            format_date_ms(parse_rfc3339_ms("2026-12-31T23:00:00-02:00").unwrap()),
            "2027-01-01"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2023-02-29",
            "2023-13-01",
            "2023-01-01T25:00:00Z",
            "2023-01-01T10:00:00+",
            "yesterday",
            "2023-01-01T10:00:00Zjunk",
            "2023-01-01T10:00:00.",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_days_agree() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"),
            parse_rfc3339_ms("1994-11-06T08:49:37Z")
        );
        assert_eq!(parse_http_date_ms("06 Nov 1994"), None);
    }

    #[test]
    fn clock_is_sane() {
        assert!(now_unix_ms() > parse_rfc3339_ms("2024-01-01T00:00:00Z").unwrap());
    }
}
