//! The curated pattern table.
//!
//! Each row is one kind of credential with a stable kebab-case id. Conventions
//! every row follows (the engine relies on them and tests check them):
//!
//! - Every match contains one of the row's `anchors`, and starts at most
//!   `back` bytes before it (0 for nearly all rows: the match starts at the
//!   anchor). Anchors are case-sensitive; a case-insensitive label lists the
//!   spellings that occur in practice.
//! - Regexes are compiled for bytes with Unicode off: `\s`, `\d`, `\w` and `\b`
//!   are ASCII. They never need more than `max_len` bytes after the anchor.
//! - An optional group named `secret` marks the secret itself (the part that is
//!   fingerprinted, reported and redacted); without it the whole match is the
//!   secret. Labels such as `Authorization: Basic ` stay readable after redaction.
//! - Token regexes end with a boundary (`\b` or an explicit "next byte is not in
//!   the token alphabet") so a longer random string never yields a match cut
//!   out of its middle.
//!
//! Formats are public facts (vendor docs and announcements); the regexes are
//! written for this crate.

use serde::Serialize;

/// How likely a match is to be a real, usable credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// A generic shape (for example a JWT) that is often, not always, a credential.
    Low,
    /// A specific shape that is sometimes a public identifier, test value or short-lived token.
    Medium,
    /// A vendor-specific, prefixed or labelled secret format.
    High,
}

impl Confidence {
    /// The stable text form (`low`, `medium`, `high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Validation that runs on a regex match before it is reported.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Check {
    /// The secret has at least this much Shannon entropy (bits per byte).
    Entropy(f32),
    /// The secret is base64 of printable `user:password` text.
    BasicCredentials,
    /// A JWT whose header decodes to a JSON object naming an `alg`.
    Jwt,
    /// A JWT (as above) issued by Kubernetes for a service account.
    KubernetesJwt,
    /// A password (URL or .netrc): not a placeholder, not the user name, not
    /// for an example host.
    Password,
    /// Nothing beyond the regex (formats whose regex is already strict).
    None,
}

/// How a match is stretched after the regex matched a bounded prefix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Extend {
    /// Keep the regex span.
    None,
    /// Find `marker` within `limit` bytes after the span, then extend through
    /// the next `terminator` (within 256 bytes of the marker).
    Until { marker: &'static str, terminator: &'static str, limit: usize },
}

/// One kind of secret the scanner recognises.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Stable kebab-case id, used in matches, redaction markers and docs.
    pub id: &'static str,
    /// What the secret is, in a few words.
    pub description: &'static str,
    /// How likely a match is to be a real credential.
    pub confidence: Confidence,
    /// Literal strings, one of which occurs in every match (the prefilter).
    pub anchors: &'static [&'static str],
    /// The regex (bytes, Unicode off) that confirms a candidate.
    pub regex: &'static str,
    /// How many bytes before the anchor a match may start.
    pub(crate) back: usize,
    /// How many bytes after the anchor the regex may need.
    pub(crate) max_len: usize,
    pub(crate) check: Check,
    pub(crate) extend: Extend,
}

/// The default validation: rejects `ghp_AAAA…`-style fillers and placeholders.
const DEFAULT_ENTROPY: f32 = 3.0;

const fn p(
    id: &'static str,
    confidence: Confidence,
    anchors: &'static [&'static str],
    regex: &'static str,
    description: &'static str,
) -> Pattern {
    Pattern {
        id,
        description,
        confidence,
        anchors,
        regex,
        back: 0,
        max_len: 512,
        check: Check::Entropy(DEFAULT_ENTROPY),
        extend: Extend::None,
    }
}

impl Pattern {
    const fn back(mut self, n: usize) -> Self {
        self.back = n;
        self
    }
    const fn max_len(mut self, n: usize) -> Self {
        self.max_len = n;
        self
    }
    const fn check(mut self, c: Check) -> Self {
        self.check = c;
        self
    }
    const fn extend(mut self, e: Extend) -> Self {
        self.extend = e;
        self
    }
}

use Confidence::{High, Low, Medium};

/// PEM blocks: the regex confirms the header and the start of the body; the
/// match then runs through the `-----END …-----` line.
const PEM_END: Extend = Extend::Until { marker: "-----END ", terminator: "-----", limit: 64 * 1024 };

/// The header name as it is written in practice (HTTP/1 title case, HTTP/2
/// and curl's lower case, git's `http.extraheader` upper case).
const AUTHORIZATION: &[&str] = &["Authorization", "authorization", "AUTHORIZATION"];

/// JWTs start with a base64url JSON header; these are `{"alg"`, `{"typ"` and
/// `{"kid"`, which begin virtually every JWT header (four-byte or longer
/// anchors keep the prefilter selective, so no anchor is shorter).
const JWT_ANCHORS: &[&str] = &["eyJhbGci", "eyJ0eXAi", "eyJraWQi"];

/// The last letter of common URL schemes plus `://` (http, ftp, amqp, smtp;
/// https, postgres, redis, wss; git; mysql, postgresql; mongodb; mongodb+srv;
/// ssh): `://` alone would be a three-byte anchor.
const URL_ANCHORS: &[&str] = &["p://", "s://", "t://", "l://", "b://", "v://", "h://"];

/// The built-in patterns, most specific first (ties between overlapping
/// matches of equal confidence and length go to the earlier row).
pub(crate) static PATTERNS: &[Pattern] = &[
    // --- Cloud providers -------------------------------------------------
    p("aws-access-key-id", High, &["AKIA", "ASIA"],
        r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b",
        "AWS access key id (long-term AKIA or temporary ASIA)"),
    p("aws-secret-access-key", High, &["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey", "secretAccessKey"],
        r#"(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY|[Ss]ecretAccessKey)["']?\s*(?:=>|=|:)\s*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        "AWS secret access key next to its usual label (credentials file, env, STS JSON)"),
    p("gcp-service-account-key", High, &["\"private_key\""],
        r#""private_key"\s*:\s*"(?P<secret>-----BEGIN (?:RSA )?PRIVATE KEY-----\\n[A-Za-z0-9+/]{40})"#,
        "Google Cloud service-account key file (JSON with an embedded private key)")
        .check(Check::None).extend(PEM_END),
    p("gcp-api-key", Medium, &["AIza"],
        r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        "Google API key (often meant to be public in web apps, still a credential)"),
    p("google-oauth-client-secret", High, &["GOCSPX-"],
        r"\b(?P<secret>GOCSPX-[0-9A-Za-z_-]{28})(?:[^0-9A-Za-z_-]|$)",
        "Google OAuth client secret"),
    p("google-oauth-refresh-token", Medium, &["1//0"],
        r"\b(?P<secret>1//0[0-9A-Za-z_-]{40,300})(?:[^0-9A-Za-z_-]|$)",
        "Google OAuth refresh token (gcloud application-default credentials)"),
    p("azure-storage-account-key", High, &["AccountKey="],
        r"AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)",
        "Azure storage account key (connection string AccountKey=)"),
    p("azure-shared-access-key", High, &["SharedAccessKey="],
        r"SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{43}=)",
        "Azure Service Bus, Event Hubs or IoT Hub shared access key (connection string)"),
    p("azure-sas-token", High, &["sv=20"],
        r#"\bsv=20\d\d-\d\d-\d\d[^\s"'<>]{0,512}?&sig=(?P<secret>[A-Za-z0-9%+/=]{40,150})(?:[^A-Za-z0-9%+/=]|$)"#,
        "Azure shared access signature (SAS) with its sig= signature")
        .max_len(1024),
    p("digitalocean-token", High, &["dop_v1_", "doo_v1_", "dor_v1_"],
        r"\bdo[opr]_v1_[0-9a-f]{64}\b",
        "DigitalOcean personal access, OAuth or refresh token"),
    // --- Source forges and CI --------------------------------------------
    p("github-classic-pat", High, &["ghp_"],
        r"\bghp_[0-9A-Za-z]{36,251}\b",
        "GitHub personal access token (classic)"),
    p("github-oauth-token", High, &["gho_"],
        r"\bgho_[0-9A-Za-z]{36,251}\b",
        "GitHub OAuth access token"),
    p("github-user-token", High, &["ghu_"],
        r"\bghu_[0-9A-Za-z]{36,251}\b",
        "GitHub App user-to-server token"),
    p("github-installation-token", High, &["ghs_"],
        r"\bghs_[0-9A-Za-z]{36,251}\b",
        "GitHub App installation token (also the form of Actions' GITHUB_TOKEN)"),
    p("github-refresh-token", High, &["ghr_"],
        r"\bghr_[0-9A-Za-z]{36,251}\b",
        "GitHub App refresh token"),
    p("github-fine-grained-pat", High, &["github_pat_"],
        r"\bgithub_pat_[0-9A-Za-z]{22,64}_[0-9A-Za-z]{59,200}\b",
        "GitHub fine-grained personal access token"),
    p("gitlab-pat", High, &["glpat-"],
        r"\b(?P<secret>glpat-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?)(?:[^0-9A-Za-z_-]|$)",
        "GitLab personal, project or group access token"),
    p("gitlab-deploy-token", High, &["gldt-"],
        r"\b(?P<secret>gldt-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?)(?:[^0-9A-Za-z_-]|$)",
        "GitLab deploy token"),
    p("gitlab-runner-token", High, &["glrt-"],
        r"\b(?P<secret>glrt-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?)(?:[^0-9A-Za-z_-]|$)",
        "GitLab runner authentication token (runner config.toml)"),
    p("gitlab-runner-registration-token", High, &["GR1348941"],
        r"\b(?P<secret>GR1348941[0-9A-Za-z_-]{20,64})(?:[^0-9A-Za-z_-]|$)",
        "GitLab legacy runner registration token"),
    p("gitlab-pipeline-trigger-token", High, &["glptt-"],
        r"\b(?P<secret>glptt-[0-9A-Za-z_-]{20,300})(?:[^0-9A-Za-z_-]|$)",
        "GitLab pipeline trigger token"),
    p("gitlab-ci-job-token", High, &["glcbt-"],
        r"\b(?P<secret>glcbt-[0-9A-Za-z_-]{20,300})(?:[^0-9A-Za-z_-]|$)",
        "GitLab CI/CD job token (CI_JOB_TOKEN)"),
    p("gitlab-oauth-app-secret", High, &["gloas-"],
        r"\b(?P<secret>gloas-[0-9A-Za-z_-]{20,300})(?:[^0-9A-Za-z_-]|$)",
        "GitLab OAuth application secret"),
    p("buildkite-api-token", High, &["bkua_"],
        r"\bbkua_[0-9a-f]{40}\b",
        "Buildkite user API access token"),
    p("circleci-token", High, &["CCIP"],
        r"\bCCIP(?:AT|RJ)_[0-9A-Za-z_]{40,100}\b",
        "CircleCI personal or project API token"),
    p("terraform-cloud-token", High, &[".atlasv1."],
        r"\b(?P<secret>[0-9A-Za-z]{14}\.atlasv1\.[0-9A-Za-z_-]{60,70})(?:[^0-9A-Za-z_-]|$)",
        "Terraform Cloud / HCP Terraform API token").back(14),
    p("pulumi-access-token", High, &["pul-"],
        r"\bpul-[0-9a-f]{40}\b",
        "Pulumi access token"),
    p("vault-token", High, &["hvs.", "hvb."],
        r"\b(?P<secret>hv[sb]\.[0-9A-Za-z_-]{24,512})(?:[^0-9A-Za-z_-]|$)",
        "HashiCorp Vault service or batch token"),
    // --- Package registries ----------------------------------------------
    p("npm-access-token", High, &["npm_"],
        r"\bnpm_[0-9A-Za-z]{36}\b",
        "npm access token"),
    p("npmrc-auth", High, &[":_auth", ":_password"],
        r#":_(?:authToken|auth|password)\s*=\s*["']?(?P<secret>[^\s"'$%{<][^\s"']{7,1024})"#,
        "Registry credential in an .npmrc file (_authToken, _auth or _password)")
        .max_len(1100),
    p("pypi-token", High, &["pypi-AgE"],
        r"\b(?P<secret>pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[0-9A-Za-z_-]{50,1024})(?:[^0-9A-Za-z_-]|$)",
        "PyPI or TestPyPI API token")
        .max_len(1100),
    p("dockerhub-token", High, &["dckr_"],
        r"\b(?P<secret>dckr_(?:pat|oat)_[0-9A-Za-z_-]{27,64})(?:[^0-9A-Za-z_-]|$)",
        "Docker Hub personal or organization access token"),
    p("docker-config-auth", High, &["\"auth\""],
        r#""auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{8,2048}={0,2})""#,
        "Registry login saved in a Docker config.json (\"auth\": base64 user:password)")
        .max_len(2100).check(Check::BasicCredentials),
    p("rubygems-api-key", High, &["rubygems_"],
        r"\brubygems_[0-9a-f]{48}\b",
        "RubyGems API key"),
    p("jfrog-token", Medium, &["AKCp", "cmVmdGtu"],
        r"\b(?:AKCp[0-9A-Za-z]{69}|cmVmdGtu[0-9A-Za-z]{56})\b",
        "JFrog Artifactory API key or reference token"),
    // --- SaaS APIs -------------------------------------------------------
    p("slack-token", High, &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"],
        r"\b(?P<secret>xox(?:[abposr]|e(?:\.xox[bp])?)-[0-9]{1,20}-[0-9A-Za-z-]{15,250})(?:[^0-9A-Za-z-]|$)",
        "Slack bot, user, app, config or refresh token"),
    p("slack-webhook-url", High, &["hooks.slack.com/"],
        r"hooks\.slack\.com/(?P<secret>(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{30,200})",
        "Slack incoming-webhook or workflow URL (the URL is the credential)"),
    p("stripe-secret-key", High, &["sk_live_", "rk_live_"],
        r"\b[sr]k_live_[0-9A-Za-z]{24,247}\b",
        "Stripe live secret or restricted key"),
    p("stripe-webhook-secret", Medium, &["whsec_"],
        r"\b(?P<secret>whsec_[0-9A-Za-z+/=]{32,128})(?:[^0-9A-Za-z+/=]|$)",
        "Stripe (or Svix) webhook signing secret"),
    p("twilio-auth-token", High, &["TWILIO_AUTH_TOKEN", "twilio_auth_token"],
        r#"(?i:twilio_auth_token)["']?\s*[:=]\s*["']?(?P<secret>[0-9a-f]{32})\b"#,
        "Twilio auth token next to its usual label"),
    p("sendgrid-api-key", High, &["SG."],
        r"\b(?P<secret>SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)",
        "SendGrid API key"),
    p("datadog-api-key", Medium, &["DD_API_KEY", "DD_APP", "DATADOG_"],
        r#"\b(?:DD|DATADOG)_(?:API|APP|APPLICATION)_KEY["']?\s*[:=]\s*["']?(?P<secret>[0-9a-f]{40}|[0-9a-f]{32})\b"#,
        "Datadog API or application key next to its usual label"),
    p("openai-api-key", High, &["sk-proj-", "sk-svcacct-", "sk-admin-", "T3BlbkFJ"],
        r"\b(?P<secret>sk-(?:(?:proj|svcacct|admin)-[0-9A-Za-z_-]{40,300}|[0-9A-Za-z]{20}T3BlbkFJ[0-9A-Za-z]{20}))(?:[^0-9A-Za-z_-]|$)",
        "OpenAI API key (project, service-account, admin or legacy)")
        // Legacy keys are anchored on their fixed middle (`sk-` + 20 before it).
        .back(23),
    p("anthropic-api-key", High, &["sk-ant-"],
        r"\b(?P<secret>sk-ant-(?:api|admin|oat|ort)[0-9]{2}-[0-9A-Za-z_-]{80,200})(?:[^0-9A-Za-z_-]|$)",
        "Anthropic API or admin key"),
    p("huggingface-token", High, &["hf_"],
        r"\bhf_[0-9A-Za-z]{34}\b",
        "Hugging Face access token"),
    p("sentry-token", High, &["sntry"],
        r"\b(?P<secret>sntry(?:u_[0-9a-f]{64}|s_eyJ[0-9A-Za-z_+/=-]{60,600}))(?:[^0-9A-Za-z_+/=-]|$)",
        "Sentry user or organization auth token")
        .max_len(700),
    p("grafana-token", High, &["glsa_", "glc_"],
        r"\b(?P<secret>glsa_[0-9A-Za-z]{32}_[0-9a-fA-F]{8}|glc_[0-9A-Za-z+/]{32,400}={0,2})(?:[^0-9A-Za-z+/=_]|$)",
        "Grafana service-account or Grafana Cloud token"),
    p("new-relic-key", High, &["NRAK-"],
        r"\bNRAK-[0-9A-Z]{27}\b",
        "New Relic user API key"),
    p("postman-api-key", High, &["PMAK-"],
        r"\bPMAK-[0-9a-f]{24}-[0-9a-f]{34}\b",
        "Postman API key"),
    p("linear-api-key", High, &["lin_api_"],
        r"\blin_api_[0-9A-Za-z]{40}\b",
        "Linear API key"),
    p("atlassian-api-token", Medium, &["ATATT3"],
        r"\b(?P<secret>ATATT3[0-9A-Za-z_=-]{150,300})(?:[^0-9A-Za-z_=-]|$)",
        "Atlassian (Jira, Confluence) API token"),
    // --- Keys ------------------------------------------------------------
    p("private-key", High, &["-----BEGIN "],
        r"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[rn])+(?:[A-Za-z-]+:[^\r\n\\]{0,200}(?:\r?\n|\\r?\\n))*(?:\s|\\[rn])*[A-Za-z0-9+/=]{40}",
        "Private key in PEM or OpenSSH/PGP armour (RSA, EC, DSA, OpenSSH, PKCS#8, PGP)")
        .max_len(2048).check(Check::None).extend(PEM_END),
    p("putty-private-key", High, &["PuTTY-User-Key-File-"],
        r"PuTTY-User-Key-File-[23]: [a-z0-9-]{3,40}\r?\n",
        "PuTTY private key file (.ppk)")
        .check(Check::None)
        .extend(Extend::Until { marker: "Private-MAC: ", terminator: "\n", limit: 32 * 1024 }),
    p("age-secret-key", High, &["AGE-SECRET-KEY-1"],
        r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
        "age encryption secret key"),
    p("kubeconfig-client-key", High, &["client-key-data:"],
        r"client-key-data:[ \t]*(?P<secret>LS0tLS1CRUdJTi[0-9A-Za-z+/=]{60,})",
        "Client private key embedded in a kubeconfig")
        .max_len(32 * 1024),
    // --- Generic credential carriers -------------------------------------
    p("http-basic-auth-header", High, AUTHORIZATION,
        r#"(?i:authorization)["']?\s*[:=]\s*["']?(?i:basic)\s+(?P<secret>[A-Za-z0-9+/]{8,1024}={0,2})(?:[^A-Za-z0-9+/=]|$)"#,
        "HTTP Basic credentials in an Authorization header (logs, git http.extraheader)")
        .max_len(1100).check(Check::BasicCredentials),
    p("http-bearer-token-header", Medium, AUTHORIZATION,
        r#"(?i:authorization)["']?\s*[:=]\s*["']?(?i:bearer|token)\s+(?P<secret>[A-Za-z0-9._~+/=-]{16,4096})(?:[^A-Za-z0-9._~+/=-]|$)"#,
        "Bearer or token credential in an Authorization header")
        .max_len(4200),
    p("kubernetes-service-account-token", High, JWT_ANCHORS,
        r"\b(?P<secret>eyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{16,})(?:[^0-9A-Za-z_-]|$)",
        "Kubernetes service-account token (a JWT issued by the cluster)")
        .max_len(16 * 1024).check(Check::KubernetesJwt),
    p("jwt", Low, JWT_ANCHORS,
        r"\b(?P<secret>eyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{16,})(?:[^0-9A-Za-z_-]|$)",
        "Signed JSON Web Token (bearer credential until it expires)")
        .max_len(16 * 1024).check(Check::Jwt),
    p("url-basic-auth", Medium, URL_ANCHORS,
        r#"[A-Za-z]://(?:[^\s:/?#@'"<>\\]{1,128}):(?P<secret>[^\s/?#@'"<>\\]{6,512})@[0-9A-Za-z][0-9A-Za-z.-]*"#,
        "Password or token inside a URL (git remotes, .git-credentials, connection strings)")
        .max_len(1024).check(Check::Password),
    p("netrc-credentials", High, &["machine "],
        r"machine[ \t]+[^\s]{1,256}\s+login[ \t]+[^\s]{1,256}\s+password[ \t]+(?P<secret>[^\s]{6,1024})",
        "Password in a .netrc file")
        .max_len(1600).check(Check::Password),
];
