#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md: each compares stance with a reference tool side by
# side, in one hyperfine run, on this machine. The section scripts install the reference tools
# they need (apt-get, or pip into bench/out/venv) and cache generated inputs under bench/out/.
#
#   bench/run.sh            # all sections
#   bench/run.sh probe scan # some sections
set -euo pipefail
cd "$(dirname "$0")/.."
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(probe secrets scan attest)
cargo build --release -p stance
for s in "${sections[@]}"; do
  script="bench/$s.sh"
  if [ -x "$script" ]; then
    printf '\n==== %s ====\n' "$s"
    "$script"
  else
    echo "no benchmark script $script" >&2
  fi
done
