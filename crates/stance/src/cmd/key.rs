//! `stance key`: generate signing keys and show public keys. Private material is
//! only ever written to the 0600 key file, never printed.

use std::path::{Path, PathBuf};

use stance_attest::{Algorithm, KeyError, PublicKey, SigningKey};

use crate::exit::{CliError, CmdResult, Exit};
use crate::io::Io;

/// Flags of `stance key`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 done, 2 usage error (existing file without --force, key file readable by \
                     others, bad key), 1 runtime error."
)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The `stance key` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Generate a key pair: PREFIX.key (PKCS#8 PEM, mode 0600), PREFIX.pub (PEM) and PREFIX.pub.jwk.
    Generate(GenerateArgs),
    /// Show the public half and key id of a private or public key.
    Show(ShowArgs),
}

/// Output format of `stance key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyFormat {
    /// Lines for people.
    Text,
    /// One JSON object (algorithm, key_id, public_key_pem, jwk, files).
    Json,
    /// The public key PEM only.
    Pem,
    /// The public JWK only.
    Jwk,
}

/// Flags of `stance key generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Signature algorithm.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Ed25519)]
    pub algorithm: AlgorithmArg,
    /// Path prefix of the files to write.
    #[arg(long, value_name = "PREFIX", default_value = "stance")]
    pub out: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
    /// Output format (text, json, pem, jwk).
    #[arg(long, short = 'f', value_enum, default_value_t = KeyFormat::Text)]
    pub format: KeyFormat,
}

/// Flags of `stance key show`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["key", "key_env", "public"])))]
pub struct ShowArgs {
    /// A private key file (must not be readable by group or others).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// An environment variable holding a private key PEM.
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
    /// A public key file (PEM or JWK).
    #[arg(long, value_name = "FILE")]
    pub public: Option<PathBuf>,
    /// Output format (text, json, pem, jwk).
    #[arg(long, short = 'f', value_enum, default_value_t = KeyFormat::Text)]
    pub format: KeyFormat,
}

/// A signature algorithm on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AlgorithmArg {
    /// Ed25519 (default).
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256.
    #[value(name = "ecdsa-p256")]
    EcdsaP256,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(a: AlgorithmArg) -> Algorithm {
        match a {
            AlgorithmArg::Ed25519 => Algorithm::Ed25519,
            AlgorithmArg::EcdsaP256 => Algorithm::EcdsaP256,
        }
    }
}

/// Runs `stance key`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    match args.action {
        Action::Generate(a) => generate(a, io),
        Action::Show(a) => show(a, io),
    }
}

/// Maps a key error to the CLI error with the right exit code and hint.
pub fn key_error(e: KeyError) -> CliError {
    match e {
        // The message already carries the chmod fix.
        KeyError::PermissionsTooOpen { .. } | KeyError::Exists { .. } => CliError::usage(e.to_string()),
        KeyError::Random(_) | KeyError::Encode(_) => CliError::runtime(e.to_string()),
        KeyError::Io { ref source, .. } if source.kind() != std::io::ErrorKind::NotFound => {
            CliError::runtime(e.to_string())
        }
        _ => CliError::usage(e.to_string()),
    }
}

/// Loads the signing key from `--key FILE` or `--key-env VAR` (exactly one).
pub fn load_signing_key(file: Option<&Path>, env: Option<&str>) -> Result<SigningKey, CliError> {
    match (file, env) {
        (Some(path), None) => SigningKey::read_file(path).map_err(key_error),
        (None, Some(var)) => SigningKey::from_env(var).map_err(key_error),
        _ => Err(CliError::usage("give the signing key with --key FILE or --key-env VAR")
            .hint("make one with `stance key generate`; in CI, keep the PEM in a secret variable and pass --key-env")),
    }
}

fn path_with(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

fn generate(args: GenerateArgs, io: &mut Io) -> CmdResult {
    if args.out.as_os_str().is_empty()
        || args.out.as_os_str().to_string_lossy().ends_with('/')
        || args.out.is_dir()
        || args.out.file_name().is_none()
    {
        return Err(CliError::usage(format!(
            "--out {} is a directory; give a file name prefix such as {}/stance",
            args.out.display(),
            args.out.display().to_string().trim_end_matches('/')
        )));
    }
    let key_path = path_with(&args.out, ".key");
    let pub_path = path_with(&args.out, ".pub");
    let jwk_path = path_with(&args.out, ".pub.jwk");
    if !args.force
        && let Some(existing) =
            [&key_path, &pub_path, &jwk_path].into_iter().find(|p| p.symlink_metadata().is_ok())
    {
        return Err(CliError::usage(format!("{}: already exists", existing.display()))
            .hint("choose another --out prefix, or pass --force to replace the key"));
    }
    let key = SigningKey::generate(args.algorithm.into()).map_err(key_error)?;
    key.write_pem_file(&key_path, args.force).map_err(key_error)?;
    let public = key.public_key();
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| CliError::runtime(format!("{}: {e}", path.display())))
    };
    write(&pub_path, public.to_pem())?;
    write(&jwk_path, format!("{:#}\n", public.to_jwk()))?;
    let files = [("private_key", &key_path), ("public_key", &pub_path), ("jwk", &jwk_path)];
    print_public(io, public, args.format, &files)?;
    Ok(Exit::OK)
}

fn show(args: ShowArgs, io: &mut Io) -> CmdResult {
    let public = match (&args.key, &args.key_env, &args.public) {
        (_, _, Some(path)) => PublicKey::read_file(path).map_err(key_error)?,
        (key, env, None) => load_signing_key(key.as_deref(), env.as_deref())?.public_key().clone(),
    };
    print_public(io, &public, args.format, &[])?;
    Ok(Exit::OK)
}

fn print_public(
    io: &Io,
    public: &PublicKey,
    format: KeyFormat,
    files: &[(&str, &PathBuf)],
) -> Result<(), CliError> {
    match format {
        KeyFormat::Pem => io.out(&public.to_pem()),
        KeyFormat::Jwk => io.out(&format!("{:#}\n", public.to_jwk())),
        KeyFormat::Json => {
            let files: serde_json::Map<String, serde_json::Value> =
                files.iter().map(|(k, p)| (k.to_string(), p.display().to_string().into())).collect();
            let v = serde_json::json!({
                "algorithm": public.algorithm().as_str(),
                "key_id": public.key_id(),
                "public_key_pem": public.to_pem(),
                "jwk": public.to_jwk(),
                "files": files,
            });
            io.out(&format!("{v:#}\n"))
        }
        KeyFormat::Text => {
            let mut text = format!("algorithm: {}\nkey id:    {}\n", public.algorithm(), public.key_id());
            for (what, path) in files {
                let what = match *what {
                    "private_key" => "private key (0600, keep secret)",
                    "public_key" => "public key",
                    _ => "public JWK",
                };
                text.push_str(&format!("{what}: {}\n", path.display()));
            }
            text.push_str(&public.to_pem());
            io.out(&text)
        }
    }
}
