#!/usr/bin/env bash
# Benchmark of `filewatcher print` against OpenBSM praudit on a 1,000,000-record trail of
# macOS-like file records (header32, arg32, path, attr32, subject32, return32, trailer) made by
# our encoder (the bsm-gen target).
#
#   bench/print-bench.sh [records] [repetitions]
#
# Env: BENCH_DIR (default /tmp/filewatcher-bench), PRAUDIT (default ../ref/openbsm-build/bin/praudit/praudit),
#      PRAUDIT_EVENTS=1 also times praudit with event names: it needs /etc/security/audit_event,
#      so the script installs ../shared/openbsm/audit_event there for that run if the file is
#      missing (and removes it again). Output goes to /dev/null; times are wall-clock medians.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"; REPS="${2:-5}"
DIR="${BENCH_DIR:-/tmp/filewatcher-bench}"
if [ -z "${PRAUDIT:-}" ]; then
    for c in ../ref/openbsm-build/bin/praudit/praudit ../../ref/openbsm-build/bin/praudit/praudit; do
        [ -x "$c" ] && PRAUDIT="$c" && break
    done
fi
PRAUDIT="${PRAUDIT:-../ref/openbsm-build/bin/praudit/praudit}"
EVENTS=../shared/openbsm/audit_event; [ -e "$EVENTS" ] || EVENTS=../../shared/openbsm/audit_event
mkdir -p "$DIR"
swift build -c release --product filewatcher >/dev/null
swift build -c release --product bsm-gen >/dev/null
BIN=$(swift build -c release --show-bin-path)
TRAIL="$DIR/trail-$N.bsm"
[ -s "$TRAIL" ] || "$BIN/bsm-gen" "$TRAIL" "$N"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timeit() {  # timeit <reps> <cmd...> → median wall seconds
    local reps=$1; shift
    for _ in $(seq "$reps"); do
        local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc -l
    done | median
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "trail:   $TRAIL ($(stat -c %s "$TRAIL") bytes, $N records)"
echo "filewatcher print (event names):     $(timeit "$REPS" "$BIN/filewatcher" print "$TRAIL") s"
echo "filewatcher print -r (no names):     $(timeit "$REPS" "$BIN/filewatcher" print -r "$TRAIL") s"
echo "filewatcher print -x:                $(timeit "$REPS" "$BIN/filewatcher" print -x "$TRAIL") s"
if [ -x "$PRAUDIT" ]; then
    if [ -e /etc/security/audit_event ]; then
        echo "praudit (event names, /etc/security/audit_event present): $(timeit 1 "$PRAUDIT" "$TRAIL") s"
    else
        echo "praudit (no event table):            $(timeit 1 "$PRAUDIT" "$TRAIL") s"
        if [ "${PRAUDIT_EVENTS:-0}" = 1 ]; then
            mkdir -p /etc/security
            cp "$EVENTS" /etc/security/audit_event
            trap 'rm -f /etc/security/audit_event' EXIT
            echo "praudit (event names):               $(timeit 1 "$PRAUDIT" "$TRAIL") s"
            rm -f /etc/security/audit_event; trap - EXIT
        fi
    fi
else
    echo "praudit: not built at $PRAUDIT (skipped)"
fi
