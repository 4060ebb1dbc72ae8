#!/usr/bin/env bash
# Attestation sign and verify throughput, stance vs securesystemslib, one core.
#
# Usage: bench/attest.sh [N] [REPS]   (defaults: N=10000 per stance run, REPS=3;
#                                      the Python reference runs N/5 per run)
#
# Builds the `attest_bench` example of stance-attest in release mode. For each
# algorithm (ed25519, ecdsa-p256) and report size (small: 3 findings; probe: 65
# findings, about a real probe report), it alternates REPS times between stance
# (attest N times, verify one envelope N times, bare DSSE signature check N
# times) and securesystemslib verifying the same envelope (from the test venv,
# .venv), both pinned to CPU 0, and keeps the best rate of each, which is the
# least disturbed by other work on a shared machine. No network.
set -euo pipefail

cd "$(dirname "$0")/.."
N="${1:-10000}"
REPS="${2:-3}"
PY_N=$(( N / 5 ))
OUT="bench/out/attest"
mkdir -p "$OUT"

PIN=()
if command -v taskset >/dev/null 2>&1; then PIN=(taskset -c 0); fi

cargo build --release -q -p stance-attest --example attest_bench
BIN="target/release/examples/attest_bench"

PY=".venv/bin/python"
HAVE_PY=1
if [ ! -x "$PY" ] || ! "$PY" -c "import securesystemslib.dsse" 2>/dev/null; then
  HAVE_PY=0
  echo "securesystemslib: skipped (no .venv with securesystemslib[crypto])"
fi

best() { sort -n | tail -1; }
field() { sed -n "s/.*; $1 \([0-9]*\)\/s.*/\1/p"; }

echo "stance-attest release build, ${PIN[*]:-unpinned}, N=$N per run, securesystemslib N=$PY_N per run, best of $REPS"
[ "$HAVE_PY" = 1 ] && echo "securesystemslib $("$PY" -c 'import securesystemslib; print(securesystemslib.__version__)'): json.loads + Envelope.from_dict + Envelope.verify + statement json.loads"
printf '%-19s %9s %10s %10s %14s %18s %8s\n' case envelope attest/s verify/s signature/s securesystemslib/s ratio
for size in small probe; do
  for alg in ed25519 ecdsa-p256; do
    case="$alg-$size"
    : > "$OUT/$case.stance" ; : > "$OUT/$case.py"
    for _ in $(seq "$REPS"); do
      "${PIN[@]}" "$BIN" "$N" --out "$OUT" --only "$case" >> "$OUT/$case.stance"
      if [ "$HAVE_PY" = 1 ]; then
        "${PIN[@]}" "$PY" crates/stance-attest/tests/python/bench_verify.py \
          "$OUT/$case.intoto.jsonl" "$OUT/$case.pub" "$PY_N" >> "$OUT/$case.py"
      fi
    done
    bytes=$(sed -n 's/.*envelope \([0-9]*\) bytes.*/\1/p' "$OUT/$case.stance" | head -1)
    attest=$(field attest < "$OUT/$case.stance" | best)
    verify=$(sed -n 's/.*; verify \([0-9]*\)\/s.*/\1/p' "$OUT/$case.stance" | best)
    sig=$(sed -n 's/.*signature only \([0-9]*\)\/s.*/\1/p' "$OUT/$case.stance" | best)
    if [ "$HAVE_PY" = 1 ]; then
      py=$(best < "$OUT/$case.py")
      ratio=$(awk -v a="$verify" -v b="$py" 'BEGIN { printf "%.1fx", a / b }')
    else
      py="-"; ratio="-"
    fi
    printf '%-19s %9s %10s %10s %14s %18s %8s\n' "$case" "$bytes" "$attest" "$verify" "$sig" "$py" "$ratio"
  done
done
echo "ratio = stance verify / securesystemslib verify (higher is faster for stance)"
