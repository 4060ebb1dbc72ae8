//! RFC 3339 timestamps and calendar dates without a date-time dependency: the one
//! implementation every part of stance uses (reports, waivers, attestations).

use std::fmt;
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

/// The date (year, month, day) for days since 1970-01-01.
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
    Timestamp::from_system(t).to_rfc3339()
}

/// The UTC calendar date (year, month 1-12, day 1-31) of `t`.
pub fn civil_date(t: SystemTime) -> (i64, u32, u32) {
    civil_from_days(unix_seconds(t).div_euclid(86_400))
}

/// Formats a calendar date as `YYYY-MM-DD`.
pub fn format_date(t: SystemTime) -> String {
    let (y, m, d) = civil_date(t);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A point in time: whole seconds since the Unix epoch (UTC) plus nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z (negative before it).
    pub secs: i64,
    /// Nanoseconds within the second, 0..1e9.
    pub nanos: u32,
}

/// Why a timestamp text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 date-time (like 2026-01-31T12:00:00Z): {reason}")]
pub struct TimestampError {
    /// The rejected text, cut to 64 characters.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Timestamp {
    /// The current time of the system clock.
    pub fn now() -> Timestamp {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => {
                Timestamp { secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX), nanos: d.subsec_nanos() }
            }
            // A clock before 1970 is broken; treat it as the epoch so every check still runs.
            Err(_) => Timestamp { secs: 0, nanos: 0 },
        }
    }

    /// The timestamp of a system time (whole seconds and nanoseconds; before 1970, negative).
    pub fn from_system(t: SystemTime) -> Timestamp {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => {
                Timestamp { secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX), nanos: d.subsec_nanos() }
            }
            Err(e) => {
                let d = e.duration();
                let secs = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                match d.subsec_nanos() {
                    0 => Timestamp { secs, nanos: 0 },
                    n => Timestamp { secs: secs - 1, nanos: 1_000_000_000 - n },
                }
            }
        }
    }

    /// The system time of this timestamp.
    pub fn to_system(self) -> SystemTime {
        from_unix_seconds(self.secs) + Duration::from_nanos(u64::from(self.nanos))
    }

    /// A timestamp at whole seconds since the epoch.
    pub fn from_unix(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Whole seconds from `earlier` to `self` (negative when `earlier` is later),
    /// truncated towards zero.
    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        let mut d = self.secs.saturating_sub(earlier.secs);
        if d > 0 && self.nanos < earlier.nanos {
            d -= 1;
        } else if d < 0 && self.nanos > earlier.nanos {
            d += 1;
        }
        d
    }

    /// Parses an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    ///
    /// `t`/`z` in lower case and a space instead of `T` are refused: stance
    /// writes one spelling and other tools in this space do too.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimestampError> {
        let fail = |reason| TimestampError { text: text.chars().take(64).collect(), reason };
        let b = text.as_bytes();
        if b.len() < 20 || b.len() > 64 {
            return Err(fail("wrong length"));
        }
        let num = |range: std::ops::Range<usize>| -> Result<u32, TimestampError> {
            let part = &b[range];
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(fail("expected digits"));
            }
            Ok(part.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
        };
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(fail("expected YYYY-MM-DDTHH:MM:SS"));
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(fail("no such date"));
        }
        // RFC 3339 allows second 60 for leap seconds; fold it into the next second.
        if hour > 23 || minute > 59 || second > 60 {
            return Err(fail("no such time of day"));
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return Err(fail("empty fraction of a second"));
            }
            for _ in n..9 {
                nanos *= 10;
            }
        }
        let offset_secs: i64 = match &b[i..] {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(fail("bad UTC offset"));
                }
                let h = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
                let m = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
                if h > 23 || m > 59 {
                    return Err(fail("bad UTC offset"));
                }
                let s = (h * 60 + m) * 60;
                if *sign == b'+' { s } else { -s }
            }
            _ => return Err(fail("expected Z or a ±HH:MM offset at the end")),
        };
        let days = days_from_civil(i64::from(year), month, day);
        let secs =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second) - offset_secs;
        Ok(Timestamp { secs, nanos })
    }

    /// RFC 3339 in UTC with whole seconds: `2026-01-31T12:00:00Z`.
    pub fn to_rfc3339(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The number of days of `month` (1-12) in `year`; 0 for a month that does not exist.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses `YYYY-MM-DD` as midnight UTC.
pub fn parse_date(text: &str) -> Result<SystemTime, TimestampError> {
    parse_rfc3339(&format!("{}T00:00:00Z", text.trim()))
}

/// Parses an RFC 3339 timestamp a person typed (`--job-start`, dates in reports): the
/// grammar of [`Timestamp::parse_rfc3339`], also in the spellings RFC 3339 allows beside
/// it (`t` and `z` in lower case, a space between date and time).
pub fn parse_rfc3339(text: &str) -> Result<SystemTime, TimestampError> {
    let mut b = text.as_bytes().to_vec();
    if b.len() > 10 && matches!(b[10], b't' | b' ') {
        b[10] = b'T';
    }
    if b.last() == Some(&b'z') {
        let n = b.len() - 1;
        b[n] = b'Z';
    }
    let normal = String::from_utf8(b).unwrap_or_default();
    Timestamp::parse_rfc3339(&normal)
        .map(Timestamp::to_system)
        .map_err(|e| TimestampError { text: text.chars().take(64).collect(), ..e })
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
        // Fractions of a second are kept (they were dropped before the two parsers became one).
        assert_eq!(
            parse_rfc3339("2023-11-14T23:13:20.123+01:00"),
            Ok(from_unix_seconds(1_700_000_000) + Duration::from_millis(123))
        );
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

    #[test]
    fn known_instants() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-03-01T00:00:00Z", 951_868_800),
            ("2024-02-29T12:34:56Z", 1_709_210_096),
            ("2038-01-19T03:14:08Z", 2_147_483_648),
            ("1969-12-31T23:59:59Z", -1),
        ];
        for (text, secs) in cases {
            let t = Timestamp::parse_rfc3339(text).unwrap();
            assert_eq!(t.secs, secs, "{text}");
            assert_eq!(t.to_rfc3339(), text);
        }
    }

    #[test]
    fn offsets_and_fractions() {
        let t = Timestamp::parse_rfc3339("2024-02-29T14:34:56.25+02:00").unwrap();
        assert_eq!((t.secs, t.nanos), (1_709_210_096, 250_000_000));
        let t = Timestamp::parse_rfc3339("2024-02-29T12:04:56.123456789123-00:30").unwrap();
        assert_eq!((t.secs, t.nanos), (1_709_210_096, 123_456_789));
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00z",
            "+024-01-01T00:00:00Z",
            "2024-01-01T00:00:00ZZ",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (-800_000i64..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn seconds_since_truncates() {
        let a = Timestamp { secs: 10, nanos: 900_000_000 };
        let b = Timestamp { secs: 12, nanos: 100_000_000 };
        assert_eq!(b.seconds_since(a), 1);
        assert_eq!(a.seconds_since(b), -1);
    }

    #[test]
    fn people_may_type_the_other_rfc3339_spellings() {
        let t = from_unix_seconds(1_700_000_000);
        for text in ["2023-11-14t22:13:20z", "2023-11-14 22:13:20Z", "2023-11-14T22:13:20Z"] {
            assert_eq!(parse_rfc3339(text), Ok(t), "{text}");
        }
        assert!(Timestamp::parse_rfc3339("2023-11-14 22:13:20Z").is_err());
        assert!(parse_rfc3339("2023-11-14x22:13:20Z").is_err());
    }

    #[test]
    fn system_times_round_trip_with_nanoseconds() {
        for (secs, nanos) in [(0_i64, 0_u32), (1_700_000_000, 5), (-1, 999_999_999), (-86_400, 0)] {
            let t = Timestamp { secs, nanos };
            assert_eq!(Timestamp::from_system(t.to_system()), t);
        }
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2024, 13), 0);
        assert_eq!(civil_date(from_unix_seconds(951_782_400)), (2000, 2, 29));
    }
}
