//! Base64 as DSSE needs it.
//!
//! DSSE lets signers use the standard or the URL-safe alphabet and requires
//! verifiers to accept both. We accept either alphabet, padded or unpadded,
//! but stay strict about everything else: no whitespace, no mixing of the two
//! alphabets in one value, padding either complete or absent, and no stray
//! bits in the last character (so each byte string has exactly one accepted
//! spelling per alphabet and padding choice).

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const DECODE_CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(true)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(false);

const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, DECODE_CONFIG);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, DECODE_CONFIG);
const URL_SAFE_NO_PAD: GeneralPurpose =
    GeneralPurpose::new(&alphabet::URL_SAFE, GeneralPurposeConfig::new().with_encode_padding(false));

/// Why a base64 value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    /// Characters of both the standard (`+/`) and URL-safe (`-_`) alphabets appear.
    #[error("mixes the standard and URL-safe base64 alphabets")]
    MixedAlphabets,
    /// Padding is present but does not complete the last 4-character group.
    #[error("has incomplete base64 padding")]
    PartialPadding,
    /// Not base64 in either alphabet (bad character, bad length or stray bits).
    #[error("is not valid base64")]
    Invalid,
}

/// Encodes with the standard alphabet and padding (what most DSSE tools emit).
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Encodes with the URL-safe alphabet and no padding (JWK members).
pub fn encode_url_no_pad(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes standard or URL-safe base64, padded or unpadded.
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = text.as_bytes();
    let standard = bytes.iter().any(|&b| b == b'+' || b == b'/');
    let url_safe = bytes.iter().any(|&b| b == b'-' || b == b'_');
    if standard && url_safe {
        return Err(Base64Error::MixedAlphabets);
    }
    if bytes.last() == Some(&b'=') && !bytes.len().is_multiple_of(4) {
        return Err(Base64Error::PartialPadding);
    }
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    engine.decode(bytes).map_err(|_| Base64Error::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_padded_or_not_decode_to_the_same_bytes() {
        // 0xfb 0xff 0xbf uses the two alphabet-specific characters.
        let data = [0xfb, 0xff, 0xbf, 0x3e, 0x3f];
        for text in ["+/+/Pj8=", "+/+/Pj8", "-_-_Pj8=", "-_-_Pj8"] {
            assert_eq!(decode(text).unwrap(), data, "{text}");
        }
    }

    #[test]
    fn empty_is_empty() {
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn strictness() {
        assert_eq!(decode("+/-_"), Err(Base64Error::MixedAlphabets));
        assert_eq!(decode("YQ="), Err(Base64Error::PartialPadding));
        assert_eq!(decode("YQ==="), Err(Base64Error::PartialPadding));
        assert_eq!(decode("YR=="), Err(Base64Error::Invalid), "stray bits in the last character");
        assert_eq!(decode("YQ ="), Err(Base64Error::Invalid));
        assert!(decode("Y Q==").is_err());
        assert_eq!(decode("Y QQ"), Err(Base64Error::Invalid));
        assert_eq!(decode("YQ==\n"), Err(Base64Error::Invalid));
        assert_eq!(decode("Y"), Err(Base64Error::Invalid));
        assert_eq!(decode("YQ==YQ=="), Err(Base64Error::Invalid));
        assert_eq!(decode("YQ").unwrap(), b"a");
        assert_eq!(decode("YQ==").unwrap(), b"a");
    }

    #[test]
    fn round_trip() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(n)).collect();
            assert_eq!(decode(&encode(&data)).unwrap(), data);
            assert_eq!(decode(&encode_url_no_pad(&data)).unwrap(), data);
        }
    }
}
