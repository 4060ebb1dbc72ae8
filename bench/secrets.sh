#!/usr/bin/env bash
# Secret-scan benchmark: stance-secrets vs ripgrep with the same pattern set.
#
# 1. Generates (once; cached in bench/out/secrets) a ~600 MB tree of
#    source-like files, CI logs, git dirs and binaries with 15 planted fake
#    credentials (bench/gen_tree.py).
# 2. Builds the scanner example and exports its patterns for `rg -f`.
# 3. Checks that both tools find every planted secret.
# 4. Times both, warm cache, side by side with hyperfine.
#
# Usage: bench/secrets.sh [RUNS]     (RUNS defaults to 10)
# Results: bench/out/secrets/{hyperfine.json,hyperfine.md,summary.md}
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${1:-10}"
OUT=bench/out/secrets
TREE="$OUT/tree"
THREADS="$(nproc)"

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2"; }
}
need hyperfine hyperfine
need rg ripgrep
need python3 python3

mkdir -p "$OUT"
if [ ! -f "$OUT/planted.tsv" ]; then
    echo "generating the benchmark tree in $TREE (once)..."
    rm -rf "$TREE"
    python3 bench/gen_tree.py "$OUT"
fi

cargo build --release -q -p stance-secrets --example scan-tree
SCAN=target/release/examples/scan-tree
"$SCAN" --export-rg "$OUT/patterns.txt"
# ripgrep cannot match `\n` outside multiline mode; the line-mode reference
# run drops the two patterns that need it (PEM and PuTTY keys; an escaped
# `\\n` inside JSON is an ordinary two-byte match and stays).
grep -vP '(?<!\\)\\n' "$OUT/patterns.txt" >"$OUT/patterns-line.txt"

# Same inputs for both: hidden files and ignored files searched (-uu), binary
# files skipped (rg stops at the first NUL, stance sniffs the first 8 KiB),
# files over 16 MiB skipped, no config, same thread count.
RG=(rg -uu --no-config --threads "$THREADS" --max-filesize 16M)
STANCE_CMD="$SCAN --threads $THREADS $TREE"
RG_CMD="${RG[*]} -U -f $OUT/patterns.txt --count-matches $TREE"
RG_LINE_CMD="${RG[*]} -f $OUT/patterns-line.txt --count-matches $TREE"

echo "checking that both tools find every planted secret..."
"$SCAN" --threads "$THREADS" --list "$TREE" 2>/dev/null | cut -f1,2 | sort -u >"$OUT/stance-found.tsv"
"${RG[@]}" -U -f "$OUT/patterns.txt" -l "$TREE" | sort >"$OUT/rg-files.txt"
missing=0
while IFS=$'\t' read -r path id; do
    grep -qxF "$TREE/$path"$'\t'"$id" "$OUT/stance-found.tsv" || { echo "stance missed $id in $path"; missing=1; }
    grep -qxF "$TREE/$path" "$OUT/rg-files.txt" || { echo "rg missed $id in $path"; missing=1; }
done <"$OUT/planted.tsv"
planted=$(wc -l <"$OUT/planted.tsv")
echo "planted: $planted; stance matches: $(wc -l <"$OUT/stance-found.tsv"); rg files with matches: $(wc -l <"$OUT/rg-files.txt")"
[ "$missing" = 0 ] || { echo "FAILED: a tool missed a planted secret" >&2; exit 1; }

hyperfine -N --warmup 2 --runs "$RUNS" \
    --export-json "$OUT/hyperfine.json" --export-markdown "$OUT/hyperfine.md" \
    -n stance-secrets "$STANCE_CMD" \
    -n "rg -U (same patterns)" "$RG_CMD" \
    -n "rg line mode (no PEM/PuTTY)" "$RG_LINE_CMD"

python3 - "$OUT" "$STANCE_CMD" "$RG_CMD" "$RG_LINE_CMD" <<'EOF'
import json, subprocess, sys
out, cmds = sys.argv[1], sys.argv[2:]
# Prints a Markdown summary for BENCHMARKS.md and writes it to summary.md.
res = json.load(open(f"{out}/hyperfine.json"))["results"]
med = [r["median"] for r in res]
size = subprocess.run(["du", "-sm", f"{out}/tree"], capture_output=True, text=True).stdout.split()[0]
files = subprocess.run(["sh", "-c", f"find {out}/tree -type f | wc -l"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
lines = [
    f"Tree: {size} MB, {files} files; {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores ({cpu}); "
    + subprocess.run(["rg", "--version"], capture_output=True, text=True).stdout.splitlines()[0] + "; "
    + subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip(),
    "",
    "| command | median wall | ratio to stance | mean CPU (user+sys) | CPU ratio |",
    "|---|---|---|---|---|",
]
cpu0 = res[0]["user"] + res[0]["system"]
for r, m in zip(res, med):
    c = r["user"] + r["system"]
    lines.append(f"| {r['command']} | {m:.3f} s | {m / med[0]:.2f}x | {c:.3f} s | {c / cpu0:.2f}x |")
load = open("/proc/loadavg").read().split()[:3]
lines += ["", f"Load average at the end of the run: {' '.join(load)} (other work on the machine inflates wall times)."]
lines += ["", "Commands:", ""] + [f"    {c}" for c in cmds]
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
