#!/usr/bin/env bash
# Watch-rules cost: replay a synthetic trail (bsm-gen, macOS-like file records) through `filewatcher --read`
# with no rules, 10 rules and 10,000 rules (0.6 MB of YAML; also a 4 MB file of 66,000 rules), JSON to
# /dev/null, and report the time to load the rules (an empty trail) and the events per second after it. The rules are of four shapes — a subtree (`/srv/appN/`), a
# directory glob (`/Users/*/projN/**`), a file-name glob (`secretN.key`) and a suffix glob under a common
# directory (`/private/tmp/**/*.dbN`) — plus, in every set, the same 10 rules that some records match.
#
#   bench/rules-bench.sh [records] [repetitions] [baseline filewatcher binary]
#
# The optional baseline (e.g. a release build of an older commit) is measured in the same run, on the same files.
# Env: BENCH_DIR (default /tmp/filewatcher-bench). Times are wall-clock medians; `uptime` is printed first.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200000}"; REPS="${2:-3}"; BASELINE="${3:-}"
DIR="${BENCH_DIR:-/tmp/filewatcher-bench}"
mkdir -p "$DIR"
swift build -c release --product filewatcher >/dev/null || { echo "rules-bench: release build failed (run: swift build -c release)" >&2; exit 1; }
swift build -c release --product bsm-gen >/dev/null
BIN=$(swift build -c release --show-bin-path)
TRAIL="$DIR/trail-$N.bsm"
[ -s "$TRAIL" ] || "$BIN/bsm-gen" "$TRAIL" "$N" 2>/dev/null

# The 10 rules every set has (they match some records of the trail).
base_rules() {
    cat <<'EOF'
rules:
  - {name: safari-cache, paths: ["/Users/*/Library/Caches/"], allow: [Safari], severity: low}
  - {name: sources, paths: ["/Users/alice/Documents/Projects/**/*.swift"], events: [write, delete, rename]}
  - {name: xcode, paths: ["/Applications/Xcode.app/"], events: [write]}
  - {name: libs, paths: ["/usr/lib/lib*.dylib"], events: [write, rename, delete], severity: high}
  - {name: tmp-logs, paths: ["/private/tmp/*.log"], allow: ["/usr/bin/*"]}
  - {name: frameworks, paths: ["/System/Library/Frameworks/"], events: [write], severity: critical}
  - {name: keys, paths: ["*.pem", "*.key", "id_rsa"], severity: high}
  - {name: shadow, paths: [/etc/shadow, /etc/master.passwd], severity: critical}
  - {name: ssh, paths: ["/Users/*/.ssh/", "/root/.ssh/"], allow: [sshd, ssh-agent]}
  - {name: launchd, paths: ["/Library/LaunchDaemons/", "/Library/LaunchAgents/"], events: [write, rename]}
EOF
}
rules_file() {  # $1 = extra rules, $2 = file
    { base_rules
      awk -v n="$1" 'BEGIN {
        for (i = 0; i < n; i++) {
          s = i % 4
          if (s == 0) printf "  - {name: r%d, paths: [\"/srv/app%d/\"], allow: [app%d]}\n", i, i, i
          else if (s == 1) printf "  - {name: r%d, paths: [\"/Users/*/proj%d/**\"]}\n", i, i
          else if (s == 2) printf "  - {name: r%d, paths: [\"secret%d.key\"], severity: high}\n", i, i
          else printf "  - {name: r%d, paths: [\"/private/tmp/**/*.db%d\"], events: [write]}\n", i, i
        } }'
    } > "$2"
}
rules_file 0 "$DIR/rules-10.yaml"
rules_file 9990 "$DIR/rules-10000.yaml"
rules_file 66000 "$DIR/rules-4mb.yaml"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run() {  # $1 = trail, $2 = binary, rest = options; prints the median wall time in seconds
    local trail=$1 bin=$2; shift 2
    for _ in $(seq "$REPS"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$bin" --read "$trail" --format json -o /dev/null --no-summary --no-ransomware "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc -l
    done | median
}
uptime
echo "trail: $N records; rules files: $(wc -c < "$DIR/rules-10.yaml") / $(wc -c < "$DIR/rules-10000.yaml") / $(wc -c < "$DIR/rules-4mb.yaml") bytes"
EMPTY="$DIR/empty.bsm"; : > "$EMPTY"
printf '| binary | rules | load s | replay s | events/s after load |\n|---|---:|---:|---:|---:|\n'
for bin in "$BIN/filewatcher" $BASELINE; do
    label=$([ "$bin" = "$BIN/filewatcher" ] && echo "this tree" || echo "baseline")
    for set in none 10 10000 4mb; do
        opts=(); [ "$set" = none ] || opts=(--rules "$DIR/rules-$set.yaml")
        load=$(run "$EMPTY" "$bin" "${opts[@]}")
        t=$(run "$TRAIL" "$bin" "${opts[@]}")
        printf '| %s | %s | %.2f | %.2f | %.0f |\n' "$label" "$set" "$load" "$t" "$(echo "$N / ($t - $load)" | bc -l)"
    done
done
