//! Signing keys: generation, PKCS#8/SPKI PEM and JWK forms, key ids, and careful loading.
//!
//! Private material never leaves this module in printable form: the PEM text
//! is held in [`Zeroizing`] buffers, errors never quote key files or variables,
//! and the `Debug` form of a [`SigningKey`] shows only its algorithm and key id.

use std::fmt;
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{
    DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _, EncodePublicKey as _,
};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::pkcs8::LineEnding;
use rand_core::{OsRng, RngCore as _};
use sha2::Digest as _;
use zeroize::{Zeroize as _, Zeroizing};

use crate::{b64, hex};

/// Largest key file or variable we read: PEM keys of these algorithms are far smaller.
const MAX_KEY_TEXT: u64 = 64 * 1024;

/// A signature algorithm stance can sign and verify with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Ed25519 (RFC 8032), the default.
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256; stance signs with ASN.1 DER signatures.
    EcdsaP256,
}

impl Algorithm {
    /// Every algorithm, default first.
    pub const ALL: &'static [Algorithm] = &[Algorithm::Ed25519, Algorithm::EcdsaP256];

    /// The name used on the command line and in output: `ed25519` or `ecdsa-p256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::EcdsaP256 => "ecdsa-p256",
        }
    }

    /// The `keytype` of this algorithm in TUF/in-toto/securesystemslib key objects.
    pub fn sslib_keytype(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::EcdsaP256 => "ecdsa",
        }
    }

    /// The `scheme` of this algorithm in TUF/in-toto/securesystemslib key objects.
    pub fn sslib_scheme(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::EcdsaP256 => "ecdsa-sha2-nistp256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s {
            "ed25519" => Ok(Algorithm::Ed25519),
            "ecdsa-p256" | "ecdsa" | "p256" | "ecdsa-sha2-nistp256" => Ok(Algorithm::EcdsaP256),
            other => Err(KeyError::UnknownAlgorithm(other.chars().take(40).collect())),
        }
    }
}

/// What went wrong with a key. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// An algorithm name that is not `ed25519` or `ecdsa-p256`.
    #[error("unknown key algorithm `{0}` (expected ed25519 or ecdsa-p256)")]
    UnknownAlgorithm(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A private key file that group or others may read or write.
    #[error(
        "{}: private key is accessible to group or others (mode {mode:04o}); refusing to use it. Fix: chmod 600 {}",
        path.display(),
        path.display()
    )]
    PermissionsTooOpen {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A public key was given where a private key is needed.
    #[error("{}: a public key; signing needs the private key (the .key file of `stance key generate`)", path.display())]
    NotAPrivateKey {
        /// The file.
        path: PathBuf,
    },
    /// The path is not a regular file.
    #[error("{}: not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file or variable is larger than any key this tool reads.
    #[error("{what}: larger than {MAX_KEY_TEXT} bytes, not a key")]
    TooLarge {
        /// The file or variable named.
        what: String,
    },
    /// Refusing to replace an existing file.
    #[error("{}: already exists (remove it, or pass --force to replace it)", path.display())]
    Exists {
        /// The path.
        path: PathBuf,
    },
    /// The environment variable is not set or empty.
    #[error("environment variable {0} is not set or empty")]
    EnvMissing(String),
    /// The environment variable is not valid UTF-8.
    #[error("environment variable {0} is not valid UTF-8")]
    EnvNotUnicode(String),
    /// The text is not a supported private key (the text is never shown).
    #[error("{0}: not a PKCS#8 (or SEC1) PEM private key for Ed25519 or ECDSA P-256")]
    BadPrivateKey(String),
    /// The text is not a supported public key.
    #[error("{what}: not a public key stance can use ({detail})")]
    BadPublicKey {
        /// Where the key came from.
        what: String,
        /// What is wrong.
        detail: String,
    },
    /// The public key text holds private material.
    #[error("{0}: holds private key material; give the public key instead")]
    PrivateMaterialInPublicKey(String),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// Encoding a key failed (should not happen for keys this module made).
    #[error("could not encode the key: {0}")]
    Encode(String),
}

#[derive(Clone)]
enum PublicInner {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

/// A public key that can verify signatures, with its key id.
#[derive(Clone)]
pub struct PublicKey {
    inner: PublicInner,
    key_id: String,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der() == other.spki_der()
    }
}

impl PublicKey {
    fn new(inner: PublicInner) -> PublicKey {
        let mut key = PublicKey { inner, key_id: String::new() };
        key.key_id = key.compute_key_id();
        key
    }

    /// The algorithm of this key.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            PublicInner::Ed25519(_) => Algorithm::Ed25519,
            PublicInner::P256(_) => Algorithm::EcdsaP256,
        }
    }

    /// The key id: see [`PublicKey::key_id_preimage`] for its derivation.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The bytes whose lowercase hex SHA-256 is the key id.
    ///
    /// They are the canonical JSON of the TUF/in-toto key object, as
    /// securesystemslib computes its default key id, so an unmodified
    /// securesystemslib key made from the same public key has the same id:
    /// `{"keytype":K,"keyval":{"public":P},"scheme":S}` with, for Ed25519,
    /// K=`ed25519`, S=`ed25519`, P=hex of the 32 raw key bytes, and for P-256,
    /// K=`ecdsa`, S=`ecdsa-sha2-nistp256`, P=the SPKI PEM text (64-column lines,
    /// LF line ends, final LF) written with raw newlines as that canonical JSON does.
    pub fn key_id_preimage(&self) -> String {
        let public = match &self.inner {
            PublicInner::Ed25519(k) => hex::encode(k.as_bytes()),
            PublicInner::P256(_) => self.to_pem(),
        };
        let alg = self.algorithm();
        format!(
            "{{\"keytype\":\"{}\",\"keyval\":{{\"public\":\"{}\"}},\"scheme\":\"{}\"}}",
            alg.sslib_keytype(),
            public,
            alg.sslib_scheme()
        )
    }

    fn compute_key_id(&self) -> String {
        hex::encode(&sha2::Sha256::digest(self.key_id_preimage().as_bytes()))
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        let doc = match &self.inner {
            PublicInner::Ed25519(k) => k.to_public_key_der(),
            PublicInner::P256(k) => k.to_public_key_der(),
        };
        // Encoding a valid in-memory key cannot fail; an empty vector would only
        // make comparisons fail closed.
        doc.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// The SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), LF line ends.
    pub fn to_pem(&self) -> String {
        let pem = match &self.inner {
            PublicInner::Ed25519(k) => k.to_public_key_pem(LineEnding::LF),
            PublicInner::P256(k) => k.to_public_key_pem(LineEnding::LF),
        };
        pem.unwrap_or_default()
    }

    /// The public JWK (RFC 7517/7518/8037) with `kid` set to the key id.
    pub fn to_jwk(&self) -> serde_json::Value {
        match &self.inner {
            PublicInner::Ed25519(k) => serde_json::json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": b64::encode_url_no_pad(k.as_bytes()),
                "alg": "EdDSA",
                "use": "sig",
                "kid": self.key_id,
            }),
            PublicInner::P256(k) => {
                let point = k.to_encoded_point(false);
                let coord =
                    |c: Option<&p256::FieldBytes>| c.map(|b| b64::encode_url_no_pad(b)).unwrap_or_default();
                serde_json::json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": coord(point.x()),
                    "y": coord(point.y()),
                    "alg": "ES256",
                    "use": "sig",
                    "kid": self.key_id,
                })
            }
        }
    }

    /// Reads a public key from SPKI PEM or a JWK; `what` names the source in errors.
    pub fn parse(text: &str, what: &str) -> Result<PublicKey, KeyError> {
        let t = text.trim_start();
        if t.starts_with('{') { Self::from_jwk(t, what) } else { Self::from_pem(t, what) }
    }

    /// Reads a SubjectPublicKeyInfo PEM (`PUBLIC KEY`) of either algorithm.
    pub fn from_pem(text: &str, what: &str) -> Result<PublicKey, KeyError> {
        if text.contains("PRIVATE KEY-----") {
            return Err(KeyError::PrivateMaterialInPublicKey(what.to_string()));
        }
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(text.trim()) {
            return Ok(PublicKey::new(PublicInner::Ed25519(k)));
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(text.trim()) {
            return Ok(PublicKey::new(PublicInner::P256(k)));
        }
        Err(KeyError::BadPublicKey {
            what: what.to_string(),
            detail: "expected a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) for Ed25519 or P-256, or a JWK"
                .into(),
        })
    }

    /// Reads a public JWK: `OKP`/`Ed25519` or `EC`/`P-256`.
    pub fn from_jwk(text: &str, what: &str) -> Result<PublicKey, KeyError> {
        let bad =
            |detail: &str| KeyError::BadPublicKey { what: what.to_string(), detail: detail.to_string() };
        let v: serde_json::Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
        let obj = v.as_object().ok_or_else(|| bad("a JWK is a JSON object"))?;
        if obj.contains_key("d") {
            return Err(KeyError::PrivateMaterialInPublicKey(what.to_string()));
        }
        let member = |name: &str| obj.get(name).and_then(|m| m.as_str());
        let coord = |name: &str, len: usize| -> Result<Vec<u8>, KeyError> {
            let text = member(name).ok_or_else(|| bad(&format!("JWK member `{name}` missing")))?;
            let bytes =
                b64::decode(text).map_err(|_| bad(&format!("JWK member `{name}` is not base64url")))?;
            if bytes.len() != len {
                return Err(bad(&format!("JWK member `{name}` must be {len} bytes")));
            }
            Ok(bytes)
        };
        match (member("kty"), member("crv")) {
            (Some("OKP"), Some("Ed25519")) => {
                let x = coord("x", 32)?;
                let mut raw = [0u8; 32];
                raw.copy_from_slice(&x);
                let k = ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map_err(|_| bad("not a valid Ed25519 point"))?;
                Ok(PublicKey::new(PublicInner::Ed25519(k)))
            }
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (coord("x", 32)?, coord("y", 32)?);
                // SEC1 uncompressed point: 0x04 || x || y.
                let mut sec1 = Vec::with_capacity(65);
                sec1.push(0x04);
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map_err(|_| bad("not a point on P-256"))?;
                Ok(PublicKey::new(PublicInner::P256(k)))
            }
            _ => Err(bad("JWK must be kty OKP with crv Ed25519, or kty EC with crv P-256")),
        }
    }

    /// Reads a public key file (PEM or JWK).
    pub fn read_file(path: &Path) -> Result<PublicKey, KeyError> {
        let text = read_limited(path)?;
        PublicKey::parse(&text, &path.display().to_string())
    }

    /// Whether `signature` is a valid signature of `message` by this key.
    ///
    /// Ed25519 signatures must be 64 bytes and pass the strict check (canonical
    /// `S`, no small-order components). ECDSA signatures may be ASN.1 DER (what
    /// stance and securesystemslib write) or fixed 64-byte `r||s` (what some
    /// other DSSE implementations write); at most two verifications run.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.inner {
            PublicInner::Ed25519(k) => {
                let Ok(bytes) = <[u8; 64]>::try_from(signature) else { return false };
                let sig = ed25519_dalek::Signature::from_bytes(&bytes);
                k.verify_strict(message, &sig).is_ok()
            }
            PublicInner::P256(k) => {
                if signature.first() == Some(&0x30)
                    && let Ok(sig) = p256::ecdsa::Signature::from_der(signature)
                    && k.verify(message, &sig).is_ok()
                {
                    return true;
                }
                signature.len() == 64
                    && p256::ecdsa::Signature::from_slice(signature)
                        .is_ok_and(|sig| k.verify(message, &sig).is_ok())
            }
        }
    }
}

enum SecretInner {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// A private signing key. Its `Debug` form never shows private material.
pub struct SigningKey {
    inner: SecretInner,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.public.key_id)
            .field("private", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    fn from_inner(inner: SecretInner) -> SigningKey {
        let public = match &inner {
            SecretInner::Ed25519(k) => PublicKey::new(PublicInner::Ed25519(k.verifying_key())),
            SecretInner::P256(k) => PublicKey::new(PublicInner::P256(*k.verifying_key())),
        };
        SigningKey { inner, public }
    }

    /// A new random key from the operating system's generator.
    pub fn generate(algorithm: Algorithm) -> Result<SigningKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        match algorithm {
            Algorithm::Ed25519 => {
                OsRng.try_fill_bytes(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
                Ok(Self::from_inner(SecretInner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))))
            }
            Algorithm::EcdsaP256 => {
                // A scalar of zero or ≥ n is refused; the odds are ~2^-32 per try.
                for _ in 0..16 {
                    OsRng.try_fill_bytes(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
                    if let Ok(k) = p256::ecdsa::SigningKey::from_slice(seed.as_ref()) {
                        return Ok(Self::from_inner(SecretInner::P256(k)));
                    }
                }
                Err(KeyError::Random("no valid P-256 scalar in 16 draws".into()))
            }
        }
    }

    /// An Ed25519 key from its 32-byte seed (RFC 8032 test keys, deterministic tests).
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> SigningKey {
        Self::from_inner(SecretInner::Ed25519(ed25519_dalek::SigningKey::from_bytes(seed)))
    }

    /// A P-256 key from its 32-byte big-endian scalar (deterministic tests).
    pub fn p256_from_scalar(scalar: &[u8; 32]) -> Result<SigningKey, KeyError> {
        p256::ecdsa::SigningKey::from_slice(scalar)
            .map(|k| Self::from_inner(SecretInner::P256(k)))
            .map_err(|_| KeyError::BadPrivateKey("scalar".into()))
    }

    /// Reads a PKCS#8 PEM private key (`PRIVATE KEY`), or a SEC1 `EC PRIVATE KEY`.
    /// `what` names the source in errors; the text itself is never shown.
    pub fn from_pem(text: &str, what: &str) -> Result<SigningKey, KeyError> {
        let t = text.trim();
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(t) {
            return Ok(Self::from_inner(SecretInner::Ed25519(k)));
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(t) {
            return Ok(Self::from_inner(SecretInner::P256(k)));
        }
        if let Ok(k) = p256::SecretKey::from_sec1_pem(t) {
            return Ok(Self::from_inner(SecretInner::P256(k.into())));
        }
        Err(KeyError::BadPrivateKey(what.to_string()))
    }

    /// The PKCS#8 v1 PEM (`-----BEGIN PRIVATE KEY-----`), in a buffer wiped on drop.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let pem = match &self.inner {
            SecretInner::Ed25519(k) => {
                // PKCS#8 v1 (no embedded public key) is what OpenSSL writes and every
                // consumer reads; v2 is refused by some older ones.
                let bytes = ed25519_dalek::pkcs8::KeypairBytes { secret_key: k.to_bytes(), public_key: None };
                let pem = bytes.to_pkcs8_pem(LineEnding::LF);
                let mut secret = bytes.secret_key;
                secret.zeroize();
                pem
            }
            SecretInner::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
        };
        pem.map_err(|e| KeyError::Encode(e.to_string()))
    }

    /// The algorithm of this key.
    pub fn algorithm(&self) -> Algorithm {
        self.public.algorithm()
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key id of the public half.
    pub fn key_id(&self) -> &str {
        &self.public.key_id
    }

    /// Signs `message`: 64-byte Ed25519, or ASN.1 DER ECDSA P-256/SHA-256 (RFC 6979 nonces).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            SecretInner::Ed25519(k) => {
                use ed25519_dalek::Signer as _;
                k.sign(message).to_bytes().to_vec()
            }
            SecretInner::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }

    /// Reads a private key file, refusing one that group or others can access.
    pub fn read_file(path: &Path) -> Result<SigningKey, KeyError> {
        let io = |source| KeyError::Io { path: path.to_path_buf(), source };
        // Check the type before opening so a FIFO or device is never opened.
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(KeyError::NotAFile { path: path.to_path_buf() });
        }
        let file = std::fs::File::open(path).map_err(io)?;
        // Check the opened file itself, so a swap after the first check is caught.
        let meta = file.metadata().map_err(io)?;
        let mode = meta.permissions().mode() & 0o7777;
        if !meta.is_file() {
            return Err(KeyError::NotAFile { path: path.to_path_buf() });
        }
        if mode & 0o077 != 0 {
            // Readable by others anyway: look whether it is a public key given by mistake,
            // which deserves that answer rather than a chmod hint.
            if let Ok(text) = read_text_limited(file, &path.display().to_string(), path)
                && text.contains("PUBLIC KEY-----")
                && !text.contains("PRIVATE KEY-----")
            {
                return Err(KeyError::NotAPrivateKey { path: path.to_path_buf() });
            }
            return Err(KeyError::PermissionsTooOpen { path: path.to_path_buf(), mode });
        }
        let text = read_text_limited(file, &path.display().to_string(), path)?;
        SigningKey::from_pem(&text, &path.display().to_string())
    }

    /// Reads a PEM private key from environment variable `name` (for CI secrets).
    pub fn from_env(name: &str) -> Result<SigningKey, KeyError> {
        Self::from_env_value(name, std::env::var(name))
    }

    /// [`SigningKey::from_env`] on an already read variable (testable without
    /// changing the process environment).
    pub fn from_env_value(
        name: &str,
        value: Result<String, std::env::VarError>,
    ) -> Result<SigningKey, KeyError> {
        let value = match value {
            Ok(v) => Zeroizing::new(v),
            Err(std::env::VarError::NotPresent) => return Err(KeyError::EnvMissing(name.to_string())),
            Err(std::env::VarError::NotUnicode(_)) => return Err(KeyError::EnvNotUnicode(name.to_string())),
        };
        if value.trim().is_empty() {
            return Err(KeyError::EnvMissing(name.to_string()));
        }
        if value.len() as u64 > MAX_KEY_TEXT {
            return Err(KeyError::TooLarge { what: format!("environment variable {name}") });
        }
        SigningKey::from_pem(&value, &format!("environment variable {name}"))
    }

    /// Writes the PKCS#8 PEM to a new file with mode 0600; replaces an existing
    /// file only when `overwrite` is set.
    pub fn write_pem_file(&self, path: &Path, overwrite: bool) -> Result<(), KeyError> {
        let io = |source| KeyError::Io { path: path.to_path_buf(), source };
        let pem = self.to_pkcs8_pem()?;
        match std::fs::symlink_metadata(path) {
            Ok(_) if !overwrite => return Err(KeyError::Exists { path: path.to_path_buf() }),
            Ok(_) => std::fs::remove_file(path).map_err(io)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        // create_new: never follow a symlink planted at the path, never reuse a file
        // whose mode someone else chose.
        let mut file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        file.write_all(pem.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)
    }
}

/// Reads a small text file after checking that it is a regular file.
fn read_limited(path: &Path) -> Result<String, KeyError> {
    let file = match stance_core::fsread::open_regular(path, true) {
        Ok((file, _)) => file,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            return Err(KeyError::NotAFile { path: path.to_path_buf() });
        }
        Err(source) => return Err(KeyError::Io { path: path.to_path_buf(), source }),
    };
    let text = read_text_limited(file, &path.display().to_string(), path)?;
    Ok(text.to_string())
}

fn read_text_limited(file: std::fs::File, what: &str, path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let mut buf = Zeroizing::new(Vec::new());
    file.take(MAX_KEY_TEXT + 1)
        .read_to_end(&mut buf)
        .map_err(|source| KeyError::Io { path: path.to_path_buf(), source })?;
    if buf.len() as u64 > MAX_KEY_TEXT {
        return Err(KeyError::TooLarge { what: what.to_string() });
    }
    match std::str::from_utf8(&buf) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(KeyError::BadPrivateKey(what.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 section 7.1, TEST 1.
    const RFC8032_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC8032_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn seed() -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&RFC8032_SEED[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn rfc8032_key_derives_its_public_key() {
        let k = SigningKey::ed25519_from_seed(&seed());
        let jwk = k.public_key().to_jwk();
        let x = b64::decode(jwk["x"].as_str().unwrap()).unwrap();
        assert_eq!(hex::encode(&x), RFC8032_PUBLIC);
    }

    #[test]
    fn key_id_is_stable() {
        // Pinned so an accidental change of the derivation fails here; the
        // Python interop test checks the same value against securesystemslib.
        let k = SigningKey::ed25519_from_seed(&seed());
        assert_eq!(
            k.public_key().key_id_preimage(),
            format!(
                "{{\"keytype\":\"ed25519\",\"keyval\":{{\"public\":\"{RFC8032_PUBLIC}\"}},\"scheme\":\"ed25519\"}}"
            )
        );
        let id = k.key_id().to_string();
        assert_eq!(id.len(), 64);
        assert!(hex::is_lower_hex(&id));
        let again = SigningKey::from_pem(&k.to_pkcs8_pem().unwrap(), "t").unwrap();
        assert_eq!(again.key_id(), id);
        let via_pem = PublicKey::from_pem(&k.public_key().to_pem(), "t").unwrap();
        assert_eq!(via_pem.key_id(), id);
        let via_jwk = PublicKey::from_jwk(&k.public_key().to_jwk().to_string(), "t").unwrap();
        assert_eq!(via_jwk.key_id(), id);
    }

    #[test]
    fn p256_key_id_uses_the_pem_text() {
        let k = SigningKey::p256_from_scalar(&[7u8; 32]).unwrap();
        let pre = k.public_key().key_id_preimage();
        assert!(
            pre.starts_with("{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"-----BEGIN PUBLIC KEY-----\n")
        );
        assert!(pre.ends_with("\n-----END PUBLIC KEY-----\n\"},\"scheme\":\"ecdsa-sha2-nistp256\"}"));
    }

    #[test]
    fn round_trips_for_both_algorithms() {
        for &alg in Algorithm::ALL {
            let k = SigningKey::generate(alg).unwrap();
            let pem = k.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
            let back = SigningKey::from_pem(&pem, "t").unwrap();
            assert_eq!(back.algorithm(), alg);
            assert_eq!(back.public_key(), k.public_key());
            let msg = b"DSSEv1 4 test 2 hi";
            let sig = back.sign(msg);
            assert!(k.public_key().verify(msg, &sig));
            assert!(!k.public_key().verify(b"other", &sig));
            let pub_pem = k.public_key().to_pem();
            assert!(pub_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            assert_eq!(PublicKey::parse(&pub_pem, "t").unwrap(), *k.public_key());
            assert_eq!(PublicKey::parse(&k.public_key().to_jwk().to_string(), "t").unwrap(), *k.public_key());
        }
    }

    #[test]
    fn ecdsa_accepts_der_and_fixed_signatures() {
        let k = SigningKey::p256_from_scalar(&[9u8; 32]).unwrap();
        let msg = b"message";
        let der = k.sign(msg);
        assert_eq!(der[0], 0x30);
        let fixed = p256::ecdsa::Signature::from_der(&der).unwrap().to_bytes().to_vec();
        assert_eq!(fixed.len(), 64);
        assert!(k.public_key().verify(msg, &der));
        assert!(k.public_key().verify(msg, &fixed));
        let mut bad = fixed.clone();
        bad[10] ^= 1;
        assert!(!k.public_key().verify(msg, &bad));
        assert!(!k.public_key().verify(msg, &[]));
        assert!(!k.public_key().verify(msg, &der[..der.len() - 1]));
    }

    #[test]
    fn debug_never_shows_private_material() {
        for &alg in Algorithm::ALL {
            let k = SigningKey::generate(alg).unwrap();
            let pem = k.to_pkcs8_pem().unwrap();
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let dbg = format!("{k:?}");
            assert!(dbg.contains("<redacted>"));
            assert!(!dbg.contains(&body[..16]));
        }
    }

    #[test]
    fn refuses_private_material_as_public_key() {
        let k = SigningKey::generate(Algorithm::Ed25519).unwrap();
        let pem = k.to_pkcs8_pem().unwrap();
        let err = PublicKey::parse(&pem, "key.pem").unwrap_err();
        assert!(matches!(err, KeyError::PrivateMaterialInPublicKey(_)));
        assert!(!err.to_string().contains("MC4C"));
        let jwk = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}"#;
        assert!(matches!(PublicKey::parse(jwk, "k.jwk"), Err(KeyError::PrivateMaterialInPublicKey(_))));
    }

    #[test]
    fn bad_private_key_error_does_not_echo_input() {
        let text = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IHN0dWZm\n-----END PRIVATE KEY-----\n";
        let err = SigningKey::from_pem(text, "STANCE_SIGNING_KEY").unwrap_err().to_string();
        assert!(err.contains("STANCE_SIGNING_KEY"));
        assert!(!err.contains("c2VjcmV0"));
    }

    #[test]
    fn key_from_environment_value() {
        use std::env::VarError;
        let k = SigningKey::generate(Algorithm::EcdsaP256).unwrap();
        let pem = k.to_pkcs8_pem().unwrap().to_string();
        let got = SigningKey::from_env_value("STANCE_SIGNING_KEY", Ok(pem)).unwrap();
        assert_eq!(got.key_id(), k.key_id());
        assert!(matches!(
            SigningKey::from_env_value("V", Err(VarError::NotPresent)),
            Err(KeyError::EnvMissing(_))
        ));
        assert!(matches!(SigningKey::from_env_value("V", Ok("  \n".into())), Err(KeyError::EnvMissing(_))));
        let bad = SigningKey::from_env_value("V", Ok("hunter2-not-a-key".into())).unwrap_err().to_string();
        assert!(bad.contains("environment variable V") && !bad.contains("hunter2"), "{bad}");
    }

    #[test]
    fn file_permissions_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        let k = SigningKey::generate(Algorithm::EcdsaP256).unwrap();
        k.write_pem_file(&path, false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(SigningKey::read_file(&path).unwrap().key_id(), k.key_id());
        assert!(matches!(k.write_pem_file(&path, false), Err(KeyError::Exists { .. })));
        for bad in [0o640, 0o604, 0o660, 0o644, 0o610] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bad)).unwrap();
            let err = SigningKey::read_file(&path).unwrap_err();
            assert!(matches!(err, KeyError::PermissionsTooOpen { .. }), "{bad:o}");
            assert!(err.to_string().contains("chmod 600"));
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(SigningKey::read_file(&path).is_ok());
        k.write_pem_file(&path, true).unwrap();
        assert!(matches!(SigningKey::read_file(dir.path()), Err(KeyError::NotAFile { .. })));
    }
}
