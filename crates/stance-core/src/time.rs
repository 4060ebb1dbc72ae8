//! RFC 3339 timestamps without a date-time dependency: UTC formatting and parsing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date for days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// Seconds since the Unix epoch for `t` (negative before 1970).
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// The time `secs` seconds after the epoch.
pub fn from_unix_seconds(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds).
pub fn format_rfc3339(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Formats a calendar date as `YYYY-MM-DD`.
pub fn format_date(t: SystemTime) -> String {
    let (y, m, d) = civil_from_days(unix_seconds(t).div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A timestamp that is not RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 timestamp (expected e.g. 2026-01-31T12:00:00Z)")]
pub struct BadTimestamp(pub String);

/// Parses `YYYY-MM-DD` as midnight UTC.
pub fn parse_date(text: &str) -> Result<SystemTime, BadTimestamp> {
    parse_rfc3339(&format!("{}T00:00:00Z", text.trim()))
}

/// Parses an RFC 3339 timestamp (`Z` or `±HH:MM` offset, optional fractional seconds).
pub fn parse_rfc3339(text: &str) -> Result<SystemTime, BadTimestamp> {
    let bad = || BadTimestamp(text.to_string());
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, BadTimestamp> {
        let s = text.get(r).ok_or_else(bad)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<i64>().map_err(|_| bad())
    };
    let (y, mo, d, h, mi, s) =
        (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return Err(bad());
    }
    let days_in_month = match mo {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d > days_in_month {
        return Err(bad());
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad());
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && &rest[3..4] == ":" => {
            let oh = num(text.len() - 5..text.len() - 3)?;
            let om = num(text.len() - 2..text.len())?;
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let o = oh * 3600 + om * 60;
            if rest.starts_with('-') { -o } else { o }
        }
        _ => return Err(bad()),
    };
    let secs = days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s.min(59) - offset;
    Ok(from_unix_seconds(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(from_unix_seconds(1_700_000_000)), "2023-11-14T22:13:20Z");
        assert_eq!(format_rfc3339(from_unix_seconds(951_782_400)), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for secs in [0_i64, 951_782_400, 1_700_000_000, 4_102_444_800, -86_400] {
            let t = from_unix_seconds(secs);
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Ok(t));
        }
        assert_eq!(parse_rfc3339("2023-11-14T23:13:20.123+01:00"), Ok(from_unix_seconds(1_700_000_000)));
        assert_eq!(parse_date("2023-11-14"), Ok(from_unix_seconds(1_699_920_000)));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2023-11-14",
            "2023-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-11-14T25:00:00Z",
            "2023-11-14T00:00:00",
            "2023-11-14T00:00:00+1:00",
            "２０２3-11-14T00:00:00Z",
            "2023-11-14T00:00:00.Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "accepted {bad}");
        }
    }
}
