#!/bin/sh
# The oracle at scale (Linux, root): fw-oracle's random real file work, by several processes, watched by
# a release build of filewatcher and judged event by event (kind, path, destination, pid, process name)
# by the checker in Tests/filewatcherTests/OracleChecker.swift. Prints one report per layout and seed.
#
#   bench/oracle.sh [OPS [SEEDS [LAYOUTS]]]     defaults: 100000 operations, seeds 1,2,3, every layout
#
# Environment passed on: FW_ORACLE_PACE (µs, default 3000), FW_ORACLE_WORKERS (default 3),
# FW_ORACLE_ARGS (more filewatcher arguments, e.g. "--batch-delay 0").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/oracle.sh: fanotify needs root" >&2; exit 1; }
ops=${1:-100000}
seeds=${2:-1,2,3}
cd "$repo"
swift build -c release --product filewatcher >/dev/null
swift build -c release --product fw-oracle >/dev/null
swift build --build-tests >/dev/null
report=$(mktemp /var/tmp/fw-oracle-report.XXXXXX)
log=$(mktemp /var/tmp/fw-oracle-log.XXXXXX)
trap 'rm -f "$report" "$log"' EXIT
echo "oracle: $ops operations, seeds $seeds, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
status=0
export FW_BINARY="$repo/.build/release/filewatcher" FW_ORACLE_OPS="$ops" FW_ORACLE_SEEDS="$seeds" FW_ORACLE_REPORT="$report"
[ -z "${3:-}" ] || export FW_ORACLE_LAYOUTS="$3"
swift test --skip-build --filter OracleTests >"$log" 2>&1 || status=$?
cat "$report"
[ "$status" = 0 ] || tail -20 "$log" >&2
exit $status
