#!/usr/bin/env bash
# `filewatcher report` at scale: 1,000,000 events (scripts/gen-bench-trail.py) as a BSM trail and as
# filewatcher JSON Lines → one HTML page. Measures wall/CPU time and peak memory of the report, the
# page's size, and how long headless Chromium takes to open it (screenshot run minus the same run on
# an empty page; and the page's own script time, data-js-ms). Peer in the same run: Linux auditd's
# aureport (tables, no picture) over an audit log with the same 1,000,000 file accesses.
# Usage: bench/report-bench.sh [EVENTS] [REPETITIONS]   (needs python3, chromium; aureport optional)
set -euo pipefail
n=${1:-1000000}
reps=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
swift build -c release --product filewatcher >/dev/null
bin=$(swift build -c release --show-bin-path)/filewatcher
python3 scripts/gen-bench-trail.py "$n" "$tmp/trail.bsm"
"$bin" --read "$tmp/trail.bsm" -a --format json -o "$tmp/trail.jsonl" --no-summary
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $(wc -l < "$tmp/trail.jsonl") events; trail $(wc -c < "$tmp/trail.bsm") bytes, JSON Lines $(wc -c < "$tmp/trail.jsonl") bytes"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for input in trail.bsm trail.jsonl; do
    for i in $(seq "$reps"); do
        /usr/bin/time -f "%e %U %S %M" -o "$tmp/time.$i" "$bin" report -a -o "$tmp/$input.html" "$tmp/$input" 2>/dev/null
    done
    wall=$(cat "$tmp"/time.* | awk '{print $1}' | median)
    cpu=$(cat "$tmp"/time.* | awk '{print $2 + $3}' | median)
    rss=$(cat "$tmp"/time.* | awk '{print $4}' | sort -n | tail -1)
    echo "report $input: wall $wall s (median of $reps), CPU $cpu s, max RSS $((rss / 1024)) MB, page $(wc -c < "$tmp/$input.html") bytes"
    rm -f "$tmp"/time.*
done
for input in trail.bsm; do
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time.read" "$bin" --read "$tmp/$input" -a -f nomatch --no-summary
    echo "for scale: watch --read $input -f nomatch (decode only): $(awk '{print "wall " $1 " s, CPU " $2 + $3 " s"}' "$tmp/time.read")"
done

if command -v chromium >/dev/null; then
    sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(--no-sandbox)
    printf '<!DOCTYPE html><html><body>empty</body></html>' > "$tmp/empty.html"
    shot() {
        local profile; profile=$(mktemp -d)
        local start end
        start=$(date +%s.%N)
        chromium --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$profile" \
            --screenshot="$tmp/shot.png" --window-size=1400,2400 "file://$1" >/dev/null 2>&1
        end=$(date +%s.%N)
        rm -rf "$profile"
        python3 -c "print(round($end - $start, 3))"
    }
    page="$tmp/trail.bsm.html"
    base=$(for i in $(seq 5); do shot "$tmp/empty.html"; done | median)
    full=$(for i in $(seq 5); do shot "$page"; done | median)
    profile=$(mktemp -d)
    js=$(chromium --headless "${sandbox[@]}" --disable-gpu --no-first-run --user-data-dir="$profile" --dump-dom "file://$page" 2>/dev/null \
        | grep -o 'data-js-ms="[0-9]*"' | grep -o '[0-9]*')
    rm -rf "$profile"
    echo "chromium: screenshot of the report $full s, of an empty page $base s (median of 5): opening the report adds $(python3 -c "print(round($full - $base, 3))") s; its script finished ${js} ms after navigation start"
fi

if command -v aureport >/dev/null; then
    python3 - "$n" "$tmp/audit.log" <<'PY'
import sys
n = int(sys.argv[1]); out = open(sys.argv[2], 'w')
t = 1700000000
for i in range(n):
    pid = 100 + i % 100; ts = t + i // 1000; ms = i % 1000
    path = '/home/user/project/src/dir%d/file%d.txt' % (i % 37, i % 1013)
    ok = 'no' if i % 20 == 0 else 'yes'
    out.write('type=SYSCALL msg=audit(%d.%03d:%d): arch=c000003e syscall=257 success=%s exit=%d a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=%d auid=501 uid=501 gid=20 euid=501 suid=501 fsuid=501 egid=20 sgid=20 fsgid=20 tty=(none) ses=1 comm="prog%d" exe="/usr/bin/prog%d" key=(null)\n'
              % (ts, ms, i + 1, ok, -13 if ok == 'no' else 3, pid, pid, pid))
    out.write('type=PATH msg=audit(%d.%03d:%d): item=0 name="%s" inode=%d dev=08:01 mode=0100644 ouid=501 ogid=20 rdev=00:00 nametype=NORMAL\n'
              % (ts, ms, i + 1, path, 1000 + i % 1013))
PY
    for args in "--file --summary" "--summary" "--failed --summary"; do
        /usr/bin/time -f "%e %U %S %M" -o "$tmp/time.au" aureport -if "$tmp/audit.log" $args >/dev/null 2>&1 || true
        echo "peer: aureport $args over the same 1,000,000 accesses ($(wc -c < "$tmp/audit.log") bytes of audit log): $(awk '{print "wall " $1 " s, CPU " $2 + $3 " s, max RSS " int($4/1024) " MB"}' "$tmp/time.au")"
    done
fi
