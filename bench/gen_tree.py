#!/usr/bin/env python3
"""Generates the secret-scan benchmark tree (deterministic, about 600 MB).

Usage: gen_tree.py OUT_DIR

Layout under OUT_DIR/tree: a few fake repositories (source-like files of
varied sizes, docs, a .git directory with config, refs and binary packs), CI
logs of a few MB each, build output with binary files, and a temp dir. A
handful of fake credentials are planted; OUT_DIR/planted.tsv lists each as
`relative-path<TAB>pattern-id`.

The content is random but shaped like real CI workspaces, including the near
misses a scanner must reject quickly: URLs everywhere (`://`), certificates
(`-----BEGIN `), `Authorization: Bearer $TOKEN`, base64 JSON (`eyJ`), words
like `task-` and `risk-` (`sk-`), `machine ` in prose.

Fake tokens are assembled here from a prefix and random characters; they are
not real credentials.
"""

import base64
import os
import random
import sys

SEED = 20240601
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B64 = B62 + "+/"
B64URL = B62 + "-_"
HEX = "0123456789abcdef"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

rng = random.Random(SEED)


def chars(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def ident():
    parts = ["user", "config", "build", "cache", "request", "handler", "token", "state", "item",
             "value", "result", "error", "buffer", "index", "runner", "job", "step", "path",
             "client", "server", "session", "record", "field", "parse", "load", "store", "task"]
    k = rng.randint(1, 3)
    return "_".join(rng.choice(parts) for _ in range(k)) + (str(rng.randint(0, 99)) if rng.random() < 0.3 else "")


def source_line():
    t = rng.random()
    i = ident()
    if t < 0.15:
        return f"    let {i} = {ident()}(&{ident()}, {rng.randint(0, 4096)})?;"
    if t < 0.25:
        return f"fn {i}({ident()}: &str, {ident()}: usize) -> Result<{ident().title()}, Error> {{"
    if t < 0.32:
        return f"    // {ident()} must be checked before {ident()} is released (see issue #{rng.randint(1, 9999)})"
    if t < 0.40:
        return f"    if {i}.len() > {rng.randint(1, 512)} && !{ident()}.is_empty() {{"
    if t < 0.46:
        return f"        return Err(Error::new(\"{ident()} failed for {ident()}\"));"
    if t < 0.52:
        return f"import {{ {i}, {ident()} }} from \"./{ident()}\";"
    if t < 0.57:
        return f"    url = \"https://github.com/{ident()}/{ident()}/blob/main/{ident()}.rs\""
    if t < 0.61:
        return f"def {i}(self, {ident()}={rng.randint(0, 9)}):"
    if t < 0.65:
        return f"        self.{i} = {ident()}.get(\"{ident()}\", None)"
    if t < 0.68:
        return f"  - run: curl -fsSL -H \"Authorization: Bearer $GITHUB_TOKEN\" https://api.github.com/repos/{ident()}"
    if t < 0.71:
        return f"    \"{i}\": \"{chars(B64, rng.randint(8, 60))}\","
    if t < 0.73:
        return f"    task-{ident()}: risk-{ident()} desk-{rng.randint(0, 99)}"
    if t < 0.75:
        return f"# The build machine {ident()} runs the {ident()} step"
    if t < 0.77:
        return f"    data = \"eyJ{chars(B64URL, rng.randint(10, 40))}\""
    if t < 0.80:
        return f"    {{ \"{i}\", {rng.randint(0, 65535)}, 0x{chars(HEX, 8)} }},"
    return f"    {i}.{ident()}({ident()}, {ident()}.clone());"


def log_line(n):
    t = rng.random()
    ts = f"2024-06-0{rng.randint(1, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:{rng.randint(10, 59)}.{rng.randint(1000000, 9999999)}Z"
    if t < 0.25:
        return f"{ts} Downloading https://registry.npmjs.org/{ident()}/-/{ident()}-{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}.tgz"
    if t < 0.40:
        return f"{ts} [command]/usr/bin/git -c protocol.version=2 fetch --no-tags --prune origin +refs/heads/{ident()}:refs/remotes/origin/{ident()}"
    if t < 0.55:
        return f"{ts}    Compiling {ident()} v0.{rng.randint(0, 30)}.{rng.randint(0, 9)} (/home/runner/work/{ident()}/{ident()})"
    if t < 0.65:
        return f"{ts} ##[debug]Evaluating: secrets.{ident().upper()} => ***"
    if t < 0.72:
        return f"{ts} test {ident()}::{ident()} ... ok"
    if t < 0.78:
        return f"{ts} GET http://127.0.0.1:{rng.randint(1024, 65000)}/{ident()}?id={rng.randint(0, 10**6)} 200 {rng.randint(1, 999)}ms"
    if t < 0.82:
        return f"{ts} Authorization: Bearer ***"
    return f"{ts} {ident()}: {ident()} {ident()} {rng.randint(0, 10**6)} {ident()}"


def cert_block():
    body = "\n".join(chars(B64, 64) for _ in range(rng.randint(10, 20)))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----"


# Pools keep generation fast: files are random draws of pre-built lines.
SOURCE_POOL = [source_line() for _ in range(40000)]
LOG_POOL = [log_line(i) for i in range(40000)]


def text_file(pool, size):
    out, total = [], 0
    while total < size:
        chunk = rng.choices(pool, k=256)
        out.extend(chunk)
        total += sum(len(c) + 1 for c in chunk)
        if rng.random() < 0.02:
            out.append(cert_block())
    return ("\n".join(out)[:size] + "\n").encode()


def binary_file(size):
    # Mostly random bytes with NULs early, like object files and images.
    return b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(size - 8)


def fake_secrets():
    pk = " ".join(["PRIVATE", "KEY"])
    key_body = "\n".join(chars(B64, 70) for _ in range(8))
    jwt_k8s = ".".join([
        base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"k"}').decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"ci"}').decode().rstrip("="),
        chars(B64URL, 86),
    ])
    basic = base64.b64encode(("x-access-token:" + "gh" + "s_" + chars(B62, 36)).encode()).decode()
    return [
        ("github-classic-pat", "GH_TOKEN=" + "gh" + "p_" + chars(B62, 36)),
        ("github-installation-token", "token: " + "gh" + "s_" + chars(B62, 36)),
        ("aws-access-key-id", "aws_access_key_id = " + "AK" + "IA" + chars(BASE32, 16)),
        ("aws-secret-access-key", "aws_secret_access_key = " + chars(B64, 40)),
        ("gitlab-pat", "PRIVATE-TOKEN: " + "gl" + "pat-" + chars(B64URL, 20)),
        ("npm-access-token", "//registry.npmjs.org/:_authToken=" + "np" + "m_" + chars(B62, 36)),
        ("slack-token", "SLACK=" + "xo" + "xb-" + chars("0123456789", 12) + "-" + chars("0123456789", 13) + "-" + chars(B62, 24)),
        ("private-key", f"-----BEGIN OPENSSH {pk}-----\n{key_body}\n-----END OPENSSH {pk}-----"),
        ("kubernetes-service-account-token", "token: " + jwt_k8s),
        ("http-basic-auth-header", "\textraheader = AUTHORIZATION: basic " + basic),
        ("url-basic-auth", "url = https://deploy:" + chars(B62, 24) + "@git.corp.test/app.git"),
        ("huggingface-token", "HF_TOKEN=" + "h" + "f_" + chars(B62, 34)),
        ("stripe-secret-key", "STRIPE=" + "sk" + "_live_" + chars(B62, 24)),
        ("dockerhub-token", "echo " + "dckr" + "_pat_" + chars(B64URL, 27) + " | docker login"),
        ("anthropic-api-key", "ANTHROPIC_API_KEY=" + "sk-" + "ant-api03-" + chars(B64URL, 93) + "AA"),
    ]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    tree = os.path.join(out, "tree")
    files = []  # relative paths of text files, candidates for planting

    exts = [".rs", ".py", ".ts", ".go", ".java", ".md", ".yml", ".json", ".toml", ".c", ".h"]
    for r in range(12):
        repo = f"work/repo{r:02d}"
        git = f"{repo}/.git"
        write(os.path.join(tree, git, "HEAD"), b"ref: refs/heads/main\n")
        write(os.path.join(tree, git, "refs/heads/main"), chars(HEX, 40).encode() + b"\n")
        write(os.path.join(tree, git, "config"),
              b"[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = https://github.com/org/app.git\n")
        files.append(f"{git}/config")
        for k in range(3):
            write(os.path.join(tree, git, f"objects/pack/pack-{chars(HEX, 40)}.pack"),
                  b"PACK\x00\x00\x00\x02" + rng.randbytes(rng.randint(200_000, 2_000_000)))
        for i in range(1800):
            d = f"{repo}/src/{ident()}/{ident()}" if rng.random() < 0.7 else f"{repo}/{ident()}"
            size = int(min(400_000, rng.lognormvariate(9.2, 1.0)))
            rel = f"{d}/{ident()}{rng.choice(exts)}"
            write(os.path.join(tree, rel), text_file(SOURCE_POOL, max(size, 64)))
            files.append(rel)
    for i in range(60):
        rel = f"logs/job-{i:03d}/runner.log"
        write(os.path.join(tree, rel), text_file(LOG_POOL, rng.randint(1_000_000, 7_000_000)))
        files.append(rel)
    # One log above the 16 MiB size limit: both tools skip it.
    write(os.path.join(tree, "logs/huge/full.log"), text_file(LOG_POOL, 20_000_000))
    for i in range(150):
        write(os.path.join(tree, f"work/target/release/deps/lib{ident()}-{chars(HEX, 16)}.so"),
              binary_file(rng.randint(20_000, 400_000)))
    for i in range(200):
        rel = f"tmp/runner-{chars(HEX, 8)}.txt"
        write(os.path.join(tree, rel), text_file(LOG_POOL, rng.randint(200, 20_000)))
        files.append(rel)

    planted = []
    for pid, line in fake_secrets():
        rel = rng.choice(files) if pid != "http-basic-auth-header" else "work/repo03/.git/config"
        with open(os.path.join(tree, rel), "ab") as f:
            f.write(b"\n" + line.encode() + b"\n")
        planted.append((rel, pid))
    with open(os.path.join(out, "planted.tsv"), "w") as f:
        for rel, pid in sorted(planted):
            f.write(f"{rel}\t{pid}\n")


if __name__ == "__main__":
    main()
