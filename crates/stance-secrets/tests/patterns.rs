//! Every built-in pattern: a positive sample (found, with the exact secret span)
//! and near misses (not found). A pattern without both fails the suite.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use stance_secrets::PatternSet;

/// A text that must yield exactly one match: `id`, spanning exactly `secret`.
struct Positive {
    id: &'static str,
    text: String,
    secret: String,
}

/// A near miss for `id`: must yield no match at all, except one of `allow`
/// (a JWT that is not from Kubernetes is still a JWT).
struct Negative {
    id: &'static str,
    text: String,
    allow: Option<&'static str>,
}

fn pos(id: &'static str, text: String, secret: String) -> Positive {
    Positive { id, text, secret }
}

fn neg(id: &'static str, text: impl Into<String>) -> Negative {
    Negative { id, text: text.into(), allow: None }
}

fn neg_but(id: &'static str, text: impl Into<String>, allow: &'static str) -> Negative {
    Negative { id, text: text.into(), allow: Some(allow) }
}

#[allow(clippy::too_many_lines)]
fn cases() -> (Vec<Positive>, Vec<Negative>) {
    let mut f = Fake::new(7);
    let mut p = Vec::new();
    let mut n = Vec::new();
    // Each block: one secret, placed in a realistic line, then near misses.
    macro_rules! simple {
        ($id:literal, $secret:expr, $line:literal) => {{
            let s: String = $secret;
            p.push(pos($id, format!($line, s), s));
        }};
    }

    // --- Cloud ---
    simple!("aws-access-key-id", f.token("AKIA", BASE32, 16), "aws_access_key_id = {}\n");
    simple!("aws-access-key-id", f.token("ASIA", BASE32, 16), "export AWS_ACCESS_KEY_ID={}");
    n.push(neg("aws-access-key-id", format!("id={}\n", f.token("AKIA", BASE32, 15))));
    n.push(neg("aws-access-key-id", format!("AKIA{}", "X".repeat(16))));
    n.push(neg("aws-access-key-id", format!("AKIA{}EXAMPLE", f.chars(BASE32, 9))));

    let s = f.chars(B64, 40);
    p.push(pos("aws-secret-access-key", format!("aws_secret_access_key = {s}\n"), s));
    let s = f.chars(B64, 40);
    p.push(pos("aws-secret-access-key", format!("{{\"SecretAccessKey\": \"{s}\", \"x\": 1}}"), s));
    n.push(neg("aws-secret-access-key", format!("aws_secret_access_key = {}\n", f.chars(B64, 39))));
    n.push(neg("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}"));

    let body: String = (0..4).map(|_| f.chars(B64, 64) + "\\n").collect();
    let pk = private_key_words();
    let key = format!("-----BEGIN {pk}-----\\n{body}-----END {pk}-----");
    p.push(pos(
        "gcp-service-account-key",
        format!(
            "{{\"type\": \"service_account\", \"private_key\": \"{key}\\n\", \"client_email\": \"x@p.iam\"}}"
        ),
        key,
    ));
    n.push(neg("gcp-service-account-key", "{\"private_key_id\": \"0123abcd\", \"private_key\": \"\"}"));

    simple!("gcp-api-key", f.token("AIza", B64URL, 35), "const key = \"{}\";");
    n.push(neg("gcp-api-key", format!("\"{}\"", f.token("AIza", B64URL, 34))));
    simple!("google-oauth-client-secret", f.token("GOCSPX-", B64URL, 28), "client_secret: {}\n");
    n.push(neg("google-oauth-client-secret", format!("{} ", f.token("GOCSPX-", B64URL, 27))));
    simple!("google-oauth-refresh-token", f.token("1//0", B64URL, 90), "\"refresh_token\": \"{}\"");
    n.push(neg("google-oauth-refresh-token", "print(1//0x10 + 1//0)"));

    let s = f.chars(B64, 86) + "==";
    p.push(pos(
        "azure-storage-account-key",
        format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s};EndpointSuffix=core.windows.net"
        ),
        s,
    ));
    n.push(neg("azure-storage-account-key", format!("AccountKey={};", f.chars(B64, 40))));
    let s = f.chars(B64, 43) + "=";
    p.push(pos(
        "azure-shared-access-key",
        format!("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={s}"),
        s,
    ));
    n.push(neg("azure-shared-access-key", "SharedAccessKey=<key>"));
    let s = f.chars(B64, 43) + "%3D";
    p.push(pos(
        "azure-sas-token",
        format!("https://a.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&spr=https&sig={s} done"),
        s,
    ));
    let s = f.chars(B64, 43) + "%3D";
    p.push(pos("azure-sas-token", format!("?sp=r&st=2030-01-01&sv=2022-11-02&sig={s}\n"), s));
    n.push(neg("azure-sas-token", "https://a.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r"));
    simple!("digitalocean-token", f.token("dop_v1_", HEX, 64), "DIGITALOCEAN_TOKEN={}");
    n.push(neg("digitalocean-token", format!("{} ", f.token("dop_v1_", HEX, 63))));

    // --- Forges and CI ---
    for (id, prefix) in [
        ("github-classic-pat", "ghp_"),
        ("github-oauth-token", "gho_"),
        ("github-user-token", "ghu_"),
        ("github-installation-token", "ghs_"),
        ("github-refresh-token", "ghr_"),
    ] {
        let s = f.token(prefix, B62, 36);
        p.push(pos(id, format!("token: {s}\n"), s));
        n.push(neg(id, format!("token: {}\n", f.token(prefix, B62, 35))));
        n.push(neg(id, format!("my{}", f.token(prefix, B62, 36))));
    }
    let s = format!("github_pat_{}_{}", f.chars(B62, 22), f.chars(B62, 59));
    p.push(pos("github-fine-grained-pat", format!("GH_TOKEN={s}"), s));
    n.push(neg("github-fine-grained-pat", format!("github_pat_{}", f.chars(B62, 40))));

    simple!("gitlab-pat", f.token("glpat-", B64URL, 20), "PRIVATE-TOKEN: {}\n");
    let s = format!("glpat-{}.01.{}", f.chars(B64URL, 27), f.chars(LOWER_ALNUM, 9));
    p.push(pos("gitlab-pat", format!("token {s}."), s));
    n.push(neg("gitlab-pat", format!("{} ", f.token("glpat-", B64URL, 19))));
    n.push(neg("gitlab-pat", format!("glpat-{}", "x".repeat(20))));
    simple!("gitlab-deploy-token", f.token("gldt-", B64URL, 20), "password: {}");
    n.push(neg("gitlab-deploy-token", "gldt-short"));
    simple!("gitlab-runner-token", f.token("glrt-t1_", B64URL, 20), "token = \"{}\"");
    n.push(neg("gitlab-runner-token", "glrt-abc"));
    simple!("gitlab-runner-registration-token", f.token("GR1348941", B64URL, 20), "--registration-token {}");
    n.push(neg("gitlab-runner-registration-token", "GR1348941"));
    simple!("gitlab-pipeline-trigger-token", f.token("glptt-", HEX, 40), "TRIGGER={}");
    n.push(neg("gitlab-pipeline-trigger-token", format!("{} ", f.token("glptt-", HEX, 10))));
    simple!("gitlab-ci-job-token", format!("glcbt-64_{}", f.chars(B64URL, 20)), "CI_JOB_TOKEN={}");
    n.push(neg("gitlab-ci-job-token", "glcbt-64_$CI_JOB_TOKEN"));
    simple!("gitlab-oauth-app-secret", f.token("gloas-", HEX, 64), "secret: {}");
    n.push(neg("gitlab-oauth-app-secret", "gloas-"));
    simple!("buildkite-api-token", f.token("bkua_", HEX, 40), "BUILDKITE_API_TOKEN={}");
    n.push(neg("buildkite-api-token", format!("{} ", f.token("bkua_", HEX, 39))));
    simple!("circleci-token", format!("CCIPAT_{}_{}", f.chars(B62, 22), f.chars(HEX, 40)), "CIRCLE_TOKEN={}");
    n.push(neg("circleci-token", format!("CCIPAT_{}", f.chars(B62, 20))));
    simple!(
        "terraform-cloud-token",
        format!("{}.atlasv1.{}", f.chars(B62, 14), f.chars(B64URL, 67)),
        "credentials \"app.terraform.io\" {{ token = \"{}\" }}"
    );
    n.push(neg("terraform-cloud-token", format!("{}.atlasv1.{}", f.chars(B62, 14), f.chars(B64URL, 20))));
    simple!("pulumi-access-token", f.token("pul-", HEX, 40), "PULUMI_ACCESS_TOKEN={}");
    n.push(neg("pulumi-access-token", "see pul-request docs"));
    simple!("vault-token", f.token("hvs.", B64URL, 90), "VAULT_TOKEN={}\n");
    n.push(neg("vault-token", "hvs.short"));

    // --- Package registries ---
    simple!("npm-access-token", f.token("npm_", B62, 36), "NODE_AUTH_TOKEN={}");
    n.push(neg("npm-access-token", "npm_config_cache_directory_for_this_build_x"));
    let s = format!(
        "{}-{}-{}-{}-{}",
        f.chars(HEX, 8),
        f.chars(HEX, 4),
        f.chars(HEX, 4),
        f.chars(HEX, 4),
        f.chars(HEX, 12)
    );
    p.push(pos("npmrc-auth", format!("//registry.npmjs.org/:_authToken={s}\n"), s));
    n.push(neg("npmrc-auth", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"));
    simple!("pypi-token", f.token("pypi-AgEIcHlwaS5vcmc", B64URL, 120), "password = {}\n");
    n.push(neg("pypi-token", format!("{} ", f.token("pypi-AgEIcHlwaS5vcmc", B64URL, 10))));
    simple!("dockerhub-token", f.token("dckr_pat_", B64URL, 27), "echo {} | docker login");
    n.push(neg("dockerhub-token", "dckr_pat_ is the prefix"));
    let s = b64(&format!("robot:{}", f.chars(B62, 24)));
    p.push(pos("docker-config-auth", format!("{{\"auths\":{{\"ghcr.io\":{{\"auth\":\"{s}\"}}}}}}"), s));
    n.push(neg("docker-config-auth", format!("{{\"auth\":\"{}\"}}", b64("no colon in here"))));
    simple!("rubygems-api-key", f.token("rubygems_", HEX, 48), ":rubygems_api_key: {}");
    n.push(neg("rubygems-api-key", "rubygems_api_key"));
    simple!("jfrog-token", f.token("AKCp", B62, 69), "X-JFrog-Art-Api: {}");
    n.push(neg("jfrog-token", format!("{} ", f.token("AKCp", B62, 60))));

    // --- SaaS ---
    simple!(
        "slack-token",
        format!("xoxb-{}-{}-{}", f.chars(DIGITS, 12), f.chars(DIGITS, 13), f.chars(B62, 24)),
        "SLACK_BOT_TOKEN={}"
    );
    n.push(neg("slack-token", "xoxb-not-a-real-token"));
    let s =
        format!("services/T{}/B{}/{}", f.chars(UPPER_ALNUM, 10), f.chars(UPPER_ALNUM, 10), f.chars(B62, 24));
    p.push(pos("slack-webhook-url", format!("curl -X POST https://hooks.slack.com/{s} -d @m.json"), s));
    n.push(neg("slack-webhook-url", "https://hooks.slack.com/services/"));
    simple!("stripe-secret-key", f.token("sk_live_", B62, 24), "STRIPE_KEY={}");
    n.push(neg("stripe-secret-key", format!("STRIPE_KEY={}", f.token("sk_test_", B62, 24))));
    simple!("stripe-webhook-secret", f.token("whsec_", B64, 32), "STRIPE_WEBHOOK_SECRET={}\n");
    n.push(neg("stripe-webhook-secret", "whsec_123"));
    let s = f.chars(HEX, 32);
    p.push(pos("twilio-auth-token", format!("TWILIO_AUTH_TOKEN={s}\n"), s));
    n.push(neg("twilio-auth-token", format!("TWILIO_AUTH_TOKEN={}\n", f.chars(HEX, 31))));
    simple!(
        "sendgrid-api-key",
        format!("SG.{}.{}", f.chars(B64URL, 22), f.chars(B64URL, 43)),
        "SENDGRID_API_KEY={}\n"
    );
    n.push(neg("sendgrid-api-key", format!("SG.{}", f.chars(B64URL, 22))));
    let s = f.chars(HEX, 32);
    p.push(pos("datadog-api-key", format!("DD_API_KEY={s}\n"), s));
    n.push(neg("datadog-api-key", "DD_API_KEY=${{ secrets.DD_API_KEY }}"));
    simple!("openai-api-key", f.token("sk-proj-", B64URL, 156), "OPENAI_API_KEY={}\n");
    simple!("openai-api-key", format!("sk-{}T3BlbkFJ{}", f.chars(B62, 20), f.chars(B62, 20)), "key: {}");
    n.push(neg("openai-api-key", format!("key: {}", f.token("sk-", B62, 48))));
    n.push(neg("openai-api-key", "risk-proj-assessment"));
    simple!("anthropic-api-key", format!("sk-ant-api03-{}AA", f.chars(B64URL, 93)), "ANTHROPIC_API_KEY={}\n");
    n.push(neg("anthropic-api-key", format!("{} ", f.token("sk-ant-api03-", B64URL, 20))));
    simple!("huggingface-token", f.token("hf_", B62, 34), "HF_TOKEN={}\n");
    n.push(neg("huggingface-token", format!("{} ", f.token("hf_", B62, 33))));
    simple!("sentry-token", f.token("sntryu_", HEX, 64), "SENTRY_AUTH_TOKEN={}");
    n.push(neg("sentry-token", format!("{} ", f.token("sntryu_", HEX, 60))));
    simple!("grafana-token", format!("glsa_{}_{}", f.chars(B62, 32), f.chars(HEX, 8)), "GRAFANA_TOKEN={}");
    n.push(neg("grafana-token", format!("glsa_{}", f.chars(B62, 32))));
    simple!("new-relic-key", f.token("NRAK-", UPPER_ALNUM, 27), "NEW_RELIC_API_KEY={}");
    n.push(neg("new-relic-key", format!("{} ", f.token("NRAK-", UPPER_ALNUM, 26))));
    simple!(
        "postman-api-key",
        format!("PMAK-{}-{}", f.chars(HEX, 24), f.chars(HEX, 34)),
        "POSTMAN_API_KEY={}"
    );
    n.push(neg("postman-api-key", format!("PMAK-{}", f.chars(HEX, 24))));
    simple!("linear-api-key", f.token("lin_api_", B62, 40), "LINEAR_API_KEY={}");
    n.push(neg("linear-api-key", "lin_api_key"));
    simple!("atlassian-api-token", f.token("ATATT3", B64URL, 186), "JIRA_API_TOKEN={}\n");
    n.push(neg("atlassian-api-token", format!("{} ", f.token("ATATT3", B64URL, 40))));

    // --- Keys ---
    let pk = private_key_words();
    for kind in [format!("OPENSSH {pk}"), format!("EC {pk}"), pk.clone()] {
        let block = f.pem(&kind, "");
        p.push(pos("private-key", format!("key file:\n{block}\ntrailer\n"), block));
    }
    let block = f.pem(
        &format!("RSA {pk}"),
        "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D4E5F60718293A4B5C6D7E8F9\n\n",
    );
    p.push(pos("private-key", format!("{block}\n"), block));
    let block = f.pem(&format!("PGP {pk} BLOCK"), "Version: GnuPG v2\n\n");
    p.push(pos("private-key", block.clone(), block));
    n.push(neg("private-key", f.pem("CERTIFICATE", "")));
    n.push(neg("private-key", f.pem("PUBLIC KEY", "")));
    n.push(neg("private-key", format!("-----BEGIN {pk}-----\nMIIE...\n-----END {pk}-----\n")));

    let s = format!(
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 2\n{}\n{}\nPrivate-Lines: 1\n{}\nPrivate-MAC: {}\n",
        f.chars(B64, 64),
        f.chars(B64, 20),
        f.chars(B64, 44),
        f.chars(HEX, 64)
    );
    p.push(pos("putty-private-key", format!("{s}end"), s));
    n.push(neg("putty-private-key", "PuTTY-User-Key-File-3 is the .ppk format"));
    simple!("age-secret-key", f.token("AGE-SECRET-KEY-1", BECH32_UPPER, 58), "# created: now\n{}\n");
    n.push(neg("age-secret-key", format!("{} ", f.token("AGE-SECRET-KEY-1", BECH32_UPPER, 57))));
    let s = b64(&f.pem(&format!("RSA {pk}"), ""));
    p.push(pos(
        "kubeconfig-client-key",
        format!("users:\n- name: u\n  user:\n    client-key-data: {s}\n"),
        s,
    ));
    n.push(neg("kubeconfig-client-key", "    client-key-data: REDACTED\n"));

    // --- Generic carriers ---
    let s = b64(&format!("x-access-token:{}", f.chars(B62, 40)));
    p.push(pos(
        "http-basic-auth-header",
        format!("[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic {s}\n"),
        s,
    ));
    let s = b64(&format!("ci-bot:{}", f.chars(B62, 20)));
    p.push(pos("http-basic-auth-header", format!("> Authorization: Basic {s}\r\n"), s));
    n.push(neg("http-basic-auth-header", "AUTHORIZATION: basic ***"));
    n.push(neg("http-basic-auth-header", format!("Authorization: Basic {}", b64("user:password"))));
    let s = f.chars(B64URL, 40);
    p.push(pos(
        "http-bearer-token-header",
        format!("curl -H 'Authorization: Bearer {s}' http://127.0.0.1"),
        s,
    ));
    n.push(neg("http-bearer-token-header", "curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1"));

    let s = f.jwt(
        r#"{"alg":"RS256","kid":"k1"}"#,
        r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"ci","sub":"system:serviceaccount:ci:runner"}"#,
    );
    p.push(pos("kubernetes-service-account-token", format!("token: {s}\n"), s));
    let s = f.jwt(
        r#"{"alg":"RS256","kid":"k1"}"#,
        r#"{"aud":["https://kubernetes.default.svc"],"kubernetes.io":{"namespace":"ci"}}"#,
    );
    p.push(pos("kubernetes-service-account-token", s.clone(), s));
    let s = f.jwt(
        r#"{"alg":"RS256","kid":"k1"}"#,
        r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:o/r"}"#,
    );
    n.push(neg_but("kubernetes-service-account-token", format!("token: {s}\n"), "jwt"));
    let s = f.jwt(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"sub":"1234567890","name":"n","iat":1516239022}"#);
    p.push(pos("jwt", format!("id_token={s}&state=1"), s));
    n.push(neg(
        "jwt",
        format!("eyJ{}.eyJ{}.{}", f.chars(B64URL, 10), f.chars(B64URL, 10), f.chars(B64URL, 20)),
    ));
    n.push(neg(
        "jwt",
        format!("{}.eyJzdWIiOiIxIn0.{}", b64("{\"typ\":\"JWT\"}").trim_end_matches('='), f.chars(B64URL, 30)),
    ));

    let s = f.chars(B62, 20);
    p.push(pos("url-basic-auth", format!("git clone https://deploy:{s}@git.corp.test/app.git"), s));
    let s = f.chars(B62, 24);
    p.push(pos("url-basic-auth", format!("https://bot:{s}@gitlab.corp.test\n"), s));
    n.push(neg("url-basic-auth", "https://user:password@example.com/x"));
    n.push(neg("url-basic-auth", "DATABASE_URL=postgres://postgres:postgres@localhost:5432/db"));
    n.push(neg("url-basic-auth", "https://${USER}:${PASS}@git.corp.test"));
    n.push(neg("url-basic-auth", "see https://github.com/a/b and http://127.0.0.1:8080/x@y"));
    let s = f.chars(B62, 24);
    p.push(pos("netrc-credentials", format!("machine api.corp.test\n  login bot\n  password {s}\n"), s));
    n.push(neg("netrc-credentials", "the machine learning login page asks for a password"));
    n.push(neg("netrc-credentials", "machine h login bob password password"));

    (p, n)
}

#[test]
fn every_positive_sample_is_found_with_its_exact_span() {
    let set = PatternSet::builtin();
    let (positives, _) = cases();
    let mut failures = Vec::new();
    for c in &positives {
        let found = set.scan_bytes(c.text.as_bytes());
        let start = c.text.find(&c.secret).unwrap();
        let ok = found.len() == 1
            && found[0].pattern == c.id
            && found[0].offset == start
            && found[0].length == c.secret.len();
        if !ok {
            let got: Vec<_> = found.iter().map(|m| (m.pattern, m.offset, m.length)).collect();
            failures.push(format!("{}: expected one match at {start}+{}, got {got:?}", c.id, c.secret.len()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_near_miss_is_rejected() {
    let set = PatternSet::builtin();
    let (_, negatives) = cases();
    let mut failures = Vec::new();
    for c in &negatives {
        let found = set.scan_bytes(c.text.as_bytes());
        if found.iter().any(|m| Some(m.pattern) != c.allow) {
            let got: Vec<_> = found.iter().map(|m| m.pattern).collect();
            failures.push(format!("near miss for {} matched {got:?}", c.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_pattern_has_a_positive_and_a_negative_case() {
    let (positives, negatives) = cases();
    let with_pos: BTreeSet<_> = positives.iter().map(|c| c.id).collect();
    let with_neg: BTreeSet<_> = negatives.iter().map(|c| c.id).collect();
    for p in PatternSet::builtin().patterns() {
        assert!(with_pos.contains(p.id), "no positive sample for {}", p.id);
        assert!(with_neg.contains(p.id), "no near-miss sample for {}", p.id);
    }
    // And no case names a pattern that does not exist.
    for id in with_pos.iter().chain(&with_neg) {
        assert!(PatternSet::builtin().get(id).is_some(), "case for unknown pattern {id}");
    }
}

#[test]
fn positives_are_found_anywhere_in_a_larger_buffer() {
    // The same samples concatenated with filler between them: the prefilter
    // must resume correctly after each hit and windows must not interfere.
    let set = PatternSet::builtin();
    let (positives, _) = cases();
    let mut text = String::new();
    let mut expected = Vec::new();
    for c in &positives {
        text.push_str("\n-- filler: fn main() { let x = 1; } --\n");
        let base = text.len();
        text.push_str(&c.text);
        expected.push((c.id, base + c.text.find(&c.secret).unwrap(), c.secret.len()));
    }
    let got: Vec<_> =
        set.scan_bytes(text.as_bytes()).iter().map(|m| (m.pattern, m.offset, m.length)).collect();
    assert_eq!(got, expected);
}

#[test]
fn ids_are_unique_kebab_case_and_described() {
    let mut seen = BTreeSet::new();
    let mut short_anchors = 0;
    for p in PatternSet::builtin().patterns() {
        assert!(seen.insert(p.id), "duplicate id {}", p.id);
        assert!(
            p.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !p.id.starts_with('-')
                && !p.id.ends_with('-'),
            "id not kebab-case: {}",
            p.id
        );
        assert!(!p.description.is_empty() && !p.anchors.is_empty());
        // Prefilter selectivity: four bytes or more, three only where a format has
        // no longer fixed prefix (such anchors get a prefilter pass of their own).
        let short = p.anchors.iter().filter(|a| a.len() < 4).count();
        assert!(p.anchors.iter().all(|a| a.len() >= 3), "{}: anchor under 3 bytes", p.id);
        short_anchors += short;
    }
    assert!(seen.len() >= 35, "pattern set shrank to {}", seen.len());
    assert!(PatternSet::builtin().ids().eq(PatternSet::builtin().patterns().iter().map(|p| p.id)));
    assert!(short_anchors <= 4, "{short_anchors} three-byte anchors slow the prefilter down");
}
