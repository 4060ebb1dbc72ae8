//! Canonical JSON bytes (RFC 8785, the JSON Canonicalization Scheme).
//!
//! The report subject's digest is taken over these bytes so that a verifier
//! can recompute it from the report inside the predicate, whatever whitespace
//! or key order the payload happened to use. One documented deviation: an
//! integer that serde_json holds exactly as `i64`/`u64` is written exactly,
//! also beyond 2^53 where RFC 8785 would first round it to a double. stance's
//! reports hold no such integers.

use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

/// The RFC 8785 canonical form of `value`.
pub fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    write_value(&mut out, value);
    out.into_bytes()
}

/// The RFC 8785 canonical form of a JSON object given as its member map.
pub fn object_to_vec(map: &Map<String, Value>) -> Vec<u8> {
    let mut out = String::with_capacity(4096);
    write_object(&mut out, map);
    out.into_bytes()
}

/// Hex sha256 of the canonical form of `value`.
pub fn sha256_hex(value: &Value) -> String {
    use sha2::Digest;
    crate::hex::encode(&sha2::Sha256::digest(to_vec(value)))
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map),
    }
}

fn write_object(out: &mut String, map: &Map<String, Value>) {
    // RFC 8785 orders members by the UTF-16 code units of their names.
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, value);
    }
    out.push('}');
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Copy runs that need no escaping in one go; only `"`, `\` and controls are escaped.
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        write_double(out, f);
    } else {
        // Unreachable without serde_json's arbitrary_precision; keep its own text.
        let _ = write!(out, "{n}");
    }
}

/// ECMAScript's Number.prototype.toString for a finite double, which RFC 8785 adopts.
fn write_double(out: &mut String, f: f64) {
    if f == 0.0 {
        out.push('0'); // also for -0
        return;
    }
    if f < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as ECMAScript requires.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1; // the value is 0.DIGITS × 10^n
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e >= 0 { '+' } else { '-' }, e.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: &Value) -> String {
        String::from_utf8(to_vec(v)).unwrap()
    }

    #[test]
    fn sorts_by_utf16_and_drops_whitespace() {
        // As in RFC 8785 section 3.2.3: U+FB33 sorts before U+1F600 by code point
        // but after it by UTF-16 code unit (0xFB33 > 0xD83D).
        let v: Value = serde_json::from_str(
            r#"{"\ufb33": 3, "\u20ac": 1, "\ud83d\ude00": 2, "b": [1, 2], "a": {"y": null, "x": true}}"#,
        )
        .unwrap();
        assert_eq!(
            canon(&v),
            "{\"a\":{\"x\":true,\"y\":null},\"b\":[1,2],\"\u{20ac}\":1,\"\u{1f600}\":2,\"\u{fb33}\":3}"
        );
    }

    #[test]
    fn escapes_only_what_rfc8785_escapes() {
        let v = json!("q\"b\\\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}é\u{2028}/");
        assert_eq!(canon(&v), "\"q\\\"b\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\u{7f}é\u{2028}/\"");
    }

    #[test]
    fn numbers_follow_ecmascript() {
        // Values from RFC 8785 appendix B and ECMAScript's toString rules.
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (4.5, "4.5"),
            (0.002, "0.002"),
            (333333333.3333333, "333333333.3333333"),
            (9007199254740992.0, "9007199254740992"),
            (295147905179352830000.0, "295147905179352830000"),
        ];
        for (f, want) in cases {
            let mut s = String::new();
            write_double(&mut s, *f);
            assert_eq!(&s, want, "{f:e}");
        }
        assert_eq!(canon(&json!([1, -7, 18446744073709551615u64, 2.5])), "[1,-7,18446744073709551615,2.5]");
    }
}
