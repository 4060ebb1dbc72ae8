#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what the tests need, then format check,
# clippy, and every test of the workspace. Run from anywhere; works on a fresh clone.
#
#   ./scripts/test.sh            # everything
#   ./scripts/test.sh -- -E 'test(schema)'   # extra arguments go to cargo nextest
#
# As root (CI), missing system packages are installed with apt-get. Tests that need root
# (namespaces, nftables, mounts) are skipped with a reason when not run as root; under
# CI=true a skip is a failure, so nothing passes silently there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

# 1. System packages: network namespaces and nftables for the probe's real-environment
#    tests, util-linux for unshare/setpriv, libcap2-bin for capsh.
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v unshare >/dev/null || need+=(util-linux)
command -v setpriv >/dev/null || need+=(util-linux)
command -v capsh >/dev/null || need+=(libcap2-bin)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "note: missing ${need[*]}; the tests that need them will be skipped (or fail under CI=true)" >&2
  fi
fi

# 2. The Python venv with the reference validators (JSON Schema, SARIF, DSSE/in-toto).
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import jsonschema, securesystemslib, in_toto' 2>/dev/null; then
  say "creating .venv with the test oracles"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
fi
export STANCE_PYTHON="$PWD/.venv/bin/python"

# 3. Rust tools.
command -v cargo-nextest >/dev/null || cargo install --locked cargo-nextest

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

say "cargo nextest run (workspace)"
# Tests that skip (no root, no shared corpus outside CI) record why here; listed at the end.
export STANCE_SKIP_LOG="$PWD/target/skipped-tests.txt"
mkdir -p target && : > "$STANCE_SKIP_LOG"
cargo nextest run --workspace --no-fail-fast "${@:2}"

say "doc tests"
cargo test --workspace --doc --quiet

if [ -s "$STANCE_SKIP_LOG" ]; then
  say "skipped tests ($(wc -l < "$STANCE_SKIP_LOG")), with the reason"
  sort "$STANCE_SKIP_LOG" | sed 's/^/  /'
fi
say "all tests passed"
