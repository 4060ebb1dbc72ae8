#!/usr/bin/env bash
# Probe benchmark: `stance probe` vs `lynis audit system --quick`, side by side in one
# hyperfine run on this machine, as root (lynis needs root for a full audit; so does the
# probe to see everything).
#
# stance: release build, no active network checks (none is on by default), workspace and
#   log scan off (--no-secret-scan), JSON report to /dev/null.
# lynis:  --quick (no pauses), no log file (--no-log), its report file under bench/out/probe,
#   and a profile written here that turns off every test lynis registers as a network test
#   (PKGS-7392 runs `apt-get update`; NETW-2704/2705 query the name servers with dig;
#   PKGS-7395 runs `apk update`; ...), NAME-4408 (its `getent hosts localhost` falls through to
#   DNS when /etc/hosts has no ::1 line), and its version check (skip-upgrade-test=yes; a
#   DNS TXT lookup otherwise).
# Before timing, both run once under strace, and the script stops if either opens a
# connection to, or sends to, any IPv4 or IPv6 address.
#
# Usage: bench/probe.sh [LYNIS_RUNS]   (default 3; stance runs as often as fits hyperfine's
#        3 s budget, at least LYNIS_RUNS). PROBE_BENCH_STRACE=0 skips the strace check.
# Results: bench/out/probe/{hyperfine.json,hyperfine.md,summary.md}
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${1:-3}"
OUT=bench/out/probe

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2"; }
}
need hyperfine hyperfine
need lynis lynis
need python3 python3
if [ "$(id -u)" != 0 ]; then
    echo "bench/probe.sh: run as root (lynis audits as root; so does the probe here)" >&2
    exit 1
fi

mkdir -p "$OUT"
PRF="$(pwd)/$OUT/lynis-offline.prf"
cat >"$PRF" <<'EOF'
# Written by bench/probe.sh: lynis without network access or package-manager updates.
# Every test lynis 3.0 registers with --network YES, and the version check.
skip-upgrade-test=yes
upload=no
skip-test=PKGS-7392
skip-test=PKGS-7393
skip-test=PKGS-7394
skip-test=PKGS-7395
skip-test=PKGS-7398
skip-test=NETW-2400
skip-test=NETW-2600
skip-test=NETW-2704
skip-test=NETW-2705
skip-test=NETW-2706
skip-test=NETW-3200
skip-test=DNS-1600
# Registered as offline, but `getent hosts localhost` asks DNS for ::1 when /etc/hosts lacks it.
skip-test=NAME-4408
EOF
chmod 600 "$PRF"

cargo build --release -q -p stance
STANCE="$(pwd)/target/release/stance"
STANCE_CMD="$STANCE probe --no-secret-scan --format json --color never"
LYNIS_CMD="lynis audit system --quick --no-colors --no-log --profile $PRF --report-file $(pwd)/$OUT/lynis-report.dat"

# Anything lynis registers as a network test that this lynis version has and the profile
# does not skip would make the comparison touch the network: refuse to run.
LYNIS_INCLUDE=/usr/share/lynis/include
if [ -d "$LYNIS_INCLUDE" ]; then
    for t in $(grep -rhoE -- '--test-no [A-Z]+-[0-9]+ .*--network YES' "$LYNIS_INCLUDE" | awk '{print $2}' | sort -u); do
        grep -q "^skip-test=$t$" "$PRF" || { echo "lynis network test $t is not skipped; add it to the profile" >&2; exit 1; }
    done
fi

if [ "${PROBE_BENCH_STRACE:-1}" != 0 ] && command -v strace >/dev/null; then
    echo "checking that neither tool talks to an IP address (strace, one run each)..."
    for tool in stance lynis; do
        cmd="STANCE_CMD"; [ "$tool" = lynis ] && cmd="LYNIS_CMD"
        # shellcheck disable=SC2086 # the command lines are word lists
        strace -f -qq -e trace=connect,sendto,sendmsg -o "$OUT/strace-$tool.txt" ${!cmd} >/dev/null 2>&1
        { grep -E 'sa_family=AF_INET6?[,}]' "$OUT/strace-$tool.txt" \
            | grep -vE 'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"' || true; } >"$OUT/strace-$tool-ip.txt"
        if [ -s "$OUT/strace-$tool-ip.txt" ]; then
            echo "$tool sent to an IP address (see $OUT/strace-$tool-ip.txt)" >&2
            exit 1
        fi
        echo "  $tool: no connect/sendto/sendmsg to any IPv4 or IPv6 address"
    done
fi

echo "== stance probe vs lynis audit system --quick (hyperfine, warm cache, lynis runs: $RUNS)"
hyperfine -N --warmup 1 --min-runs "$RUNS" \
    --export-json "$OUT/hyperfine.json" --export-markdown "$OUT/hyperfine.md" \
    --command-name "stance probe" "$STANCE_CMD" \
    --command-name "lynis --quick" "$LYNIS_CMD"

python3 - "$OUT/hyperfine.json" "$OUT/summary.md" <<'EOF'
import json, os, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
s, l = results["stance probe"], results["lynis --quick"]
ms = lambda x: x * 1000
lines = [
    f"| tool | runs | median | mean ± σ | min | max |",
    f"| --- | ---: | ---: | ---: | ---: | ---: |",
]
for name, r in (("stance probe", s), ("lynis --quick", l)):
    lines.append(
        f"| {name} | {len(r['times'])} | {ms(r['median']):.1f} ms | {ms(r['mean']):.1f} ± {ms(r['stddev'] or 0):.1f} ms "
        f"| {ms(r['min']):.1f} ms | {ms(r['max']):.1f} ms |"
    )
ratio = l["median"] / s["median"]
load = open("/proc/loadavg").read().split()[:3]
lines.append("")
lines.append(f"lynis / stance (medians): {ratio:.0f}x; stance median {ms(s['median']):.1f} ms "
             f"(goal <= 20 ms: {'met' if ms(s['median']) <= 20 else 'not met'}); load average after the run {' '.join(load)}; {os.cpu_count()} CPUs.")
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
