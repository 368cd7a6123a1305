#!/bin/sh
# Live shipping benchmark (Linux, root): what `--ship relp+tls://…` adds to `workload rw` under live
# filewatcher (peer: the same run without --ship), and filewatcher's memory during a collector
# outage under `workload churn`. Prints Markdown; see bench/ship-live.py for what is measured.
#
#   bench/ship-live.sh [ship-live.py options]     e.g. --reps 5 --outage 600
#
# Needs: gcc, python3, swift, rsyslog, rsyslog-relp, rsyslog-gnutls, openssl, root (fanotify).
# The workload source is ../shared/bench/workload.c (beside the repository), or $WORKLOAD_C.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
workload_c=${WORKLOAD_C:-"$repo/../shared/bench/workload.c"}
[ "$(id -u)" = 0 ] || { echo "bench/ship-live.sh: fanotify needs root" >&2; exit 1; }
[ -f "$workload_c" ] || { echo "bench/ship-live.sh: no workload source at $workload_c (set WORKLOAD_C)" >&2; exit 1; }
build=$(mktemp -d /var/tmp/fwship-bin.XXXXXX)
trap 'rm -rf "$build"' EXIT
gcc -O2 -o "$build/workload" "$workload_c"
[ -n "${FILEWATCHER_SKIP_BUILD:-}" ] || (cd "$repo" && swift build -c release --product filewatcher >/dev/null)
python3 "$here/ship-live.py" "$build/workload" "$repo/.build/release/filewatcher" "$@"
