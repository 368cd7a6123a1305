#!/bin/sh
# Live-monitor benchmark (Linux, root): the workload unwatched, under fatrace, under a do-nothing
# fanotify listener (the floor) and under filewatcher, all in one run. Prints a Markdown table.
#
#   bench/run.sh [bench.py options]      e.g. --reps 5, --configs fid,fid+batch0 (fid is the only layout left)
#
# Needs: gcc, python3, swift, root. Installs fatrace with apt-get when it is missing.
# The workload source is ../shared/bench/workload.c (beside the repository), or $WORKLOAD_C.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
workload_c=${WORKLOAD_C:-"$repo/../shared/bench/workload.c"}
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: fanotify needs root" >&2; exit 1; }
[ -f "$workload_c" ] || { echo "bench/run.sh: no workload source at $workload_c (set WORKLOAD_C)" >&2; exit 1; }
build=$(mktemp -d /var/tmp/fwbench-bin.XXXXXX)
trap 'rm -rf "$build"' EXIT
gcc -O2 -o "$build/workload" "$workload_c"
gcc -O2 -Wall -o "$build/listener" "$here/listener.c"
command -v fatrace >/dev/null 2>&1 || { apt-get install -y fatrace >/dev/null || { apt-get update -qq && apt-get install -y fatrace >/dev/null; }; }
(cd "$repo" && swift build -c release --product filewatcher >/dev/null)
exec python3 "$here/bench.py" "$build/workload" "$build/listener" "$repo/.build/release/filewatcher" \
    --configs fid,fid+batch0 --churn-configs fid,fid+batch0 "$@"
