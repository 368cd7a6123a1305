#!/usr/bin/env bash
# Selection from trails: filewatcher --bsm-event/--format bsm against OpenBSM auditreduce -m, in one
# run on the same trails (issue 16).
#
#   bench/select-bench.sh [records] [repetitions]
#
# 1. One trail of N records (default 1,000,000; bsm-gen --mix audit: 10 % unlink(2), half of them
#    under /Users/): `auditreduce -m AUE_UNLINK`, `filewatcher --bsm-event AUE_UNLINK --format bsm`,
#    the same with `-f /Users/`, and the text output of the same selection.
# 2. A /var/audit-like directory of 100 trails of N/100 records each (consecutive times):
#    `filewatcher --read DIR` against the one trail (same per-record cost?) and auditreduce over the
#    100 files.
# The outputs of auditreduce and filewatcher are compared (records byte for byte).
#
# Env: BENCH_DIR (default /tmp/filewatcher-select-bench), AUDITREDUCE (default $FILEWATCHER_AUDITREDUCE,
#      else ../ref/openbsm-build/bin/auditreduce beside the repository or its parent; never committed). Prints median wall time and
#      median user+sys CPU time of each command (output to a file in BENCH_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"; REPS="${2:-5}"
DIR="${BENCH_DIR:-/tmp/filewatcher-select-bench}"
AUDITREDUCE="${AUDITREDUCE:-${FILEWATCHER_AUDITREDUCE:-}}"
if [ -z "$AUDITREDUCE" ]; then
    for c in ../ref/openbsm-build/bin/auditreduce ../../ref/openbsm-build/bin/auditreduce; do [ -x "$c" ] && AUDITREDUCE="$c" && break; done
fi
[ -x "$AUDITREDUCE" ] || { echo "select-bench: no auditreduce at $AUDITREDUCE (set AUDITREDUCE)" >&2; exit 1; }
mkdir -p "$DIR"
swift build -c release --product filewatcher >/dev/null
swift build -c release --product bsm-gen >/dev/null
BIN=$(swift build -c release --show-bin-path)
FW="$BIN/filewatcher"
TRAIL="$DIR/trail-$N.bsm"
[ -s "$TRAIL" ] || "$BIN/bsm-gen" "$TRAIL" "$N" --mix audit 2>/dev/null
PER=$((N / 100))
TRAILS="$DIR/audit-100x$PER"
if [ ! -d "$TRAILS" ]; then
    mkdir -p "$TRAILS"
    for i in $(seq 0 99); do
        s=$((1700000000 + i * PER / 10)); e=$((s + PER / 10))
        "$BIN/bsm-gen" "$TRAILS/$(date -u -d @$s +%Y%m%d%H%M%S).$(date -u -d @$e +%Y%m%d%H%M%S)" "$PER" --mix audit --start "$s" 2>/dev/null
    done
fi

# run <reps> <out> <cmd...> → "wall cpu" medians (seconds), output of the command to <out>.
run() {
    local reps=$1 out=$2; shift 2
    local walls=() cpus=()
    for _ in $(seq "$reps"); do
        /usr/bin/time -f "%e %U %S" -o "$DIR/time" "$@" > "$out" 2>/dev/null
        read -r w u s < "$DIR/time"
        walls+=("$w"); cpus+=("$(echo "$u + $s" | bc -l)")
    done
    printf '%.3f %.3f\n' "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (reps + 1) / 2 ))p")" \
        "$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (reps + 1) / 2 ))p")"
}
row() {  # row <label> <reps> <out> <cmd...>
    local label=$1; shift
    read -r wall cpu < <(run "$@")
    printf '| %s | %s s | %s s |\n' "$label" "$wall" "$cpu"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "trail:   $TRAIL ($(stat -c %s "$TRAIL") bytes, $N records); $TRAILS (100 trails of $PER records)"
echo
echo "| command | wall (median of $REPS) | CPU user+sys |"
echo "|---|---:|---:|"
row "\`auditreduce -m AUE_UNLINK\` (1 trail)" "$REPS" "$DIR/ar.bsm" "$AUDITREDUCE" -m AUE_UNLINK "$TRAIL"
row "\`filewatcher --read T --bsm-event AUE_UNLINK --format bsm\`" "$REPS" "$DIR/fw.bsm" "$FW" --read "$TRAIL" --bsm-event AUE_UNLINK --format bsm --no-summary
row "\`filewatcher … --bsm-event AUE_UNLINK -f /Users/ --format bsm\`" "$REPS" "$DIR/fw-users.bsm" "$FW" --read "$TRAIL" --bsm-event AUE_UNLINK -f /Users/ --format bsm --no-summary
row "\`filewatcher … --bsm-event AUE_UNLINK\` (text)" "$REPS" "$DIR/fw.txt" "$FW" --read "$TRAIL" --bsm-event AUE_UNLINK --no-summary
row "\`auditreduce -m AUE_UNLINK\` (100 trails)" "$REPS" "$DIR/ar100.bsm" sh -c "\"$AUDITREDUCE\" -m AUE_UNLINK \"$TRAILS\"/*"
row "\`filewatcher --read DIR --bsm-event AUE_UNLINK --format bsm\` (100 trails)" "$REPS" "$DIR/fw100.bsm" "$FW" --read "$TRAILS" --bsm-event AUE_UNLINK --format bsm --no-summary
echo
# The same records: filewatcher's copy is auditreduce's output between two 11+n-byte file tokens.
strip() { python3 - "$1" <<'EOF'
import sys
b = open(sys.argv[1], 'rb').read()
def file_token_len(b, i):
    return 11 + int.from_bytes(b[i + 9:i + 11], 'big') if i < len(b) and b[i] == 0x11 else 0
head = file_token_len(b, 0)
body = b[head:]
# the closing file token: 0x11, 8 bytes of time, a u16 length, the name
for cut in range(len(body) - 11, -1, -1):
    if body[cut] == 0x11 and cut + file_token_len(body, cut) == len(body):
        body = body[:cut]
        break
sys.stdout.buffer.write(body)
EOF
}
for pair in "ar.bsm fw.bsm" "ar100.bsm fw100.bsm"; do
    set -- $pair
    if cmp -s "$DIR/$1" <(strip "$DIR/$2"); then echo "records identical: $1 $2 ($(stat -c %s "$DIR/$1") bytes)"; else echo "RECORDS DIFFER: $1 $2"; fi
done
