#!/usr/bin/env bash
# Replay of an auditd log → JSON Lines: bench/audit-replay.sh [events] [repetitions]
# Builds filewatcher (release), writes the log once (bench/gen-audit-log.py, in /tmp), and prints
# the median wall time and the CPU time of `filewatcher --read LOG -a --format json -o /dev/null`.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
reps=${2:-3}
log=${TMPDIR:-/tmp}/fw-bench-audit-$events.log
swift build -c release --product filewatcher >/dev/null
[ -s "$log" ] || python3 bench/gen-audit-log.py "$log" "$events"
echo "log: $log ($(stat -c %s "$log") bytes, $(wc -l < "$log") lines, $events events)"
for _ in $(seq "$reps"); do
    /usr/bin/time -f "%e s wall, %U s user, %S s sys" .build/release/filewatcher --read "$log" -a --format json -o /dev/null --no-summary
done 2>&1 | sort -n | sed -n "$(( (reps + 1) / 2 ))p" | sed 's/^/median: /'
