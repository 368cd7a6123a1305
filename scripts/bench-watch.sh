#!/bin/sh
# Times `filewatcher watch --read` over a synthetic 1M-record trail in every output format.
# Usage: scripts/bench-watch.sh [RECORDS]   (needs python3; builds release)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
swift build -c release --product filewatcher >/dev/null
bin=$(swift build -c release --show-bin-path)/filewatcher
python3 scripts/gen-bench-trail.py "$n" "$tmp/trail.bsm"
echo "records: $n ($(wc -c < "$tmp/trail.bsm") bytes)"
for args in "-f nomatch" "-a -o $tmp/out.txt" "-a --format json -o $tmp/out.json" "-a --format bsm -o $tmp/out.bsm"; do
    /usr/bin/time -f "%U s user  %S s sys  %e s wall  %M KB max RSS   $args" \
        "$bin" --read "$tmp/trail.bsm" $args --no-summary
done
