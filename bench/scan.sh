#!/usr/bin/env bash
# `stance scan` vs `zizmor --offline` over the corpus's GitHub Actions files, side by side.
#
# Usage: bench/scan.sh [RUNS]   (default RUNS=10)
#
# 1. Installs zizmor from PyPI into bench/out/scan/venv (the wheel ships the Rust binary).
# 2. Builds stance in release mode.
# 3. Rebuilds the corpus's GitHub files (../shared/corpus, kind `github`) at their original
#    paths under bench/out/scan/corpus/<owner__repo>/, so both tools see real
#    `.github/workflows/*.yml` and `action.yml` paths.
# 4. Keeps the files zizmor can load (it stops the whole run on a file it cannot model),
#    so both tools get exactly the same file list.
# 5. Times both with hyperfine (same list, each tool's default parallelism, JSON output to
#    /dev/null, exit codes ignored), and measures peak RSS with /usr/bin/time -v.
# Nothing is executed from the corpus; no network is used after the pip install.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${1:-10}"
OUT="bench/out/scan"
SHARED="${STANCE_SHARED_DIR:-../shared}"
mkdir -p "$OUT"

if [ ! -x "$OUT/venv/bin/zizmor" ]; then
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install --quiet --disable-pip-version-check zizmor
fi
ZIZMOR="$PWD/$OUT/venv/bin/zizmor"
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }

cargo build --release -q -p stance
STANCE="$PWD/target/release/stance"

rm -rf "$OUT/corpus"
python3 - "$SHARED/corpus" "$OUT/corpus" <<'PY'
import csv, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
with open(os.path.join(src, "SOURCES.tsv"), newline="") as f:
    for r in csv.DictReader(f, delimiter="\t"):
        if r["kind"] != "github":
            continue
        to = os.path.join(dst, r["owner/repo"].replace("/", "__"), r["path"])
        os.makedirs(os.path.dirname(to), exist_ok=True)
        shutil.copyfile(os.path.join(src, r["corpus_file"]), to)
PY

cd "$OUT/corpus"
find . \( -path '*/.github/workflows/*.yml' -o -path '*/.github/workflows/*.yaml' -o -name action.yml -o -name action.yaml \) \
  | sort > ../all-files.txt
# zizmor exits 1-3 on errors and 10-14 for findings (with --no-exit-codes: 0).
: > ../files.txt
while read -r f; do
  if "$ZIZMOR" --offline --no-exit-codes --format json -q "$f" >/dev/null 2>&1; then echo "$f" >> ../files.txt; fi
done < ../all-files.txt
N=$(wc -l < ../files.txt)
ALL=$(wc -l < ../all-files.txt)
echo "files: $N of $ALL GitHub workflow/action files (the rest zizmor cannot load)"

stance_cmd="xargs -a ../files.txt $STANCE --color never scan --format json --fail-severity none --min-severity info -o /dev/null"
zizmor_cmd="xargs -a ../files.txt $ZIZMOR --offline --no-exit-codes --format json -q"

hyperfine --warmup 2 --runs "$RUNS" --export-json ../hyperfine.json --style basic \
  -n stance "$stance_cmd" -n zizmor "$zizmor_cmd > /dev/null"

peak() { /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'; }
S_RSS=$(peak "$stance_cmd")
Z_RSS=$(peak "$zizmor_cmd > /dev/null")

python3 - ../hyperfine.json "$N" "$S_RSS" "$Z_RSS" "$("$ZIZMOR" --version)" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
n, s_rss, z_rss, zv = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
s, z = res["stance"], res["zizmor"]
sf, zf = n / s["mean"], n / z["mean"]
print(f"\n| tool | mean (s) | ± σ | files/s | peak RSS (MiB) |")
print(f"| --- | --- | --- | --- | --- |")
print(f"| stance scan | {s['mean']:.3f} | {s['stddev']:.3f} | {sf:,.0f} | {s_rss/1024:.1f} |")
print(f"| {zv} --offline | {z['mean']:.3f} | {z['stddev']:.3f} | {zf:,.0f} | {z_rss/1024:.1f} |")
print(f"\nfiles/s ratio stance/zizmor: {sf/zf:.1f}x; peak RSS ratio zizmor/stance: {z_rss/s_rss:.1f}x")
PY
