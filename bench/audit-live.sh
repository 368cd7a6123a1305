#!/bin/sh
# Live kernel-audit benchmark (Linux, root; issue 13): the workload unwatched, under Debian's auditd
# with `auditctl -w DIR -p rwxa` (the peer), and under filewatcher --source audit / fanotify /
# fanotify,audit with --audit-rules failures, all in one run; then a failing-open loop as nobody.
# Prints a Markdown table (bench/audit-live.py).
#
#   bench/audit-live.sh [audit-live.py options]      e.g. --reps 5 --rw 200000 --churn 50000 --denied 100000
#
# Needs: gcc, python3, swift, root, auditd (installed with apt-get when missing; not enabled as a
# service: the script starts it in the foreground and stops it). The workload source is
# ../shared/bench/workload.c (beside the repository), or $WORKLOAD_C.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
workload_c=${WORKLOAD_C:-"$repo/../shared/bench/workload.c"}
[ "$(id -u)" = 0 ] || { echo "bench/audit-live.sh: the kernel audit needs root" >&2; exit 1; }
[ -f "$workload_c" ] || { echo "bench/audit-live.sh: no workload source at $workload_c (set WORKLOAD_C)" >&2; exit 1; }
build=$(mktemp -d /var/tmp/fwbench-bin.XXXXXX)
trap 'rm -rf "$build"' EXIT
gcc -O2 -o "$build/workload" "$workload_c"
gcc -O2 -Wall -o "$build/denied" "$here/denied.c"
command -v auditd >/dev/null 2>&1 || { apt-get install -y auditd >/dev/null || { apt-get update -qq && apt-get install -y auditd >/dev/null; }; }
(cd "$repo" && swift build -c release --product filewatcher >/dev/null)
exec python3 "$here/audit-live.py" "$build/workload" "$build/denied" "$repo/.build/release/filewatcher" "$@"
